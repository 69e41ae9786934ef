//! The information governance console end to end, on both backends: the
//! demo family's publications made through the real flow, read on the
//! portal, and then found, exported, checked, reported on and frozen from
//! the staff bridge's pages by an IG officer and a manager, with the pages
//! refused to a practitioner.

use crate::common;
use test_support::{backend_tests, Backend};
#[path = "governance/erasure.rs"]
mod erasure;
#[path = "governance/erasure_person.rs"]
mod erasure_person;
#[path = "governance/retention.rs"]
mod retention;

use std::io::Read;

use common::family::{
    activate, in_two_weeks, invite_again, passkey_sign_in, register_passkey, send, Browser,
    PhonePasskey,
};
use common::staff::{member, Desk, Member};
use common::{demo_family, import, sync, Services};
use content::db::now;
use content::sync::{FamilyRole, PersonPush};
use serde_json::Value;
use staff_bridge::staff::Role;

const ELLIE: (&str, &str, &str) = ("12", "04", "2016");
const SARAH: (&str, &str, &str) = ("21", "11", "1989");

struct Console {
    s: Services,
    ig: Member,
    manager: Member,
    practitioner: Member,
}

/// Both services with the demo case imported and its publications made
/// through the flow, and three signed-in staff members.
async fn start(backend: content::db::Backend) -> Console {
    let s = Services::start(backend).await;
    import(&s, &demo_family()).await;
    staff_bridge::publishing::demo::seed(&s.bridge_db, now())
        .await
        .unwrap();
    sync(&s).await;
    let ig = member(
        &s,
        "grace.lee@council.example",
        "Grace Lee",
        &[Role::IgOfficer],
    )
    .await;
    let manager = member(
        &s,
        "maya.singh@council.example",
        "Maya Singh",
        &[Role::Manager],
    )
    .await;
    let practitioner = member(
        &s,
        "sam.ward@council.example",
        "Sam Ward",
        &[Role::Practitioner],
    )
    .await;
    Console {
        s,
        ig,
        manager,
        practitioner,
    }
}

async fn portal_id(s: &Services, name: &str) -> String {
    sqlx::query_scalar("SELECT portal_id FROM case_people WHERE name = $1")
        .bind(name)
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap()
}

/// The family member signed in on the portal through a fresh invitation.
async fn reader(s: &Services, name: &str, dob: (&str, &str, &str)) -> Browser {
    let person = portal_id(s, name).await.parse().unwrap();
    let first = name.split(' ').next().unwrap();
    let push = PersonPush {
        display_name: name.into(),
        first_name: first.into(),
        role: FamilyRole::Parent,
        date_of_birth: Some(format!("{}-{}-{}", dob.2, dob.1, dob.0)),
    };
    send(s, &format!("/internal/v1/people/{person}"), &push).await;
    let (_, code) = invite_again(s, person, in_two_weeks()).await;
    let mut browser = Browser::default();
    let (status, _, _) = activate(s, &mut browser, &code, first, dob).await;
    assert_eq!(status, 303, "{name} activates");
    browser
}

/// The publication id of a demo item, by its title.
async fn publication_of(s: &Services, title: &str) -> String {
    let case_id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE reference = 'DEMO-0001'")
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    staff_bridge::publishing::of_case(&s.bridge_db, case_id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.title == title)
        .unwrap()
        .publication_id
        .to_string()
}

fn desk(m: &mut Member) -> &mut Desk {
    &mut m.desk
}

