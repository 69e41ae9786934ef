//! Publishing end to end, on both backends: a case imported, drafts written
//! and checked on the staff pages, approved by a manager, pushed to the
//! portal and read there by exactly their audience; the rules that stop a
//! draft (open findings, self-approval, a practitioner approving), returned
//! drafts, withdrawal, supersession, held publication, and the ledger.
//!
//! Staff enrol and sign in with soft passkeys as `common::staff` does; family
//! members are invited and activated on the portal as `common::family` does.

use crate::common;
use test_support::{backend_tests, Backend};

use common::family::{activate, in_two_weeks, invite_again, send, Browser};
use common::{demo_family, sync, Services};
use content::db::now;
use content::sync::{FamilyRole, PersonPush};
use staff_bridge::ledger;
use staff_bridge::staff::{self, Role, StaffMember};
use uuid::Uuid;

use common::staff::{attribute_after, COOKIE};
const CASE: &str = "DEMO-0001";

/// A staff member's browser: their session cookie and CSRF token.
struct Desk {
    member: StaffMember,
    token: String,
    csrf: String,
}

struct Answer {
    status: u16,
    body: String,
    location: Option<String>,
}

impl Desk {
    /// Adds the member, who enrols and so signs in with a real soft-passkey
    /// ceremony, then reads the CSRF token from the first page they see.
    async fn new(s: &Services, name: &str, email: &str, roles: &[Role]) -> Desk {
        let mut enrolled = common::staff::member(s, email, name, roles).await;
        let csrf = enrolled.desk.csrf(s, "/sign-out").await;
        let member = staff::find_by_id(&s.bridge_db, &enrolled.id)
            .await
            .unwrap()
            .unwrap();
        Desk {
            member,
            token: enrolled
                .desk
                .session
                .expect("enrolment signs the member in"),
            csrf,
        }
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        Answer {
            status,
            body: response.text().await.unwrap(),
            location,
        }
    }

    async fn get(&self, s: &Services, path: &str) -> Answer {
        let response = s
            .http
            .get(format!("{}{path}", s.bridge_url))
            .header("cookie", format!("{COOKIE}={}", self.token))
            .send()
            .await
            .unwrap();
        Desk::answer(response).await
    }

    async fn post(&self, s: &Services, path: &str, form: &[(&str, &str)]) -> Answer {
        let mut fields: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        fields.extend_from_slice(form);
        let response = s
            .http
            .post(format!("{}{path}", s.bridge_url))
            .header("cookie", format!("{COOKIE}={}", self.token))
            .header("origin", &s.bridge_url)
            .form(&fields)
            .send()
            .await
            .unwrap();
        Desk::answer(response).await
    }
}

struct Case {
    s: Services,
    priya: Desk,
    tom: Desk,
    ellie: i64,
    sarah: i64,
    daniel: i64,
}

async fn person_id(s: &Services, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM case_people WHERE name = $1")
        .bind(name)
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap()
}

async fn portal_id(s: &Services, id: i64) -> Uuid {
    let text: String = sqlx::query_scalar("SELECT portal_id FROM case_people WHERE id = $1")
        .bind(id)
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    text.parse().unwrap()
}

async fn start(backend: content::db::Backend) -> Case {
    start_with(backend, |_| {}).await
}

async fn start_with(
    backend: content::db::Backend,
    adjust: impl FnOnce(&mut staff_bridge::BridgeConfig),
) -> Case {
    let s = Services::start_with(backend, |_, bridge| adjust(bridge)).await;
    let family = demo_family().to_string();
    staff_bridge::import::import(&s.bridge_db, &family, now())
        .await
        .unwrap();
    let priya = Desk::new(
        &s,
        "Priya Shah",
        "priya.shah@council.example",
        &[Role::Practitioner],
    )
    .await;
    let tom = Desk::new(
        &s,
        "Tom Okafor",
        "tom.okafor@council.example",
        &[Role::Manager],
    )
    .await;
    let ellie = person_id(&s, "Ellie Carter").await;
    let sarah = person_id(&s, "Sarah Carter").await;
    let daniel = person_id(&s, "Daniel Brooks").await;
    Case {
        s,
        priya,
        tom,
        ellie,
        sarah,
        daniel,
    }
}

/// The family member on the portal, signed in after activating their
/// invitation, as the bridge would have invited them.
async fn reader(s: &Services, id: i64, first: &str, dob: (&str, &str, &str)) -> Browser {
    let person = portal_id(s, id).await;
    let push = PersonPush {
        display_name: first.into(),
        first_name: first.into(),
        role: FamilyRole::Parent,
        date_of_birth: Some(format!("{}-{}-{}", dob.2, dob.1, dob.0)),
    };
    send(s, &format!("/internal/v1/people/{person}"), &push).await;
    let (_, code) = invite_again(s, person, in_two_weeks()).await;
    let mut browser = Browser::default();
    let (status, _, _) = activate(s, &mut browser, &code, first, dob).await;
    assert_eq!(status, 303, "{first} activates");
    browser
}

fn case_path(rest: &str) -> String {
    format!("/cases/{CASE}{rest}")
}

