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

backend_tests!(from_import_to_each_reader_and_nobody_else);
async fn from_import_to_each_reader_and_nobody_else(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;

    // The child's version, with a finding that blocks sending.
    let child = new_draft(&c.priya, s, "plan", "Your plan, Ellie", &[c.ellie], "10").await;
    let child_body = "Hi Ellie. Priya will visit you every two weeks.\n\nLiam will go to a course about not shouting.";
    let saved = save(
        &c.priya,
        s,
        &child,
        "plan",
        "Your plan, Ellie",
        &[c.ellie],
        "10",
        child_body,
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let editor = c.priya.get(s, saved.location.as_deref().unwrap()).await;
    assert_eq!(editor.status, 200);
    assert!(
        editor.body.contains("<mark>Liam</mark>"),
        "the finding in its sentence"
    );
    assert!(editor.body.contains("Reading for a 10-year-old"));
    assert_eq!(editor.body.matches("<h1").count(), 1, "one main heading");
    let blocked = submit(&c.priya, s, &child).await;
    assert_eq!(blocked.status, 400, "an open finding blocks sending");
    assert!(blocked.body.contains("still open"));
    assert_eq!(draft(s, &child).await.status.as_str(), "draft");

    // Redact every mention of Liam at once.
    let answer = c
        .priya
        .post(
            s,
            &case_path(&format!("/drafts/{child}/decide-person")),
            &[
                ("person", &person_id(s, "Liam Walsh").await.to_string()),
                ("decision", "redact"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(checked(s, &child).await.open(), 0);
    // Re-saving the same text keeps the decision.
    save(
        &c.priya,
        s,
        &child,
        "plan",
        "Your plan, Ellie",
        &[c.ellie],
        "10",
        &format!("A new first line.\n\n{child_body}"),
    )
    .await;
    assert_eq!(
        checked(s, &child).await.open(),
        0,
        "decisions survive a re-save"
    );
    assert_eq!(submit(&c.priya, s, &child).await.status, 303);

    // A practitioner cannot approve; the queue is for managers.
    assert_eq!(c.priya.get(s, "/approvals").await.status, 403);
    assert_eq!(approve(&c.priya, s, &child).await.status, 403);
    assert_eq!(draft(s, &child).await.status.as_str(), "submitted");

    // The manager reads it as the reader will, and returns it.
    let review = c.tom.get(s, &format!("/approvals/{child}")).await;
    assert_eq!(review.status, 200);
    assert!(review
        .body
        .contains("[removed: this is about someone else]"));
    assert!(review.body.contains("Redaction decisions"));
    let returned = c
        .tom
        .post(
            s,
            &format!("/approvals/{child}/return"),
            &[("reason", "Say when the next meeting is")],
        )
        .await;
    assert_eq!(returned.status, 303);
    let editor = c
        .priya
        .get(s, &case_path(&format!("/drafts/{child}")))
        .await;
    assert!(
        editor.body.contains("Say when the next meeting is"),
        "the author sees the reason"
    );
    let better = format!("{child_body}\n\nThe next meeting is on 10 December.");
    assert_eq!(
        save(
            &c.priya,
            s,
            &child,
            "plan",
            "Your plan, Ellie",
            &[c.ellie],
            "10",
            &better
        )
        .await
        .status,
        303
    );
    assert_eq!(submit(&c.priya, s, &child).await.status, 303);
    let queue = c.tom.get(s, "/approvals").await;
    assert!(queue.body.contains("Your plan, Ellie"));
    assert_eq!(approve(&c.tom, s, &child).await.status, 303);
    sync(s).await;

    // A parent's version for each parent: Daniel's without the address.
    let (_, sarahs) = publish(
        &c,
        "plan",
        "Ellie’s plan",
        &[c.sarah],
        "",
        PARENT_BODY,
        &["14 Willow Crescent, Riverside RV4 2QT", "Ellie"],
    )
    .await;
    let (_, daniels) = publish(
        &c,
        "plan",
        "Ellie’s plan (Daniel)",
        &[c.daniel],
        "",
        PARENT_BODY,
        &["Ellie", "Sarah"],
    )
    .await;
    let child_publication = draft(s, &child).await.publication_id;

    // Each reads their own, and only their own.
    let mut ellie = reader(s, c.ellie, "Ellie", ELLIE).await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let mut daniel = reader(s, c.daniel, "Daniel", DANIEL).await;
    let (status, page, _) = ellie.get(s, &format!("/items/{child_publication}")).await;
    assert_eq!(status, 200, "{backend:?}");
    assert!(page.contains("Your plan, Ellie"));
    assert!(
        page.contains("[removed: this is about someone else] will go to a course"),
        "{page}"
    );
    assert!(!page.contains("Liam"));
    let (_, home, _) = ellie.get(s, "/home").await;
    assert!(home.contains("Your plan, Ellie") && !home.contains("Ellie’s plan"));

    let (status, page, _) = sarah.get(s, &format!("/items/{sarahs}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("14 Willow Crescent"),
        "Sarah's own address is kept"
    );
    let (status, page, _) = daniel.get(s, &format!("/items/{daniels}")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("Willow") && !page.contains("RV4"),
        "not the mother's address"
    );
    assert!(page.contains("[removed: an address that is kept private]"));

    for (browser, others) in [
        (&mut ellie, [sarahs, daniels]),
        (&mut sarah, [child_publication, daniels]),
        (&mut daniel, [child_publication, sarahs]),
    ] {
        for other in others {
            let (status, _, _) = browser.get(s, &format!("/items/{other}")).await;
            assert_eq!(status, 404, "another reader's version is not found");
        }
        let (status, _, _) = browser.get(s, &format!("/items/{}", Uuid::new_v4())).await;
        assert_eq!(status, 404, "a guessed id is not found");
    }

    // Staff see a guessed case or draft as not found too.
    assert_eq!(
        c.priya
            .get(s, &format!("/cases/{CASE}/drafts/{}", Uuid::new_v4()))
            .await
            .status,
        404
    );
    assert_eq!(c.priya.get(s, "/cases/NOPE-1/publishing").await.status, 404);

    // The ledger holds each publication with the hash of what was sent.
    let entries = publications_in_ledger(s, daniels).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, "publication");
    let data = entries[0].data_json().unwrap();
    let sent = PARENT_BODY.replace(
        "14 Willow Crescent, Riverside RV4 2QT",
        "\\[removed: an address that is kept private\\]",
    );
    assert_eq!(
        data["content_sha256"],
        staff_bridge::publishing::rules::content_hash(&sent)
    );
    assert_eq!(data["version"], 1);
    assert_eq!(data["author"], c.priya.member.id.as_str());
    assert_eq!(data["approver"], c.tom.member.id.as_str());
    assert_eq!(
        data["audience"][0]["portal_id"],
        portal_id(s, c.daniel).await.to_string()
    );
    assert_eq!(data["audience"][0]["source_id"], "P-104");
    assert!(data["redactions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["kind"] == "address" && r["decision"] == "redact"));
    assert!(
        !entries[0].data.contains("Willow"),
        "no record text in the ledger"
    );
    // Daniel's reading came back to the ledger: once, however often he looks.
    let (again, _, _) = daniel.get(s, &format!("/items/{daniels}")).await;
    assert_eq!(again, 200);
    sync(s).await;
    let views: Vec<ledger::Entry> = ledger::entries_for_subject(
        &s.bridge_db,
        &daniels.to_string(),
        ledger::Page::first(ledger::Order::OldestFirst, 100),
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|e| e.kind == ledger::kinds::FAMILY_VIEW)
    .collect();
    assert_eq!(views.len(), 1, "the first view of the version, once");
    let daniel_portal = portal_id(s, c.daniel).await.to_string();
    assert_eq!(views[0].actor.as_deref(), Some(daniel_portal.as_str()));
    assert_eq!(views[0].data_json().unwrap()["version"], 1);
    assert!(ledger::verify(&s.bridge_db).await.unwrap().is_whole());

    // Views come back, and My cases shows who read what.
    sync(s).await;
    let mine = c.priya.get(s, "/my-cases").await;
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("Ellie’s plan (Daniel)"));
    assert!(mine.body.contains("new from the family"), "{}", mine.body);
    c.s.finish().await;
}

backend_tests!(nobody_approves_their_own_draft);
async fn nobody_approves_their_own_draft(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let kim = Desk::new(
        s,
        "Kim Reyes",
        "kim.reyes@council.example",
        &[Role::Practitioner, Role::Manager],
    )
    .await;
    staff::grant_case(
        &s.bridge_db,
        kim.member.staff_id(),
        CASE,
        c.tom.member.staff_id(),
        now(),
    )
    .await
    .unwrap();
    let id = new_draft(&kim, s, "letter", "A letter", &[c.sarah], "").await;
    save(
        &kim,
        s,
        &id,
        "letter",
        "A letter",
        &[c.sarah],
        "",
        "Dear Sarah, thank you for meeting me.",
    )
    .await;
    decide_all(&kim, s, &id, &[]).await;
    assert_eq!(submit(&kim, s, &id).await.status, 303);
    let own = approve(&kim, s, &id).await;
    assert_eq!(own.status, 403);
    assert!(own.body.contains("someone else must approve"));
    let page = kim.get(s, &format!("/approvals/{id}")).await;
    assert!(page.body.contains("someone else must approve") && !page.body.contains("/approve\""));
    assert_eq!(draft(s, &id).await.status.as_str(), "submitted");
    assert_eq!(approve(&c.tom, s, &id).await.status, 303);
    c.s.finish().await;
}

backend_tests!(nobody_who_edited_or_decided_on_a_draft_approves_it);
async fn nobody_who_edited_or_decided_on_a_draft_approves_it(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    // Kim is a manager who also works this case as a practitioner.
    let kim = Desk::new(
        s,
        "Kim Reyes",
        "kim.reyes@council.example",
        &[Role::Practitioner, Role::Manager],
    )
    .await;
    staff::grant_case(
        &s.bridge_db,
        kim.member.staff_id(),
        CASE,
        c.tom.member.staff_id(),
        now(),
    )
    .await
    .unwrap();
    let body = "Dear Sarah, Daniel Brooks will come to the meeting.";

    // Priya writes; Kim decides one finding on it; Priya sends it.
    let decided = new_draft(&c.priya, s, "letter", "A letter", &[c.sarah], "").await;
    save(
        &c.priya,
        s,
        &decided,
        "letter",
        "A letter",
        &[c.sarah],
        "",
        body,
    )
    .await;
    let first = checked(s, &decided).await.items[0].key.clone();
    let answer = kim
        .post(
            s,
            &case_path(&format!("/drafts/{decided}/decide")),
            &[("key", &first), ("decision", "redact")],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    decide_all(&c.priya, s, &decided, &[]).await;
    assert_eq!(submit(&c.priya, s, &decided).await.status, 303);

    // Priya writes; Kim edits the words; Priya decides and sends it.
    let edited = new_draft(&c.priya, s, "letter", "A letter", &[c.sarah], "").await;
    save(
        &c.priya,
        s,
        &edited,
        "letter",
        "A letter",
        &[c.sarah],
        "",
        "Dear Sarah,",
    )
    .await;
    let answer = save(&kim, s, &edited, "letter", "A letter", &[c.sarah], "", body).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    decide_all(&c.priya, s, &edited, &[]).await;
    assert_eq!(submit(&c.priya, s, &edited).await.status, 303);

    for id in [&decided, &edited] {
        let own = approve(&kim, s, id).await;
        assert_eq!(own.status, 403, "{backend:?}");
        assert!(own.body.contains("someone else must approve"));
        assert_eq!(draft(s, id).await.status.as_str(), "submitted");
        assert_eq!(approve(&c.tom, s, id).await.status, 303);
    }
    c.s.finish().await;
}

async fn post_fields(
    desk: &Desk,
    s: &Services,
    path: &str,
    fields: Vec<(String, String)>,
) -> Answer {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    desk.post(s, path, &fields).await
}

backend_tests!(two_people_saving_one_draft_at_once_lose_nothing);
/// Priya and Kim open the same draft's editor; Priya saves first. Kim's save
/// is refused, naming Priya, with Kim's words kept in the form and Priya's in
/// the draft; saving again from that page, Kim's words are saved.
async fn two_people_saving_one_draft_at_once_lose_nothing(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let kim = Desk::new(
        s,
        "Kim Reyes",
        "kim.reyes@council.example",
        &[Role::Practitioner],
    )
    .await;
    staff::grant_case(
        &s.bridge_db,
        kim.member.staff_id(),
        CASE,
        c.tom.member.staff_id(),
        now(),
    )
    .await
    .unwrap();
    let id = new_draft(&c.priya, s, "letter", "A letter", &[c.sarah], "").await;
    let editor = case_path(&format!("/drafts/{id}"));
    let revision_on = |page: &str| {
        attribute_after(page, "name=\"revision\" value=\"")
            .expect("the editor carries its revision")
    };
    let priya_saw = revision_on(&c.priya.get(s, &editor).await.body);
    let kim_saw = revision_on(&kim.get(s, &editor).await.body);
    let form = |revision: &str, body: &str| -> Vec<(String, String)> {
        [
            ("revision", revision),
            ("kind", "letter"),
            ("title", "A letter"),
            ("reader_age", ""),
            ("body", body),
            ("publish_at", ""),
            ("meeting", ""),
            ("audience", &c.sarah.to_string()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let priya = post_fields(
        &c.priya,
        s,
        &editor,
        form(&priya_saw, "Dear Sarah, see you on Monday."),
    )
    .await;
    assert_eq!(priya.status, 303, "{backend:?}: {}", priya.body);
    let kim_words = "Dear Sarah, the meeting moved to Tuesday.";
    let refused = post_fields(&kim, s, &editor, form(&kim_saw, kim_words)).await;
    assert_eq!(refused.status, 409, "{backend:?}: {}", refused.body);
    assert!(
        refused.body.contains("Priya Shah saved this draft at"),
        "{backend:?}: the refusal names who saved first: {}",
        refused.body
    );
    assert!(
        refused.body.contains(kim_words),
        "{backend:?}: Kim's words are still on the page"
    );
    assert_eq!(
        draft(s, &id).await.body,
        "Dear Sarah, see you on Monday.",
        "{backend:?}: Priya's save stands"
    );

    // Saving again from the page the refusal showed: Kim has now seen Priya's.
    let again = post_fields(
        &kim,
        s,
        &editor,
        form(&revision_on(&refused.body), kim_words),
    )
    .await;
    assert_eq!(again.status, 303, "{backend:?}: {}", again.body);
    assert_eq!(draft(s, &id).await.body, kim_words, "{backend:?}");
    c.s.finish().await;
}

/// Priya writes the letter to Sarah, decides on every finding and sends it.
async fn send_letter(c: &Case, id: &str, body: &str) {
    save(
        &c.priya,
        &c.s,
        id,
        "letter",
        "A letter",
        &[c.sarah],
        "",
        body,
    )
    .await;
    decide_all(&c.priya, &c.s, id, &[]).await;
    assert_eq!(submit(&c.priya, &c.s, id).await.status, 303);
}

backend_tests!(an_approval_is_for_the_words_the_manager_read);
async fn an_approval_is_for_the_words_the_manager_read(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let id = new_draft(&c.priya, s, "letter", "A letter", &[c.sarah], "").await;
    let body = |words: &str| format!("Dear Sarah, {words}");
    send_letter(&c, &id, &body("see you on Monday.")).await;
    // Tom opens the approval page and reads it...
    let page = c.tom.get(s, &format!("/approvals/{id}")).await;
    assert!(page.body.contains("see you on Monday"));
    let read = attribute_after(&page.body, "name=\"read\" value=\"").unwrap();
    // ...while Priya takes it back, changes it and sends it again.
    let back = c
        .priya
        .post(s, &case_path(&format!("/drafts/{id}/reopen")), &[])
        .await;
    assert_eq!(back.status, 303, "{}", back.body);
    send_letter(&c, &id, &body("see you on Friday.")).await;

    let stale = approve_read(&c.tom, s, &id, &read).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body.contains("changed meanwhile"));
    assert_eq!(draft(s, &id).await.status.as_str(), "submitted");
    assert_eq!(
        approve_read(&c.tom, s, &id, "").await.status,
        409,
        "an approval must say what was read"
    );
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'publication'"
        )
        .await,
        0
    );

    // Read again, it is approved as it now stands.
    assert_eq!(approve(&c.tom, s, &id).await.status, 303);
    let d = draft(s, &id).await;
    sync(s).await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, item, _) = sarah.get(s, &format!("/items/{}", d.publication_id)).await;
    assert_eq!(status, 200);
    assert!(item.contains("see you on Friday") && !item.contains("Monday"));
    c.s.finish().await;
}

backend_tests!(every_mention_of_a_person_is_kept_at_once_with_one_reason);
async fn every_mention_of_a_person_is_kept_at_once_with_one_reason(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let id = new_draft(&c.priya, s, "letter", "About Liam", &[c.sarah], "").await;
    let text = "Liam will go to a course. Liam's worker will tell you how it goes.";
    save(
        &c.priya,
        s,
        &id,
        "letter",
        "About Liam",
        &[c.sarah],
        "",
        text,
    )
    .await;
    let liam = person_id(s, "Liam Walsh").await.to_string();
    let about_liam = |items: &[staff_bridge::publishing::rules::Item]| {
        items
            .iter()
            .filter(|i| i.person.map(|p| p.to_string()) == Some(liam.clone()))
            .count()
    };
    let before = checked(s, &id).await;
    assert!(
        about_liam(&before.items) >= 3,
        "title and two mentions in the text"
    );
    let editor = c.priya.get(s, &case_path(&format!("/drafts/{id}"))).await;
    assert!(editor
        .body
        .contains("Or keep every mention of Liam Walsh, because"));

    // No reason: told so at the field, and nothing is decided.
    let path = case_path(&format!("/drafts/{id}/decide-person"));
    let refused = c
        .priya
        .post(
            s,
            &path,
            &[("person", &liam), ("decision", "keep"), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains(&format!("href=\"#person-reason-{liam}\"")),
        "the summary links to the field"
    );
    assert!(refused
        .body
        .contains("Give the reason for keeping every mention"));
    assert_eq!(checked(s, &id).await.open(), before.open());

    let kept = c
        .priya
        .post(
            s,
            &path,
            &[
                ("person", &liam),
                ("decision", "keep"),
                ("reason", "Sarah arranged the course with him"),
            ],
        )
        .await;
    assert_eq!(kept.status, 303, "{}", kept.body);
    let after = checked(s, &id).await;
    for item in after
        .items
        .iter()
        .filter(|i| i.person.map(|p| p.to_string()) == Some(liam.clone()))
    {
        assert_eq!(
            item.decision,
            Some(staff_bridge::publishing::rules::Decision::Keep(
                "Sarah arranged the course with him".into()
            ))
        );
    }
    decide_all(&c.priya, s, &id, &[]).await;
    assert_eq!(submit(&c.priya, s, &id).await.status, 303);
    let review = c.tom.get(s, &format!("/approvals/{id}")).await;
    assert!(
        review.body.contains("Sarah arranged the course with him"),
        "the manager sees the reason"
    );
    assert_eq!(approve(&c.tom, s, &id).await.status, 303);
    sync(s).await;
    let d = draft(s, &id).await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, page, _) = sarah.get(s, &format!("/items/{}", d.publication_id)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Liam will go to a course") && !page.contains("[removed"),
        "kept, as written"
    );
    c.s.finish().await;
}

backend_tests!(withdrawal_and_supersession_take_effect_at_once);
async fn withdrawal_and_supersession_take_effect_at_once(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let (first, publication) = publish(
        &c,
        "letter",
        "About the meeting",
        &[c.sarah],
        "",
        "The old wording about the meeting.",
        &[],
    )
    .await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, page, _) = sarah.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("The old wording"));

    // A new version supersedes it.
    let answer = c
        .priya
        .post(s, &case_path(&format!("/drafts/{first}/new-version")), &[])
        .await;
    assert_eq!(answer.status, 303);
    let second = answer
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(draft(s, &second).await.publication_id, publication);
    save(
        &c.priya,
        s,
        &second,
        "letter",
        "About the meeting",
        &[c.sarah],
        "",
        "The new wording about the meeting.",
    )
    .await;
    decide_all(&c.priya, s, &second, &[]).await;
    assert_eq!(submit(&c.priya, s, &second).await.status, 303);
    // The manager's preview is the reader's page: an update, and when.
    let review = c.tom.get(s, &format!("/approvals/{second}")).await;
    assert!(
        review.body.contains("Letter, updated on "),
        "{}",
        review.body
    );
    assert!(review.body.contains("replaces the earlier one"));
    assert_eq!(approve(&c.tom, s, &second).await.status, 303);
    assert_eq!(draft(s, &second).await.version, Some(2));
    sync(s).await;
    let (status, page, _) = sarah.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("The new wording") && !page.contains("The old wording"));
    let day = content::when::day(draft(s, &second).await.published_at.unwrap());
    assert!(
        page.contains(&format!("Letter, updated on {day}")),
        "{page}"
    );
    assert!(page.contains("replaces the earlier one"));
    let (_, home, _) = sarah.get(s, "/home").await;
    assert!(home.contains("updated"));
    let entries = publications_in_ledger(s, publication).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].data_json().unwrap()["supersedes_version"], 1);

    // Withdrawal needs a reason, then the portal stops showing it.
    let page = c
        .priya
        .get(s, &case_path(&format!("/drafts/{second}/withdraw")))
        .await;
    assert_eq!(page.status, 200);
    let no_reason = c
        .priya
        .post(
            s,
            &case_path(&format!("/drafts/{second}/withdraw")),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 400);
    let done = c
        .priya
        .post(
            s,
            &case_path(&format!("/drafts/{second}/withdraw")),
            &[("reason", "Sent to the wrong person")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    sync(s).await;
    let (status, _, _) = sarah.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 404);
    let (_, home, _) = sarah.get(s, "/home").await;
    assert!(!home.contains("About the meeting"));
    let entries = ledger::entries_for_subject(
        &s.bridge_db,
        &publication.to_string(),
        ledger::Page::first(ledger::Order::OldestFirst, 100),
    )
    .await
    .unwrap();
    let withdrawals: Vec<&ledger::Entry> =
        entries.iter().filter(|e| e.kind == "withdrawal").collect();
    assert_eq!(withdrawals.len(), 1);
    assert_eq!(
        withdrawals[0].data_json().unwrap()["reason"],
        "Sent to the wrong person"
    );
    assert_eq!(
        withdrawals[0].actor.as_deref(),
        Some(c.priya.member.id.as_str())
    );
    assert!(ledger::verify(&s.bridge_db).await.unwrap().is_whole());
    c.s.finish().await;
}

backend_tests!(a_held_publication_appears_only_after_its_time);
async fn a_held_publication_appears_only_after_its_time(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let (meeting, starts_at): (i64, String) =
        sqlx::query_as("SELECT id, starts_at FROM case_meetings WHERE source_id = 'M-401'")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    let sarah_id = c.sarah.to_string();
    let mut form = vec![
        ("source", ""),
        ("kind", "meeting_invitation"),
        ("title", "Come to the meeting"),
        ("reader_age", ""),
        ("audience", sarah_id.as_str()),
    ];
    let refused = c.priya.post(s, &case_path("/drafts"), &form).await;
    assert_eq!(refused.status, 400, "an invitation names its meeting");
    assert!(refused
        .body
        .contains("Choose the meeting this invites them to"));
    let meeting_field = meeting.to_string();
    form.push(("meeting", &meeting_field));
    let made = c.priya.post(s, &case_path("/drafts"), &form).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let id = made
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let saved = save(
        &c.priya,
        s,
        &id,
        "meeting_invitation",
        "Come to the meeting",
        &[c.sarah],
        "",
        "Please come on Thursday at 10:00.",
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    decide_all(&c.priya, s, &id, &[]).await;
    assert_eq!(submit(&c.priya, s, &id).await.status, 303);
    // Far enough ahead that what follows is done before it, on a busy machine.
    let at = now() + 10;
    let when = content::when::input(at);
    let page = c.tom.get(s, &format!("/approvals/{id}")).await;
    let meeting_time = content::when::meeting(content::when::parse_local(&starts_at).unwrap());
    assert!(
        page.body
            .contains(&format!("When: <strong>{meeting_time}</strong>")),
        "the preview shows the meeting's time, as the reader will see it"
    );
    let read = attribute_after(&page.body, "name=\"read\" value=\"").unwrap();
    let held = c
        .tom
        .post(
            s,
            &format!("/approvals/{id}/approve"),
            &[("when", "later"), ("publish_at", &when), ("read", &read)],
        )
        .await;
    assert_eq!(held.status, 303, "{}", held.body);
    let d = draft(s, &id).await;
    assert_eq!(d.status.as_str(), "approved");
    sync(s).await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, _, _) = sarah.get(s, &format!("/items/{}", d.publication_id)).await;
    assert!(now() < at, "the checks before its time ran before it");
    assert_eq!(status, 404, "not before its time");
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'publication'"
        )
        .await,
        0
    );

    // The scheduler publishes it when its time comes.
    let mut shown = false;
    for _ in 0..120 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        if draft(s, &id).await.status.as_str() == "published" {
            sync(s).await;
            let (status, page, _) = sarah.get(s, &format!("/items/{}", d.publication_id)).await;
            shown = status == 200;
            let when = content::when::meeting(content::when::parse_local(&starts_at).unwrap());
            assert!(page.contains(&when), "the meeting's time on the invitation");
            let (_, home, _) = sarah.get(s, "/home").await;
            let panel = &home[home
                .find("Your next meeting")
                .expect("a next-meeting panel")..];
            assert!(panel.contains(&when) && panel.contains("Come to the meeting"));
            break;
        }
    }
    assert!(shown, "published after its time");
    assert!(now() >= at);
    c.s.finish().await;
}

