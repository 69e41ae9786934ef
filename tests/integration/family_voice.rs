//! Family voice end to end, on both backends: a child's views with the faces
//! scale reach her worker, who records what was done and replies ("you said,
//! we did") through the publishing flow, and the child sees the reply beside
//! her views; a plan response changed and sent again; a correction request
//! with its decision sent back; feedback; the urgent "I don't feel safe"
//! route reaching the duty worker within one sync; who may read what; bad
//! input; the export for the case system; and the text absent from both
//! database files.

use crate::common;
use test_support::{backend_tests, Backend};

use common::family::{portal_id, send, signed_in, Browser};
use common::staff::{attribute_after, member, Member};
use common::{demo_family, import, last_ledger, sync, Services, IMPORT_TOKEN};
use content::db::now;
use content::sync::{FamilyRole, PublicationPush};
use staff_bridge::staff::Role;
use uuid::Uuid;

const CASE: &str = "DEMO-0001";

struct World {
    s: Services,
    priya: Member,
    tom: Member,
}

async fn start(backend: content::db::Backend) -> World {
    let s = Services::start(backend).await;
    import(&s, &demo_family()).await;
    // Enrolled first: the demo's publishing finds them by their address.
    let priya = member(
        &s,
        "priya.shah@council.example",
        "Priya Shah",
        &[Role::Practitioner],
    )
    .await;
    let tom = member(
        &s,
        "tom.okafor@council.example",
        "Tom Okafor",
        &[Role::Manager, Role::Duty],
    )
    .await;
    staff_bridge::publishing::demo::seed(&s.bridge_db, now())
        .await
        .unwrap();
    sync(&s).await;
    World { s, priya, tom }
}

async fn ellie(s: &Services) -> Browser {
    signed_in(s, "P-101", "Ellie", FamilyRole::Child, ("12", "04", "2016")).await
}
async fn sarah(s: &Services) -> Browser {
    signed_in(
        s,
        "P-103",
        "Sarah",
        FamilyRole::Parent,
        ("21", "11", "1989"),
    )
    .await
}
async fn daniel(s: &Services) -> Browser {
    signed_in(
        s,
        "P-104",
        "Daniel",
        FamilyRole::Parent,
        ("08", "02", "1987"),
    )
    .await
}