/// Entry numbers linked from a results page, in order.
fn entries_on(page: &str) -> Vec<i64> {
    page.split("href=\"/governance/entries/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

backend_tests!(an_ig_officer_finds_the_demo_plan_with_its_approver_decisions_and_first_read);
async fn an_ig_officer_finds_the_demo_plan_with_its_approver_decisions_and_first_read(
    backend: Backend,
) {
    let mut c = start(backend).await;
    let s = &c.s;
    let plan = publication_of(s, "Your plan, Ellie").await;
    let mut ellie = reader(s, "Ellie Carter", ELLIE).await;
    let (status, _, _) = ellie.get(s, &format!("/items/{plan}")).await;
    assert_eq!(status, 200);
    sync(s).await;

    let ellie_id = portal_id(s, "Ellie Carter").await;
    let page = desk(&mut c.ig)
        .get(
            s,
            &format!("/governance?person={ellie_id}&kind=publication"),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let found = entries_on(&page.body);
    // Her plan, her worker's card and her own meeting invitation: nothing
    // sent to anyone else.
    assert_eq!(found.len(), 3, "{}", page.body);
    let by_case = desk(&mut c.ig)
        .get(s, "/governance?case=DEMO-0001&kind=publication")
        .await;
    assert_eq!(entries_on(&by_case.body).len(), 6);
    let (seq, _, _): (i64, String, String) = sqlx::query_as(
        "SELECT seq, kind, data FROM ledger WHERE subject = $1 AND kind = 'publication'",
    )
    .bind(&plan)
    .fetch_one(&s.bridge_db.pool)
    .await
    .unwrap();
    assert!(found.contains(&seq));

    let entry = desk(&mut c.ig)
        .get(s, &format!("/governance/entries/{seq}"))
        .await;
    assert_eq!(entry.status, 200);
    let body = &entry.body;
    assert!(body.contains("Your plan, Ellie"), "the title");
    assert!(body.contains("Tom Okafor (staff)"), "the approver");
    assert!(body.contains("Priya Shah (staff)"), "the author");
    assert!(
        body.contains("Ellie’s mum is part of her plan"),
        "a decision's reason"
    );
    let reads = &body[body.find("Audience and first opened").unwrap()..];
    assert!(
        reads.contains("Ellie Carter")
            && !reads[..reads.find("</table>").unwrap()].contains("Not opened"),
        "her first read"
    );

    // A bad date is a clear message, not an empty result.
    let bad = desk(&mut c.ig).get(s, "/governance?from=yesterday").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Enter a date like"));
    let unknown = desk(&mut c.ig).get(s, "/governance?case=NOPE").await;
    assert_eq!(unknown.status, 400);

    // Who saw it, and the checked ledger.
    let who = desk(&mut c.ig)
        .get(s, &format!("/governance/publications/{plan}"))
        .await;
    assert_eq!(who.status, 200);
    assert!(who.body.contains("Version 1") && who.body.contains("Ellie Carter"));
    let csrf = desk(&mut c.ig).csrf(s, "/governance/check").await;
    let checked = desk(&mut c.ig)
        .post(s, "/governance/check", &[("csrf", &csrf), ("anchor", "")])
        .await;
    assert_eq!(checked.status, 200);
    assert!(
        checked.body.contains("The ledger is whole"),
        "{}",
        checked.body
    );
    common::last_ledger(&s.bridge_db, "ledger_checked").await;

    // Opening the case is recorded, and the IG officer sees who did.
    let case_id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE reference = 'DEMO-0001'")
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    assert_eq!(
        desk(&mut c.manager).get(s, "/cases/DEMO-0001").await.status,
        200
    );
    let access = desk(&mut c.ig)
        .get(s, &format!("/governance/cases/{case_id}/access"))
        .await;
    assert!(access.body.contains("Maya Singh"), "{}", access.body);
    c.s.finish().await;
}

backend_tests!(a_practitioner_is_refused_the_console_and_a_manager_gets_reports_only);
async fn a_practitioner_is_refused_the_console_and_a_manager_gets_reports_only(backend: Backend) {
    let mut c = start(backend).await;
    let s = &c.s;
    let ellie = portal_id(s, "Ellie Carter").await;
    for path in [
        "/governance".to_string(),
        "/governance/check".into(),
        format!("/governance/people/{ellie}"),
        format!("/governance/people/{ellie}/export"),
        format!("/governance/people/{ellie}/freeze"),
        "/reports".into(),
        "/reports/download.csv".into(),
    ] {
        let page = desk(&mut c.practitioner).get(s, &path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.body.contains("You cannot use this page"), "{path}");
    }
    for path in [
        "/governance".to_string(),
        format!("/governance/people/{ellie}/export"),
    ] {
        assert_eq!(
            desk(&mut c.manager).get(s, &path).await.status,
            403,
            "{path}"
        );
    }
    assert_eq!(desk(&mut c.manager).get(s, "/reports").await.status, 200);
    assert_eq!(
        desk(&mut c.manager)
            .get(s, &format!("/governance/people/{ellie}/freeze"))
            .await
            .status,
        200
    );
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'subject_access_export'"
        )
        .await,
        0,
        "a refused export leaves no trace of an export"
    );
    c.s.finish().await;
}

backend_tests!(a_subject_access_export_holds_every_item_and_its_manifest_matches_the_ledger);
async fn a_subject_access_export_holds_every_item_and_its_manifest_matches_the_ledger(
    backend: Backend,
) {
    let c = start(backend).await;
    let s = &c.s;
    let ellie = portal_id(s, "Ellie Carter").await;
    let response =
        c.ig.desk
            .with_cookie(
                s.http
                    .get(format!("{}/governance/people/{ellie}/export", s.bridge_url)),
            )
            .send()
            .await
            .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let report = read("report.html");
    let manifest: Value = serde_json::from_str(&read("manifest.json")).unwrap();

    // Every publication whose audience holds her, and nothing else.
    let all: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT seq, hash, data FROM ledger WHERE kind = 'publication' ORDER BY seq",
    )
    .fetch_all(&s.bridge_db.pool)
    .await
    .unwrap();
    let hers: Vec<&(i64, String, String)> =
        all.iter().filter(|(_, _, d)| d.contains(&ellie)).collect();
    let listed = manifest["disclosures"].as_array().unwrap();
    assert_eq!(listed.len(), hers.len());
    assert_eq!(listed.len(), 3);
    for (item, (seq, hash, data)) in listed.iter().zip(&hers) {
        assert_eq!(item["ledger_seq"], *seq);
        assert_eq!(
            item["ledger_hash"],
            hash.as_str(),
            "the manifest's hash is the ledger's"
        );
        let data: Value = serde_json::from_str(data).unwrap();
        assert_eq!(item["content_sha256"], data["content_sha256"]);
        assert_eq!(item["text_matches_ledger"], true);
    }
    assert!(report.contains("Your plan, Ellie") && report.contains("My worker: Priya Shah"));
    assert!(
        report.contains("It is not your fault"),
        "the text as she was shown it"
    );
    assert!(
        !report.contains("Willow Crescent"),
        "nothing that was not sent to her"
    );
    let (actor, subject, data) = common::last_ledger(&s.bridge_db, "subject_access_export").await;
    assert_eq!(
        (actor.as_deref(), subject.as_deref()),
        (Some(c.ig.id.as_str()), Some(ellie.as_str()))
    );
    assert_eq!(data["disclosures"], 3);
    c.s.finish().await;
}