backend_tests!(kinds_outside_the_setting_publish_without_approval);
async fn kinds_outside_the_setting_publish_without_approval(backend: Backend) {
    let c = start_with(backend, |b| b.approval_kinds = vec!["plan".into()]).await;
    let s = &c.s;
    let id = new_draft(&c.priya, s, "worker_card", "My worker", &[c.sarah], "").await;
    save(
        &c.priya,
        s,
        &id,
        "worker_card",
        "My worker",
        &[c.sarah],
        "",
        "Priya Shah is your social worker.",
    )
    .await;
    decide_all(&c.priya, s, &id, &[]).await;
    assert_eq!(submit(&c.priya, s, &id).await.status, 303);
    let d = draft(s, &id).await;
    assert_eq!(d.status.as_str(), "published");
    let entries = ledger::entries_for_subject(
        &s.bridge_db,
        &d.publication_id.to_string(),
        ledger::Page::first(ledger::Order::OldestFirst, 10),
    )
    .await
    .unwrap();
    assert_eq!(entries[0].data_json().unwrap()["approval"], "not_required");
    c.s.finish().await;
}

backend_tests!(the_demo_publishes_through_the_flow_once);
async fn the_demo_publishes_through_the_flow_once(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    assert_eq!(
        staff_bridge::publishing::demo::seed(&s.bridge_db, now())
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        staff_bridge::publishing::demo::seed(&s.bridge_db, now())
            .await
            .unwrap(),
        0,
        "idempotent"
    );
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'publication'"
        )
        .await,
        5
    );
    sync(s).await;
    let mut daniel = reader(s, c.daniel, "Daniel", DANIEL).await;
    let (_, home, _) = daniel.get(s, "/home").await;
    assert!(home.contains("(for Daniel)") && home.contains("Invitation to the review conference"));
    assert!(!home.contains("Your plan, Ellie"));
    // The invitation's meeting is his next meeting, in UK time and words.
    let conference: String =
        sqlx::query_scalar("SELECT starts_at FROM case_meetings WHERE source_id = 'M-401'")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    let when = content::when::meeting(content::when::parse_local(&conference).unwrap());
    assert!(when.ends_with("at 10am"), "{when}");
    let panel = &home[home
        .find("Your next meeting")
        .expect("a next-meeting panel")..];
    assert!(panel.contains(&when), "{panel}");
    // His worker's card is on the page itself, under its own heading.
    let worker = &home[home.find("Your worker").expect("a worker panel")..];
    assert!(worker.contains("Priya Shah"));
    assert_eq!(home.matches("<h1").count(), 1);
    let case_id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(CASE)
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    let drafts = staff_bridge::publishing::of_case(&s.bridge_db, case_id)
        .await
        .unwrap();
    // Two are part of the way: a letter waiting for Tom, notes being checked.
    let stage = |title: &str| {
        drafts
            .iter()
            .find(|d| d.title == title)
            .map(|d| d.status.as_str())
    };
    assert_eq!(
        stage("Family time with your children’s dad"),
        Some("submitted")
    );
    assert_eq!(stage("Notes from the core group meeting"), Some("draft"));
    let notes = drafts
        .iter()
        .find(|d| d.title == "Notes from the core group meeting")
        .unwrap();
    let open = staff_bridge::publishing::check(&s.bridge_db, notes)
        .await
        .unwrap()
        .open();
    assert!(open > 0, "the notes still have findings to decide");
    let (_, sarahs_home, _) = reader(s, c.sarah, "Sarah", SARAH)
        .await
        .get(s, "/home")
        .await;
    assert!(!sarahs_home.contains("Family time") && !sarahs_home.contains("core group"));
    let his = drafts
        .into_iter()
        .find(|d| d.title.ends_with("(for Daniel)"))
        .unwrap();
    let (status, page, _) = daniel
        .get(s, &format!("/items/{}", his.publication_id))
        .await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("Willow") && page.contains("[removed: an address that is kept private]")
    );
    c.s.finish().await;
}