/// The id of the item with this title on the reader's home page.
fn item_on(home: &str, title: &str) -> String {
    let at = home
        .find(&format!(">{title}</a>"))
        .unwrap_or_else(|| panic!("{title} is not on the page"));
    let before = &home[..at];
    let href = before.rfind("/items/").unwrap();
    before[href + "/items/".len()..]
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// Writes and sends a contribution as a person does: the form, then
/// "check your answers", then Send. Returns the contribution's id.
async fn write_and_send(
    s: &Services,
    who: &mut Browser,
    form_path: &str,
    answers: &[(&str, &str)],
) -> String {
    let csrf = who.csrf(s, form_path).await;
    let mut form = vec![("csrf", csrf.as_str()), ("intent", "continue")];
    form.extend_from_slice(answers);
    let (status, body, location) = who.post(s, form_path, &form).await;
    assert_eq!(status, 303, "{body}");
    let check = location.unwrap();
    let (status, page, _) = who.get(s, &check).await;
    assert_eq!(status, 200);
    assert!(page.contains("Check your answers before sending"), "{page}");
    let (status, _, location) = who
        .post(s, &format!("{check}/send"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(format!("{check}?sent=1").as_str()))
    );
    check.trim_start_matches("/contributions/").to_string()
}

fn contribution_path(id: &str) -> String {
    format!("/cases/{CASE}/contributions/{id}")
}

async fn staff_post(
    m: &mut Member,
    s: &Services,
    path: &str,
    form: &[(&str, &str)],
) -> common::staff::Page {
    let csrf = m.desk.csrf(s, "/sign-out").await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(form);
    m.desk.post(s, path, &all).await
}

backend_tests!(a_childs_views_reach_her_worker_and_the_reply_comes_back_beside_them);
async fn a_childs_views_reach_her_worker_and_the_reply_comes_back_beside_them(backend: Backend) {
    let mut w = start(backend).await;
    let s = &w.s;
    let mut ellie = ellie(s).await;
    let (_, home, _) = ellie.get(s, "/home").await;
    assert!(
        home.contains("Tell us what you think before the meeting"),
        "from her own home page"
    );
    let meeting = item_on(&home, "Your review meeting, Ellie");
    let views = format!("/items/{meeting}/views");
    let (status, form, _) = ellie.get(s, &views).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("My house of worries") && form.contains("My house of dreams"),
        "the Three Houses for an 8-year-old"
    );
    assert_eq!(
        form.matches("class=\"face\"").count(),
        15,
        "five faces for each house"
    );
    assert!(
        form.contains("<label for=\"worries-feeling\">") && form.contains("Very sad"),
        "each face has words"
    );

    let id = write_and_send(
        s,
        &mut ellie,
        &views,
        &[
            ("worries", "The shouting at bedtime."),
            ("worries-feeling", "2"),
            ("dreams", "A puppy called Biscuit."),
            ("audience", "worker"),
        ],
    )
    .await;
    sync(s).await;

    // The ledger has who, what and the hash; never the words.
    let (actor, _, data) = last_ledger(&s.bridge_db, "family_contribution").await;
    assert_eq!(actor, Some(portal_id(s, "P-101").await.to_string()));
    assert_eq!(data["contribution_kind"], "views");
    assert_eq!(data["text_sha256"].as_str().unwrap().len(), 64);
    assert!(!data.to_string().contains("Biscuit"));
    let events: Vec<String> = sqlx::query_scalar("SELECT data FROM family_events")
        .fetch_all(&s.bridge_db.pool)
        .await
        .unwrap();
    assert!(
        events.iter().all(|e| !e.contains("Biscuit")),
        "the event log holds no words"
    );

    // Priya sees it on the case page and reads it.
    let case = w.priya.desk.get(s, &format!("/cases/{CASE}")).await;
    assert!(
        case.body.contains("What the family told us")
            && case.body.contains("Views before a meeting")
    );
    let page = w.priya.desk.get(s, &contribution_path(&id)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("A puppy called Biscuit.") && page.body.contains("Sad (2 of 5)"));

    // What was done, then "you said, we did" through the normal flow.
    let done = staff_post(
        &mut w.priya,
        s,
        &format!("{}/outcome", contribution_path(&id)),
        &[("outcome", "Talked about bedtimes at the meeting")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let reply = staff_post(
        &mut w.priya,
        s,
        &format!("{}/reply", contribution_path(&id)),
        &[],
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let editor = reply.location.unwrap();
    let draft = editor.rsplit('/').next().unwrap().to_string();
    let body = "## You said\n\nBedtime is noisy.\n\n## We did\n\nYour mum and Priya made a quiet bedtime plan.";
    let opened = w.priya.desk.get(s, &editor).await;
    let revision = attribute_after(&opened.body, "name=\"revision\" value=\"").unwrap();
    let saved = staff_post(
        &mut w.priya,
        s,
        &editor,
        &[
            ("revision", &revision),
            ("kind", "letter"),
            ("title", "You said, we did"),
            ("reader_age", "10"),
            ("audience", &person_id(s, "P-101").await.to_string()),
            ("body", body),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    decide_all(&mut w.priya, s, &draft).await;
    let sent = staff_post(
        &mut w.priya,
        s,
        &format!("/cases/{CASE}/drafts/{draft}/submit"),
        &[],
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let approval = w.tom.desk.get(s, &format!("/approvals/{draft}")).await;
    let read = attribute_after(&approval.body, "name=\"read\" value=\"").unwrap_or_default();
    let approved = staff_post(
        &mut w.tom,
        s,
        &format!("/approvals/{draft}/approve"),
        &[("when", "now"), ("publish_at", ""), ("read", &read)],
    )
    .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    sync(s).await;
    let (_, _, publication) = last_ledger(&s.bridge_db, "publication").await;
    assert_eq!(
        publication["in_reply_to"],
        id.as_str(),
        "the ledger links the reply to what she said"
    );

    let (status, mine, _) = ellie.get(s, &format!("/contributions/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        mine.contains("You said, we did") && mine.contains("A puppy called Biscuit."),
        "the reply beside her views"
    );
    let reply_item = item_on(&mine, "You said, we did");
    assert!(!reply_item.contains('/'), "{mine}");
    let (_, item, _) = ellie.get(s, &format!("/items/{reply_item}")).await;
    assert!(
        item.contains("quiet bedtime plan") && item.contains(&format!("/contributions/{id}")),
        "{item}"
    );
    w.s.finish().await;
}

async fn person_id(s: &Services, source_id: &str) -> i64 {
    common::case_person(s, source_id).await.0
}

async fn decide_all(m: &mut Member, s: &Services, draft: &str) {
    let d = staff_bridge::publishing::load(&s.bridge_db, draft)
        .await
        .unwrap()
        .unwrap();
    for item in staff_bridge::publishing::check(&s.bridge_db, &d)
        .await
        .unwrap()
        .items
    {
        if item.decision.is_none() {
            let r = staff_post(
                m,
                s,
                &format!("/cases/{CASE}/drafts/{draft}/decide"),
                &[("key", &item.key), ("decision", "redact")],
            )
            .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
    }
}

backend_tests!(views_for_the_worker_only_are_for_the_worker_only);
async fn views_for_the_worker_only_are_for_the_worker_only(backend: Backend) {
    let w = start(backend).await;
    let s = &w.s;
    let mut ellie = ellie(s).await;
    let mut sarah = sarah(s).await;
    let mut daniel = daniel(s).await;
    // One meeting invitation to Ellie and her mum together.
    let meeting = Uuid::new_v4();
    let push = PublicationPush {
        version: 1,
        kind: "meeting_invitation".into(),
        title: "Family meeting".into(),
        body_markdown: "We will meet at the family centre.".into(),
        audience: vec![portal_id(s, "P-101").await, portal_id(s, "P-103").await],
        published_at: now(),
        meeting_at: Some(now() + 7 * 24 * 3600),
        in_reply_to: None,
    };
    send(s, &format!("/internal/v1/publications/{meeting}"), &push).await;
    let views = format!("/items/{meeting}/views");
    let private = write_and_send(
        s,
        &mut ellie,
        &views,
        &[
            ("worries", "Only Priya may read this line."),
            ("audience", "worker"),
        ],
    )
    .await;
    let (_, page, _) = sarah.get(s, &format!("/items/{meeting}")).await;
    assert!(
        !page.contains("Only Priya may read"),
        "her mum does not see worker-only views"
    );
    for who in [&mut sarah, &mut daniel] {
        let (status, body, _) = who.get(s, &format!("/contributions/{private}")).await;
        assert_eq!(status, 404, "a guessed id shows nothing");
        assert!(!body.contains("Only Priya"));
    }
    // Changed to everyone at the meeting: now her mum sees it there.
    write_and_send(
        s,
        &mut ellie,
        &views,
        &[
            ("worries", "Everyone can read this line."),
            ("audience", "meeting"),
        ],
    )
    .await;
    let (_, page, _) = sarah.get(s, &format!("/items/{meeting}")).await;
    assert!(
        page.contains("Everyone can read this line.") && page.contains("What others have said")
    );
    let (status, _, _) = daniel.get(s, &format!("/items/{meeting}")).await;
    assert_eq!(
        status, 404,
        "another reader of the family sees nothing of a meeting not his"
    );
    w.s.finish().await;
}

backend_tests!(a_plan_response_can_be_changed_until_the_plan_is_replaced);
async fn a_plan_response_can_be_changed_until_the_plan_is_replaced(backend: Backend) {
    let w = start(backend).await;
    let s = &w.s;
    let mut sarah = sarah(s).await;
    let (_, home, _) = sarah.get(s, "/home").await;
    let plan = item_on(&home, "Ellie and Noah’s child protection plan");
    let respond = format!("/items/{plan}/respond");
    let (_, form, _) = sarah.get(s, &respond).await;
    assert!(
        form.contains("I agree") && form.contains("I don&#39;t agree")
            || form.contains("I don't agree")
    );
    let id = write_and_send(s, &mut sarah, &respond, &[("section-0", "agree")]).await;
    let again = write_and_send(
        s,
        &mut sarah,
        &respond,
        &[
            ("section-0", "disagree"),
            ("section-0-words", "Not on Tuesdays."),
        ],
    )
    .await;
    assert_eq!(id, again, "one response per plan version, changed");
    sync(s).await;
    let revisions = common::count(
        &s.bridge_db,
        &format!("SELECT COUNT(*) FROM contributions WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(revisions, 2, "both sendings arrived, each once");
    let export =
        w.s.http
            .get(format!(
                "{}/api/v1/cases/{CASE}/contributions",
                s.bridge_url
            ))
            .bearer_auth(IMPORT_TOKEN)
            .send()
            .await
            .unwrap();
    assert_eq!(export.status(), 200);
    let json: serde_json::Value = export.json().await.unwrap();
    assert_eq!(json["format"], "familystory.contributions.v1");
    let item = json["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap();
    assert_eq!(item["revision"], 2);
    assert_eq!(item["person_source_id"], "P-103");
    assert!(
        item["answers"].to_string().contains("Not on Tuesdays.")
            && item["answers"].to_string().contains("I don't agree")
    );
    let refused =
        w.s.http
            .get(format!(
                "{}/api/v1/cases/{CASE}/contributions",
                s.bridge_url
            ))
            .send()
            .await
            .unwrap();
    assert_eq!(refused.status(), 401, "the export needs the machine token");
    let missing =
        w.s.http
            .get(format!(
                "{}/api/v1/cases/NO-SUCH/contributions",
                s.bridge_url
            ))
            .bearer_auth(IMPORT_TOKEN)
            .send()
            .await
            .unwrap();
    assert_eq!(missing.status(), 404);
    let why: serde_json::Value = missing.json().await.unwrap();
    assert!(why["error"].as_str().unwrap().contains("NO-SUCH"));

    // The plan is replaced: the old response can no longer be changed,
    // and the new version gets a response of its own.
    let replaced = PublicationPush {
        version: 2,
        kind: "plan".into(),
        title: "Ellie and Noah’s child protection plan".into(),
        body_markdown: "## What will happen now\n\nA new plan.".into(),
        audience: vec![portal_id(s, "P-103").await],
        published_at: now(),
        meeting_at: None,
        in_reply_to: None,
    };
    send(s, &format!("/internal/v1/publications/{plan}"), &replaced).await;
    let (_, old, _) = sarah.get(s, &format!("/contributions/{id}")).await;
    assert!(old.contains("can no longer be changed") && !old.contains("Change your answers"));
    assert!(
        old.contains("I don't agree") || old.contains("I don&#39;t agree"),
        "words, not codes"
    );
    let (_, form, _) = sarah.get(s, &respond).await;
    assert!(
        form.contains("What will happen now") && !form.contains("Not on Tuesdays"),
        "a new, empty response"
    );
    w.s.finish().await;
}

backend_tests!(a_correction_request_gets_its_decision_back_and_complaints_say_what_next);
async fn a_correction_request_gets_its_decision_back_and_complaints_say_what_next(
    backend: Backend,
) {
    let mut w = start(backend).await;
    let s = &w.s;
    let mut daniel = daniel(s).await;
    let (_, home, _) = daniel.get(s, "/home").await;
    let plan = item_on(&home, "Ellie and Noah’s child protection plan (for Daniel)");
    let id = write_and_send(
        s,
        &mut daniel,
        &format!("/items/{plan}/correction"),
        &[
            ("wrong", "I see them every weekend."),
            ("should-say", "Every weekend."),
        ],
    )
    .await;
    let (_, mine, _) = daniel.get(s, &format!("/contributions/{id}")).await;
    assert!(mine.contains("Received"));
    sync(s).await;
    let page = w.priya.desk.get(s, &contribution_path(&id)).await;
    assert!(page.body.contains("Decision due") && page.body.contains("one month"));
    let duty = w.tom.desk.get(s, "/duty").await;
    assert!(
        duty.body
            .contains("Correction requests waiting for a decision")
            && duty.body.contains(&contribution_path(&id)),
        "the IG officers' and duty view lists it"
    );
    let mine_to_do = w.priya.desk.get(s, "/my-cases").await;
    assert!(mine_to_do.body.contains("1 from the family to act on"));
    let refused = staff_post(
        &mut w.priya,
        s,
        &format!("{}/decision", contribution_path(&id)),
        &[("status", "not_changed"), ("reason", "")],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Write why it was not changed"));
    let decided = staff_post(
        &mut w.priya,
        s,
        &format!("{}/decision", contribution_path(&id)),
        &[
            ("status", "not_changed"),
            ("reason", "The court order says every other weekend."),
        ],
    )
    .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    sync(s).await;
    let (_, actor_data, data) = last_ledger(&s.bridge_db, "correction_decided").await;
    assert_eq!(actor_data.as_deref(), Some(id.as_str()));
    assert_eq!(data["status"], "not_changed");
    let (_, mine, _) = daniel.get(s, &format!("/contributions/{id}")).await;
    assert!(
        mine.contains("Not changed") && mine.contains("The court order says every other weekend."),
        "{mine}"
    );

    // The managers' report counts it, with its outcome.
    let period = staff_bridge::governance::reports::Period {
        team: None,
        from: 0,
        until: now() + 1,
    };
    let figures = staff_bridge::governance::reports::figures(&s.bridge_db, &period)
        .await
        .unwrap();
    let value = |measure: &str| {
        figures
            .iter()
            .find(|f| f.measure == measure)
            .map(|f| f.value)
    };
    assert_eq!(value("Correction requests"), Some(1));
    assert_eq!(value("Correction requests: not changed"), Some(1));
    assert_eq!(value("Contributions acted on"), Some(1));

    // Feedback: a complaint says what happens next.
    let complaint = write_and_send(
        s,
        &mut daniel,
        "/feedback",
        &[("about", "complaint"), ("words", "Nobody called me back.")],
    )
    .await;
    let (_, page, _) = daniel.get(s, &format!("/contributions/{complaint}")).await;
    assert!(page.contains("complaints team") && page.contains("Ombudsman"));
    w.s.finish().await;
}

backend_tests!(i_dont_feel_safe_reaches_the_duty_worker_within_one_sync);
async fn i_dont_feel_safe_reaches_the_duty_worker_within_one_sync(backend: Backend) {
    let mut w = start(backend).await;
    let s = &w.s;
    // Signed out: the numbers, and nothing to send.
    let (status, page, _) = Browser::default().get(s, "/safe").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("999") && page.contains("0800 1111") && !page.contains("name=\"message\"")
    );
    let mut ellie = ellie(s).await;
    let (_, home, _) = ellie.get(s, "/home").await;
    assert!(home.contains("href=\"/safe\""), "on every signed-in page");
    let csrf = ellie.csrf(s, "/safe").await;
    let (status, page, _) = ellie
        .post(
            s,
            "/safe",
            &[("csrf", &csrf), ("message", "I am scared tonight.")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("has gone to the duty team"));
    let before = w.tom.desk.get(s, "/my-cases").await;
    assert!(
        !before.body.contains("urgent-banner"),
        "nothing before the sync"
    );
    sync(s).await;
    let banner = w.tom.desk.get(s, "/cases").await;
    assert!(
        banner.body.contains("urgent-banner") && banner.body.contains("1 urgent"),
        "at the top of every duty page"
    );
    let duty = w.tom.desk.get(s, "/duty").await;
    assert!(duty.body.contains("I am scared tonight.") && duty.body.contains("Ellie Carter"));
    let priya_page = w.priya.desk.get(s, "/my-cases").await;
    assert!(
        !priya_page.body.contains("urgent-banner"),
        "not a duty worker"
    );
    let id: String = sqlx::query_scalar("SELECT id FROM contributions WHERE urgent = 1")
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    let done = staff_post(
        &mut w.tom,
        s,
        &format!("{}/outcome", contribution_path(&id)),
        &[("outcome", "Called Ellie's school; Priya visiting today.")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let after = w.tom.desk.get(s, "/cases").await;
    assert!(
        !after.body.contains("urgent-banner"),
        "gone once someone records what was done"
    );
    let outcome = w.tom.desk.get(s, &contribution_path(&id)).await;
    assert!(outcome.body.contains("Tom Okafor") && outcome.body.contains("Called Ellie"));
    w.s.finish().await;
}

backend_tests!(bad_input_says_what_is_wrong_keeps_the_text_and_changes_nothing);
async fn bad_input_says_what_is_wrong_keeps_the_text_and_changes_nothing(backend: Backend) {
    let w = start(backend).await;
    let s = &w.s;
    let mut ellie = ellie(s).await;
    let mut sarah = sarah(s).await;
    let (_, home, _) = sarah.get(s, "/home").await;
    let plan = item_on(&home, "Ellie and Noah’s child protection plan");
    let correction = format!("/items/{plan}/correction");
    let count = || common::count(&s.portal_db, "SELECT COUNT(*) FROM contributions");

    // Wrong CSRF: refused, nothing stored.
    let (status, _, _) = sarah
        .post(
            s,
            &correction,
            &[("csrf", "forged"), ("wrong", "x"), ("intent", "continue")],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(count().await, 0);
    // Another person's plan: not found, nothing stored.
    let csrf = ellie.csrf(s, "/account").await;
    let (status, _, _) = ellie
        .post(
            s,
            &format!("/items/{plan}/respond"),
            &[
                ("csrf", &csrf),
                ("section-0", "agree"),
                ("intent", "continue"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(count().await, 0);
    // Too long: a clear error, and what was typed is on the page again.
    let csrf = sarah.csrf(s, &correction).await;
    let long = format!("{}END-OF-TEXT", "a".repeat(5000));
    let (status, page, _) = sarah
        .post(
            s,
            &correction,
            &[("csrf", &csrf), ("wrong", &long), ("intent", "continue")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("up to 5000 characters") && page.contains("END-OF-TEXT"));
    // Empty: says which box.
    let (status, page, _) = sarah
        .post(
            s,
            &correction,
            &[("csrf", &csrf), ("wrong", "  "), ("intent", "continue")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("Write something in “What is wrong?”"));
    // Saved for later: nothing sent.
    let (status, page, _) = sarah
        .post(
            s,
            &correction,
            &[
                ("csrf", &csrf),
                ("wrong", "Half a thought"),
                ("intent", "save"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Nothing has been sent yet") && page.contains("Half a thought"));
    let (_, again, _) = sarah.get(s, &correction).await;
    assert!(
        again.contains("Half a thought"),
        "the draft is there when she comes back"
    );
    assert_eq!(
        common::count(
            &s.portal_db,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'contribution_sent'"
        )
        .await,
        0
    );
    w.s.finish().await;
}

#[tokio::test]
async fn what_a_family_writes_is_in_neither_database_file_nor_their_wal() {
    let w = start(content::db::Backend::Sqlite).await;
    let s = &w.s;
    let mut sarah = sarah(s).await;
    let sentence = "The purple tractor sang loudly beside the quiet canal.";
    write_and_send(
        s,
        &mut sarah,
        "/feedback",
        &[("about", "worry"), ("words", sentence)],
    )
    .await;
    sync(s).await;
    let arrived = staff_bridge::voice::export::case(&s.bridge_db, CASE)
        .await
        .unwrap()
        .unwrap();
    assert!(
        arrived.contributions[0]
            .answers
            .iter()
            .any(|a| a.answer == sentence),
        "it arrived"
    );
    for url in [&s.portal_config.database_url, &s.bridge_config.database_url] {
        let files = common::files_of(url);
        assert!(!files.is_empty());
        for (file, text) in files {
            assert!(
                !text.contains("purple tractor"),
                "{file} holds the words in the clear"
            );
        }
    }
    w.s.finish().await;
}