backend_tests!(freezing_ends_a_signed_in_session_within_one_sync_and_unfreezing_restores_sign_in);
async fn freezing_ends_a_signed_in_session_within_one_sync_and_unfreezing_restores_sign_in(
    backend: Backend,
) {
    let mut c = start(backend).await;
    let s = &c.s;
    let sarah = portal_id(s, "Sarah Carter").await;
    let mut phone = PhonePasskey::new();
    let mut browser = reader(s, "Sarah Carter", SARAH).await;
    assert_eq!(
        register_passkey(s, &mut browser, &mut phone, "My phone").await,
        200
    );
    assert_eq!(browser.get(s, "/home").await.0, 200);

    let path = format!("/governance/people/{sarah}/freeze");
    let csrf = desk(&mut c.manager).csrf(s, &path).await;
    // No reason: a clear message, and nothing changes.
    let refused = desk(&mut c.manager)
        .post(s, &path, &[("csrf", &csrf), ("reason", " ")])
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Give a reason"));
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'family_access_frozen'"
        )
        .await,
        0
    );
    let frozen = desk(&mut c.manager)
        .post(
            s,
            &path,
            &[("csrf", &csrf), ("reason", "Investigation under way")],
        )
        .await;
    assert_eq!(frozen.status, 303, "{}", frozen.body);
    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let (status, _, location) = browser.get(s, "/home").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/sign-in")),
        "her session ended"
    );
    let mut again = Browser::default();
    let (status, answer) = passkey_sign_in(s, &mut again, &mut phone).await;
    assert_eq!(
        (status, answer["redirect"].as_str()),
        (200, Some("/paused"))
    );
    assert!(again.session.is_none(), "no session while paused");
    let (_, paused, _) = again.get(s, "/paused").await;
    assert!(paused.contains("Your account is paused") && paused.contains("contact your worker"));
    assert!(
        !paused.contains("Investigation"),
        "the reason is not shown to her"
    );
    let (actor, subject, data) = common::last_ledger(&s.bridge_db, "family_access_frozen").await;
    assert_eq!(
        (actor.as_deref(), subject.as_deref()),
        (Some(c.manager.id.as_str()), Some(sarah.as_str()))
    );
    assert_eq!(data["reason"], "Investigation under way");

    let restored = desk(&mut c.manager)
        .post(
            s,
            &path,
            &[("csrf", &csrf), ("reason", "Investigation closed")],
        )
        .await;
    assert_eq!(restored.status, 303);
    sync(s).await;
    let mut back = Browser::default();
    let (status, answer) = passkey_sign_in(s, &mut back, &mut phone).await;
    assert_eq!((status, answer["redirect"].as_str()), (200, Some("/home")));
    assert_eq!(back.get(s, "/home").await.0, 200, "signed in as before");
    common::last_ledger(&s.bridge_db, "family_access_unfrozen").await;
    c.s.finish().await;
}