/// The text of a SQLite database file and its WAL, as a copy of them would
/// show it to whoever took it.
fn files_of(database_url: &str) -> Vec<(String, String)> {
    let path = database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    [path.clone(), format!("{path}-wal")]
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
            (file, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_published_sentence_is_in_neither_database_file_nor_their_wal() {
    // Files are what a copy would take, so this is about the SQLite default.
    let c = start(content::db::Backend::Sqlite).await;
    let s = &c.s;
    let sentence = "The blue kite flew over the old mill all Saturday afternoon.";
    let title = "Kite day at the mill";

    // The case system sends the sentence in a document; the draft starts from it.
    let mut family = demo_family();
    family["documents"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "D-999", "title": title, "kind": "letter", "date": "2026-11-01",
            "body": format!("# {title}\n\n{sentence}"),
        }));
    staff_bridge::import::import(&s.bridge_db, &family.to_string(), now())
        .await
        .unwrap();
    let document: i64 =
        sqlx::query_scalar("SELECT id FROM case_documents WHERE source_id = 'D-999'")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    let sarah = c.sarah.to_string();
    let made = c
        .priya
        .post(
            s,
            &case_path("/drafts"),
            &[
                ("source", &document.to_string()),
                ("kind", "letter"),
                ("title", ""),
                ("reader_age", ""),
                ("audience", &sarah),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let id = made
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let editor = c.priya.get(s, &case_path(&format!("/drafts/{id}"))).await;
    assert!(
        editor.body.contains(sentence),
        "the draft starts from the document"
    );
    decide_all(&c.priya, s, &id, &[]).await;
    assert_eq!(submit(&c.priya, s, &id).await.status, 303);
    assert_eq!(approve(&c.tom, s, &id).await.status, 303);
    sync(s).await;

    // Sarah reads it; her view comes back to the bridge.
    let publication = draft(s, &id).await.publication_id;
    let mut browser = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, page, _) = browser.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(sentence), "the reader gets the text back");
    assert!(page.contains(title));
    sync(s).await;

    // The ledger's hash is over the plain text she was shown.
    let shown = portal::publications::visible_to(
        &s.portal_db,
        &s.portal_sealer(),
        portal_id(s, c.sarah).await,
    )
    .await
    .unwrap();
    let entry = &publications_in_ledger(s, publication).await[0];
    assert_eq!(
        entry.data_json().unwrap()["content_sha256"],
        staff_bridge::publishing::rules::content_hash(&shown[0].body_markdown)
    );

    for url in [&s.portal_config.database_url, &s.bridge_config.database_url] {
        for (file, text) in files_of(url) {
            assert!(
                !text.contains(sentence),
                "{file} holds the sentence in the clear"
            );
            assert!(
                !text.contains("old mill"),
                "{file} holds part of it in the clear"
            );
            assert!(!text.contains(title), "{file} holds the title in the clear");
        }
    }
    for key in [&s.portal_config.key_file, &s.bridge_config.key_file] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "{} is readable by its owner alone",
            key.display()
        );
    }
    c.s.finish().await;
}