/// Starts a draft on the staff pages; returns its id.
async fn new_draft(
    desk: &Desk,
    s: &Services,
    kind: &str,
    title: &str,
    audience: &[i64],
    reader_age: &str,
) -> String {
    let audience: Vec<String> = audience.iter().map(|a| a.to_string()).collect();
    let mut form = vec![
        ("source", ""),
        ("kind", kind),
        ("title", title),
        ("reader_age", reader_age),
    ];
    for a in &audience {
        form.push(("audience", a));
    }
    let answer = desk.post(s, &case_path("/drafts"), &form).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location.unwrap();
    location.rsplit('/').next().unwrap().to_string()
}

/// Saves a draft's text on the editor: every field the form posts.
#[allow(clippy::too_many_arguments)]
async fn save(
    desk: &Desk,
    s: &Services,
    id: &str,
    kind: &str,
    title: &str,
    audience: &[i64],
    reader_age: &str,
    body: &str,
) -> Answer {
    let audience: Vec<String> = audience.iter().map(|a| a.to_string()).collect();
    // The editor shows the draft's meeting already chosen and carries the
    // revision it showed, so both are sent back.
    let shown = draft(s, id).await;
    let meeting = shown.meeting_id.map(|m| m.to_string()).unwrap_or_default();
    let revision = shown.revision.to_string();
    let mut form = vec![
        ("revision", revision.as_str()),
        ("kind", kind),
        ("title", title),
        ("reader_age", reader_age),
        ("body", body),
        ("publish_at", ""),
        ("meeting", &meeting),
    ];
    for a in &audience {
        form.push(("audience", a));
    }
    desk.post(s, &case_path(&format!("/drafts/{id}")), &form)
        .await
}

async fn draft(s: &Services, id: &str) -> staff_bridge::publishing::Draft {
    staff_bridge::publishing::load(&s.bridge_db, id)
        .await
        .unwrap()
        .unwrap()
}

async fn checked(s: &Services, id: &str) -> staff_bridge::publishing::Checked {
    staff_bridge::publishing::check(&s.bridge_db, &draft(s, id).await)
        .await
        .unwrap()
}

/// Decides on every open finding: redact, or keep with the reason given
/// for findings whose text is in `keep`.
async fn decide_all(desk: &Desk, s: &Services, id: &str, keep: &[&str]) {
    for item in checked(s, id).await.items {
        if item.decision.is_some() {
            continue;
        }
        let answer = if keep.contains(&item.finding.text.as_str()) {
            desk.post(
                s,
                &case_path(&format!("/drafts/{id}/decide")),
                &[
                    ("key", &item.key),
                    ("decision", "keep"),
                    ("reason", "They know this already"),
                ],
            )
            .await
        } else {
            desk.post(
                s,
                &case_path(&format!("/drafts/{id}/decide")),
                &[("key", &item.key), ("decision", "redact")],
            )
            .await
        };
        assert_eq!(answer.status, 303, "{}", answer.body);
    }
    assert_eq!(checked(s, id).await.open(), 0);
}

async fn submit(desk: &Desk, s: &Services, id: &str) -> Answer {
    desk.post(s, &case_path(&format!("/drafts/{id}/submit")), &[])
        .await
}

/// The manager opens the approval page and approves what it shows.
async fn approve(desk: &Desk, s: &Services, id: &str) -> Answer {
    let page = desk.get(s, &format!("/approvals/{id}")).await;
    let read = attribute_after(&page.body, "name=\"read\" value=\"").unwrap_or_default();
    approve_read(desk, s, id, &read).await
}

async fn approve_read(desk: &Desk, s: &Services, id: &str, read: &str) -> Answer {
    desk.post(
        s,
        &format!("/approvals/{id}/approve"),
        &[("when", "now"), ("publish_at", ""), ("read", read)],
    )
    .await
}

/// The publication entries of the ledger about one publication (views of
/// it are recorded there too).
async fn publications_in_ledger(s: &Services, publication: Uuid) -> Vec<ledger::Entry> {
    ledger::entries_for_subject(
        &s.bridge_db,
        &publication.to_string(),
        ledger::Page::first(ledger::Order::OldestFirst, 100),
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|e| e.kind == "publication")
    .collect()
}

/// Writes, checks, sends and approves one document; returns the draft id
/// and its publication id.
async fn publish(
    c: &Case,
    kind: &str,
    title: &str,
    audience: &[i64],
    reader_age: &str,
    body: &str,
    keep: &[&str],
) -> (String, Uuid) {
    let id = new_draft(&c.priya, &c.s, kind, title, audience, reader_age).await;
    let saved = save(&c.priya, &c.s, &id, kind, title, audience, reader_age, body).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    decide_all(&c.priya, &c.s, &id, keep).await;
    let sent = submit(&c.priya, &c.s, &id).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let approved = approve(&c.tom, &c.s, &id).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let d = draft(&c.s, &id).await;
    assert_eq!(d.status, staff_bridge::publishing::rules::Status::Published);
    sync(&c.s).await;
    (id, d.publication_id)
}

const ELLIE: (&str, &str, &str) = ("12", "04", "2016");
const SARAH: (&str, &str, &str) = ("21", "11", "1989");
const DANIEL: (&str, &str, &str) = ("08", "02", "1987");

const PARENT_BODY: &str = "Ellie lives with Sarah at 14 Willow Crescent, Riverside RV4 2QT.\n\nPriya Shah will visit every two weeks.";

// The tests, by what they follow: a draft to its readers and who may approve
// it; changes to it (two editors at once, decisions, withdrawal, new
// versions); held publication, approval settings, the demo and sealing.
mod changes;
mod flow;
mod timing_and_storage;