/// The report's table as (measure, value) pairs.
fn table_rows(page: &str) -> Vec<(String, String)> {
    let table = &page[page.find("id=\"figures\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    table
        .split("<th scope=\"row\">")
        .skip(1)
        .map(|row| {
            let measure = row[..row.find("</th>").unwrap()].to_string();
            let rest = &row[row.find("<td>").unwrap() + 4..];
            (measure, rest[..rest.find("</td>").unwrap()].to_string())
        })
        .collect()
}

backend_tests!(a_reports_csv_matches_its_table_and_the_api_gives_the_same);
async fn a_reports_csv_matches_its_table_and_the_api_gives_the_same(backend: Backend) {
    let mut c = start(backend).await;
    let s = &c.s;
    let page = desk(&mut c.manager)
        .get(s, "/reports?team=&from=&to=")
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"), "a chart drawn on the server");
    let rows = table_rows(&page.body);
    assert!(
        rows.iter()
            .any(|(m, v)| m == "Publications: Plan" && v == "3"),
        "{rows:?}"
    );
    let csv = desk(&mut c.manager)
        .get(s, "/reports/download.csv?team=&from=&to=")
        .await;
    assert_eq!(csv.status, 200);
    let lines: Vec<(String, String)> = csv
        .body
        .lines()
        .skip(1)
        .map(|line| {
            let (measure, rest) = line[1..].split_once("\",").unwrap();
            (
                measure.replace("\"\"", "\""),
                rest.split(',').next().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(lines, rows, "the CSV holds exactly the table's numbers");

    let api = s
        .http
        .get(format!("{}/api/v1/reports/summary", s.bridge_url))
        .bearer_auth(common::IMPORT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 200);
    let json: Value = api.json().await.unwrap();
    let figures: Vec<(String, String)> = json["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["measure"].as_str().unwrap().to_string(),
                f["value"].to_string(),
            )
        })
        .collect();
    assert_eq!(figures, rows);
    let anonymous = s
        .http
        .get(format!("{}/api/v1/reports/summary", s.bridge_url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    c.s.finish().await;
}

backend_tests!(an_ig_officers_search_and_a_managers_report_are_recorded_as_console_use);
async fn an_ig_officers_search_and_a_managers_report_are_recorded_as_console_use(backend: Backend) {
    let mut c = start(backend).await;
    let s = &c.s;
    let search = desk(&mut c.ig)
        .get(
            s,
            "/governance?case=DEMO-0001&kind=publication&from=2026-01-01",
        )
        .await;
    assert_eq!(search.status, 200);
    let report = desk(&mut c.manager)
        .get(s, "/reports?team=&from=2026-11-01&to=")
        .await;
    assert_eq!(report.status, 200);
    let refused = desk(&mut c.practitioner).get(s, "/governance/use").await;
    assert_eq!(refused.status, 403);

    let uses = staff_bridge::governance::console_use::recent(&s.bridge_db, None, 50)
        .await
        .unwrap();
    let search_use = uses
        .iter()
        .find(|u| u.page == "search" && u.staff_id == c.ig.id)
        .expect("the search is recorded");
    let asked: Value = serde_json::from_str(&search_use.asked).unwrap();
    assert_eq!(
        asked,
        serde_json::json!({ "case": "DEMO-0001", "kind": "publication", "from": "2026-01-01" })
    );
    assert!(uses.iter().any(|u| u.page == "report"
        && u.staff_id == c.manager.id
        && u.asked.contains("2026-11-01")));

    // Who looked at the ledger, as the IG officer sees it.
    let mine = format!("/governance/use?staff={}", c.ig.id);
    let page = desk(&mut c.ig).get(s, &mine).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Grace Lee") && page.body.contains("Searched the disclosures"));
    assert!(page.body.contains("DEMO-0001"), "what was asked");
    assert!(
        !page.body.contains("Maya Singh"),
        "only the chosen staff member's uses"
    );
    let everyone = desk(&mut c.ig).get(s, "/governance/use").await;
    assert!(everyone.body.contains("Maya Singh") && everyone.body.contains("Ran a report"));
    c.s.finish().await;
}

/// A family member's message, sent from the portal's Messages page.
async fn family_sends(s: &Services, who: &mut Browser, text: &str) {
    let csrf = who.csrf(s, "/messages").await;
    let (status, body, _) = who
        .post_multipart(s, "/messages", &[("csrf", &csrf), ("message", text)], &[])
        .await;
    assert_eq!(status, 303, "{body}");
}

/// Priya's reply through messaging's own functions (the check, then send),
/// sent at `at`.
async fn worker_replies(s: &Services, portal_id: &str, text: &str, at: i64) {
    use staff_bridge::messages::send;
    let priya = staff_bridge::staff::find_by_email(&s.bridge_db, "priya.shah@council.example")
        .await
        .unwrap()
        .unwrap();
    let reader = send::reader_by_portal_id(&s.bridge_db, portal_id)
        .await
        .unwrap()
        .unwrap();
    let checked = send::check(&s.bridge_db, &reader, text, None)
        .await
        .unwrap();
    assert_eq!(checked.open(), 0, "a reply with nothing to decide");
    let out = send::Outgoing {
        reader: &reader,
        author_id: &priya.id,
        author_name: "Priya Shah",
        checked: &checked,
        needs_approval: false,
        files: &[],
    };
    assert!(send::send(&s.bridge_db, &out, at).await.is_ok());
}

backend_tests!(a_report_counts_messages_from_families_and_the_time_to_the_first_reply);
/// Sarah and Ellie write from the portal; Priya answers Sarah three hours
/// after her message arrived (messaging takes the time as a parameter).
async fn a_report_counts_messages_from_families_and_the_time_to_the_first_reply(backend: Backend) {
    let mut c = start(backend).await;
    let s = &c.s;
    let sarah = portal_id(s, "Sarah Carter").await;
    let mut sarahs_phone = reader(s, "Sarah Carter", SARAH).await;
    let mut ellies_phone = reader(s, "Ellie Carter", ELLIE).await;
    family_sends(s, &mut sarahs_phone, "Can we move the visit to Thursday?").await;
    family_sends(
        s,
        &mut ellies_phone,
        "Can I bring my drawing to the meeting?",
    )
    .await;
    sync(s).await;
    let received: i64 = sqlx::query_scalar(
        "SELECT received_at FROM messages WHERE person_portal_id = $1 AND from_family = 1",
    )
    .bind(&sarah)
    .fetch_one(&s.bridge_db.pool)
    .await
    .unwrap();
    worker_replies(s, &sarah, "Yes, Thursday is fine.", received + 3 * 3600).await;
    let page = desk(&mut c.manager).get(s, "/reports").await;
    let rows = table_rows(&page.body);
    let value = |measure: &str| {
        rows.iter()
            .find(|(m, _)| m == measure)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{measure} is not in {rows:?}"))
    };
    assert_eq!(value("Messages received from families"), "2");
    assert_eq!(value("Messages a worker replied to"), "1");
    assert_eq!(value("Median time to the first worker reply"), "3");
    // Another team's report does not count them.
    let other = desk(&mut c.manager)
        .get(s, "/reports?team=Another%20Team&from=&to=")
        .await;
    let rows = table_rows(&other.body);
    assert!(rows
        .iter()
        .any(|(m, v)| m == "Messages received from families" && v == "0"));
    c.s.finish().await;
}
