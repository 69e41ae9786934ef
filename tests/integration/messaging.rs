//! Messaging end to end, on both backends: a child writes to her worker,
//! the worker reads it (the child sees "read by your worker"), replies with
//! the content check's findings decided, and the child reads the reply with
//! the redaction in place; the ledger records the reply by hash with its
//! decisions. A parent never sees the child's conversation; a worker who is
//! not on the case gets nothing; limits keep what was typed and store
//! nothing; the new-message email says nothing else; unread counts stay
//! right through reads, replies and hand-overs; approval when required; and
//! the text is in neither database file.

use crate::common;
use test_support::{backend_tests, Backend};

use common::family::{activate, Browser};
use common::smtp::Smtp;
use common::staff::{code_on, member, Member};
use common::{case_person, count, demo_family, import, last_ledger, sync, Services};
use staff_bridge::staff::Role;

const CASE: &str = "DEMO-0001";
const ELLIE_DOB: (&str, &str, &str) = ("12", "04", "2016");
const SARAH_DOB: (&str, &str, &str) = ("21", "11", "1989");

async fn start_with(backend: Backend, smtp: Option<&Smtp>, approval: bool) -> (Services, Member) {
    let s = Services::start_with(backend, |portal, bridge| {
        portal.mail = smtp.map(Smtp::settings);
        bridge.mail = smtp.map(Smtp::settings);
        if approval {
            bridge.approval_kinds.push("message".into());
        }
    })
    .await;
    import(&s, &demo_family()).await;
    let priya = member(
        &s,
        "priya.shah@council.example",
        "Priya Shah",
        &[Role::Practitioner],
    )
    .await;
    (s, priya)
}

/// A family member invited by Priya with a letter, signed in on the portal:
/// their `case_people` id and browser.
async fn uses_familystory(
    s: &Services,
    priya: &mut Member,
    source_id: &str,
    first: &str,
    dob: (&str, &str, &str),
) -> (i64, Browser) {
    let (id, _) = case_person(s, source_id).await;
    let csrf = priya.desk.csrf(s, &format!("/cases/{CASE}")).await;
    let page = priya
        .desk
        .post(
            s,
            &format!("/cases/{CASE}/people/{id}/invitations"),
            &[("csrf", &csrf), ("delivery", "letter")],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let code = code_on(&page.body);
    sync(s).await;
    let mut browser = Browser::default();
    let (status, _, _) = activate(s, &mut browser, &code, first, dob).await;
    assert_eq!(status, 303, "{first} signs in");
    (id, browser)
}

/// Sends a message from the portal's form, as a person does.
async fn family_sends(s: &Services, who: &mut Browser, text: &str) -> (u16, String) {
    let csrf = who.csrf(s, "/messages").await;
    let (status, body, location) = who
        .post_multipart(s, "/messages", &[("csrf", &csrf), ("message", text)], &[])
        .await;
    if status == 303 {
        assert_eq!(location.as_deref(), Some("/messages?sent=1"));
    }
    (status, body)
}

fn conversation(person: i64) -> String {
    format!("/cases/{CASE}/people/{person}/messages")
}

/// Every finding key the check-before-sending form asks about, in order.
fn finding_keys(page: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for part in page.split("name=\"decision-").skip(1) {
        let key = part.split('"').next().unwrap().to_string();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The worker writes in a conversation; returns the page.
async fn worker_sends(
    s: &Services,
    m: &mut Member,
    person: i64,
    form: &[(&str, &str)],
) -> common::staff::Page {
    let path = conversation(person);
    let csrf = m.desk.csrf(s, "/sign-out").await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(form);
    m.desk.post_multipart(s, &path, &all, &[]).await
}

const REPLY: &str = "Hello Ellie. Daniel will pick you up on Saturday, and Liam will be there too.";

backend_tests!(a_child_writes_her_worker_replies_with_the_check_decided_and_she_reads_it);
async fn a_child_writes_her_worker_replies_with_the_check_decided_and_she_reads_it(
    backend: Backend,
) {
    let (s, mut priya) = start_with(backend, None, false).await;
    let (ellie_id, mut ellie) = uses_familystory(&s, &mut priya, "P-101", "Ellie", ELLIE_DOB).await;

    let (_, home, _) = ellie.get(&s, "/home").await;
    assert!(
        home.contains("href=\"/messages\""),
        "Messages from her home page"
    );
    let (status, page, _) = ellie.get(&s, "/messages").await;
    assert_eq!(status, 200);
    assert!(page.contains("There are no messages yet"), "{page}");

    let (status, _) = family_sends(&s, &mut ellie, "Can I see Nana on Saturday?").await;
    assert_eq!(status, 303);
    let (_, page, _) = ellie.get(&s, "/messages").await;
    assert!(page.contains("Can I see Nana on Saturday?") && page.contains(">Sent<"));

    sync(&s).await;
    let inbox = priya.desk.get(&s, "/messages").await;
    assert!(
        inbox.body.contains("Messages (1 unread)"),
        "header count: {}",
        inbox.body
    );
    assert!(inbox.body.contains("Ellie Carter") && inbox.body.contains("1 unread"));
    let (_, _, entry) = last_ledger(&s.bridge_db, "family_message").await;
    assert_eq!(
        entry["text_sha256"],
        staff_bridge::messages::text_hash("Can I see Nana on Saturday?")
    );
    assert!(entry.get("body").is_none() && entry.get("sealed").is_none());

    // Opening it marks it read, here and for Ellie.
    let page = priya.desk.get(&s, &conversation(ellie_id)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Can I see Nana on Saturday?"));
    let inbox = priya.desk.get(&s, "/messages").await;
    assert!(!inbox.body.contains("unread)"), "{}", inbox.body);
    sync(&s).await;
    let (_, page, _) = ellie.get(&s, "/messages").await;
    assert!(page.contains("Read by your worker"), "{page}");

    // The reply names two other family members: the check stops it.
    let page = worker_sends(&s, &mut priya, ellie_id, &[("message", REPLY)]).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("Check before sending"));
    assert!(page.body.contains("2 still open"), "{}", page.body);
    assert!(page.body.contains(REPLY), "what was typed is kept");
    let keys = finding_keys(&page.body);
    assert_eq!(keys.len(), 2, "Daniel and Liam: {keys:?}");
    assert_eq!(
        count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM messages WHERE from_family = 0"
        )
        .await,
        0,
        "nothing sent while findings are open"
    );
    // Keep without a reason is no decision.
    let (d0, d1) = (
        format!("decision-{}", keys[0]),
        format!("decision-{}", keys[1]),
    );
    let r1 = format!("reason-{}", keys[1]);
    let page = worker_sends(
        &s,
        &mut priya,
        ellie_id,
        &[("message", REPLY), (&d0, "redact"), (&d1, "keep")],
    )
    .await;
    assert!(page.body.contains("1 still open"), "{}", page.body);
    let page = worker_sends(
        &s,
        &mut priya,
        ellie_id,
        &[
            ("message", REPLY),
            (&d0, "redact"),
            (&d1, "keep"),
            (&r1, "Ellie knows Liam is coming; agreed at the review"),
        ],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Your message was sent."));

    let sent = "Hello Ellie. [removed: this is about someone else] will pick you up on Saturday, and Liam will be there too.";
    let (actor, subject, entry) = last_ledger(&s.bridge_db, "message").await;
    assert_eq!(actor.as_deref(), Some(priya.id.as_str()));
    let (_, ellie_portal) = case_person(&s, "P-101").await;
    assert_eq!(subject.as_deref(), Some(ellie_portal.as_str()));
    assert_eq!(
        entry["text_sha256"],
        staff_bridge::messages::text_hash(sent)
    );
    let decisions = entry["redactions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["decision"], "redact");
    assert_eq!(decisions[1]["decision"], "keep");
    assert_eq!(
        decisions[1]["reason"],
        "Ellie knows Liam is coming; agreed at the review"
    );

    sync(&s).await;
    let (_, home, _) = ellie.get(&s, "/home").await;
    assert!(home.contains("Read your new messages (1)"), "{home}");
    let (_, page, _) = ellie.get(&s, "/messages").await;
    assert!(page.contains(sent), "{page}");
    assert!(
        !page.contains("Daniel"),
        "the redacted name never reaches her"
    );
    assert!(page.contains("Priya Shah"), "who wrote it");
    let newest_at = page.rfind("Priya Shah").unwrap();
    assert!(
        page.find("Can I see Nana").unwrap() < newest_at,
        "newest at the bottom"
    );
    sync(&s).await;
    let page = priya.desk.get(&s, &conversation(ellie_id)).await;
    assert!(page.body.contains("Seen by Ellie Carter"), "{}", page.body);
    let (_, home, _) = ellie.get(&s, "/home").await;
    assert!(home.contains("Messages with your worker"), "read now");

    if backend == Backend::Sqlite {
        for url in [&s.portal_config.database_url, &s.bridge_config.database_url] {
            for (file, text) in common::files_of(url) {
                assert!(!text.contains("see Nana on Saturday"), "{file}");
                assert!(!text.contains("will pick you up"), "{file}");
            }
        }
    }
    s.finish().await;
}

backend_tests!(nobody_else_sees_a_conversation);
async fn nobody_else_sees_a_conversation(backend: Backend) {
    let (s, mut priya) = start_with(backend, None, false).await;
    let (ellie_id, mut ellie) = uses_familystory(&s, &mut priya, "P-101", "Ellie", ELLIE_DOB).await;
    let (sarah_id, mut sarah) = uses_familystory(&s, &mut priya, "P-103", "Sarah", SARAH_DOB).await;
    family_sends(&s, &mut ellie, "A secret for my worker only.").await;
    sync(&s).await;
    let page = worker_sends(
        &s,
        &mut priya,
        ellie_id,
        &[("message", "Thank you for telling me.")],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    sync(&s).await;

    let (_, page, _) = sarah.get(&s, "/messages").await;
    assert!(!page.contains("A secret for my worker only."));
    assert!(!page.contains("Thank you for telling me."));
    assert!(page.contains("There are no messages yet"));
    let (_, home, _) = sarah.get(&s, "/home").await;
    assert!(
        home.contains("Messages with your worker"),
        "no unread for her"
    );

    // Staff not on the case, and guessed people, get "not found".
    let mut sam = member(
        &s,
        "sam.lee@council.example",
        "Sam Lee",
        &[Role::Practitioner],
    )
    .await;
    let page = sam.desk.get(&s, &conversation(ellie_id)).await;
    assert_eq!(page.status, 404);
    let page = sam.desk.get(&s, "/messages").await;
    assert!(!page.body.contains("Ellie Carter"));
    let csrf = sam.desk.csrf(&s, "/sign-out").await;
    let page = sam
        .desk
        .post(
            &s,
            &conversation(ellie_id),
            &[("csrf", &csrf), ("message", "Hello")],
        )
        .await;
    assert_eq!(page.status, 404);
    for guess in ["999999", "abc", &(sarah_id + 1000).to_string()] {
        let page = priya
            .desk
            .get(&s, &format!("/cases/{CASE}/people/{guess}/messages"))
            .await;
        assert_eq!(page.status, 404, "{guess}");
    }
    // Noah has never been invited: there is no conversation to start.
    let (noah, _) = case_person(&s, "P-102").await;
    assert_eq!(priya.desk.get(&s, &conversation(noah)).await.status, 404);
    let case_page = priya.desk.get(&s, &format!("/cases/{CASE}")).await.body;
    assert!(
        case_page.contains(&format!("href=\"{}\"", conversation(sarah_id))),
        "start one with Sarah from the case page"
    );
    assert!(!case_page.contains(&format!("href=\"{}\"", conversation(noah))));
    s.finish().await;
}

backend_tests!(limits_give_clear_errors_keep_the_text_and_store_nothing);
async fn limits_give_clear_errors_keep_the_text_and_store_nothing(backend: Backend) {
    let (s, mut priya) = start_with(backend, None, false).await;
    let (_, mut ellie) = uses_familystory(&s, &mut priya, "P-101", "Ellie", ELLIE_DOB).await;
    let long = "a".repeat(5001);
    let (status, page) = family_sends(&s, &mut ellie, &long).await;
    assert_eq!(status, 400);
    assert!(page.contains("You have written 5001"), "{page}");
    assert!(page.contains(&long), "the text is kept");
    let (status, page) = family_sends(&s, &mut ellie, "   ").await;
    assert_eq!(status, 400);
    assert!(page.contains("Write your message in the box"));
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM messages").await,
        0
    );
    assert_eq!(
        count(
            &s.portal_db,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'message_sent'"
        )
        .await,
        0
    );
    for n in 0..portal::messages::MAX_PER_HOUR {
        let (status, _) = family_sends(&s, &mut ellie, &format!("Message {n}")).await;
        assert_eq!(status, 303);
    }
    let (status, page) = family_sends(&s, &mut ellie, "One too many").await;
    assert_eq!(status, 429);
    assert!(
        page.contains("You have sent 30 messages in the last hour"),
        "{page}"
    );
    assert!(page.contains("One too many"), "the text is kept");
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM messages").await,
        portal::messages::MAX_PER_HOUR
    );
    s.finish().await;
}

backend_tests!(the_new_message_email_says_only_that);
async fn the_new_message_email_says_only_that(backend: Backend) {
    let smtp = Smtp::start();
    let (s, mut priya) = start_with(backend, Some(&smtp), false).await;
    let (sarah_id, mut sarah) = uses_familystory(&s, &mut priya, "P-103", "Sarah", SARAH_DOB).await;
    common::family::add_email(&s, &smtp, &mut sarah, "sarah.carter@example.com").await;
    let before = smtp.count();
    let text = "Your review is moved to Thursday.";
    let page = worker_sends(&s, &mut priya, sarah_id, &[("message", text)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    sync(&s).await;
    let mail = smtp.wait_for(before + 1).await;
    assert_eq!(mail.to, ["sarah.carter@example.com"]);
    assert!(mail.text.contains("You have a new message on FamilyStory"));
    assert!(mail.text.contains("/messages"));
    for secret in ["Thursday", "review", "Priya", "Shah", "DEMO-0001", "Sarah"] {
        assert!(!mail.text.contains(secret), "{secret} in {}", mail.text);
    }
    // A second within the hour: no second email.
    worker_sends(
        &s,
        &mut priya,
        sarah_id,
        &[("message", "And bring the letter.")],
    )
    .await;
    sync(&s).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.count(), before + 1);
    // Turned off on her account page.
    let csrf = sarah.csrf(&s, "/account").await;
    let (status, _, _) = sarah
        .post(
            &s,
            "/account/message-emails",
            &[("csrf", &csrf), ("emails", "off")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, account, _) = sarah.get(&s, "/account").await;
    assert!(account.contains("We do not send you emails about new messages."));
    assert!(!portal::messages::notify::emails_on(
        &s.portal_db,
        case_person(&s, "P-103").await.1.parse().unwrap()
    )
    .await
    .unwrap());
    s.finish().await;
}

backend_tests!(unread_counts_follow_reads_replies_and_hand_overs);
async fn unread_counts_follow_reads_replies_and_hand_overs(backend: Backend) {
    let (s, mut priya) = start_with(backend, None, false).await;
    let (ellie_id, mut ellie) = uses_familystory(&s, &mut priya, "P-101", "Ellie", ELLIE_DOB).await;
    let mut sam = member(
        &s,
        "sam.lee@council.example",
        "Sam Lee",
        &[Role::Practitioner],
    )
    .await;
    let mut ada = member(&s, "ada.jones@council.example", "Ada Jones", &[Role::Admin]).await;
    let csrf = ada.desk.csrf(&s, "/admin/staff").await;
    let page = ada
        .desk
        .post(
            &s,
            &format!("/admin/staff/{}/grants", sam.id),
            &[("csrf", &csrf), ("reference", CASE)],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);

    family_sends(&s, &mut ellie, "One").await;
    family_sends(&s, &mut ellie, "Two").await;
    sync(&s).await;
    // Both workers of the case see the two unread.
    assert!(priya
        .desk
        .get(&s, "/messages")
        .await
        .body
        .contains("Messages (2 unread)"));
    assert!(sam
        .desk
        .get(&s, "/messages")
        .await
        .body
        .contains("Messages (2 unread)"));

    // Priya hands it to Sam: it leaves her count.
    let path = conversation(ellie_id);
    let csrf = priya.desk.csrf(&s, "/sign-out").await;
    let page = priya
        .desk
        .post(
            &s,
            &format!("{path}/hand-over"),
            &[("csrf", &csrf), ("to", &sam.id)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let mine = priya.desk.get(&s, "/messages").await.body;
    assert!(
        !mine.contains("unread)") && !mine.contains("Ellie Carter"),
        "{mine}"
    );
    let sams = sam.desk.get(&s, "/messages").await.body;
    assert!(sams.contains("Messages (2 unread)") && sams.contains("Ellie Carter"));
    // Handing to someone not on the case changes nothing.
    let csrf = sam.desk.csrf(&s, "/sign-out").await;
    let page = sam
        .desk
        .post(
            &s,
            &format!("{path}/hand-over"),
            &[("csrf", &csrf), ("to", &ada.id)],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Choose a worker on this case"));

    // Sam reads: zero. A new message: one. Sam replies: unanswered clears.
    sam.desk.get(&s, &path).await;
    assert!(!sam.desk.get(&s, "/messages").await.body.contains("unread)"));
    family_sends(&s, &mut ellie, "Three").await;
    sync(&s).await;
    assert!(sam
        .desk
        .get(&s, "/messages")
        .await
        .body
        .contains("Messages (1 unread)"));
    let page = worker_sends(
        &s,
        &mut sam,
        ellie_id,
        &[("message", "I will ring you tomorrow.")],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let sams = sam.desk.get(&s, "/messages").await.body;
    assert!(!sams.contains("unread)"), "{sams}");
    assert!(sams.contains("Answered"));

    // Unanswered two working days: on the duty view; answered ones never.
    family_sends(&s, &mut ellie, "Four").await;
    sync(&s).await;
    let later = content::db::now() + 5 * 24 * 3600;
    let overdue = staff_bridge::messages::inbox::overdue(&s.bridge_db, later)
        .await
        .unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].person_name, "Ellie Carter");
    assert!(
        staff_bridge::messages::inbox::overdue(&s.bridge_db, content::db::now())
            .await
            .unwrap()
            .is_empty()
    );
    let csrf = sam.desk.csrf(&s, "/sign-out").await;
    let page = sam
        .desk
        .post(&s, &format!("{path}/done"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 303);
    assert!(
        staff_bridge::messages::inbox::overdue(&s.bridge_db, later)
            .await
            .unwrap()
            .is_empty(),
        "done is done"
    );
    s.finish().await;
}

backend_tests!(approval_when_required_holds_the_message_until_a_manager_approves);
async fn approval_when_required_holds_the_message_until_a_manager_approves(backend: Backend) {
    let (s, mut priya) = start_with(backend, None, true).await;
    let mut tom = member(
        &s,
        "tom.okafor@council.example",
        "Tom Okafor",
        &[Role::Manager],
    )
    .await;
    let (ellie_id, mut ellie) = uses_familystory(&s, &mut priya, "P-101", "Ellie", ELLIE_DOB).await;
    let page = worker_sends(
        &s,
        &mut priya,
        ellie_id,
        &[("message", "See you on Monday.")],
    )
    .await;
    assert!(page.body.contains("waiting for a manager"), "{}", page.body);
    sync(&s).await;
    let (_, page, _) = ellie.get(&s, "/messages").await;
    assert!(!page.contains("See you on Monday."));
    assert_eq!(
        count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'message'"
        )
        .await,
        0
    );
    let path = conversation(ellie_id);
    let page = tom.desk.get(&s, &path).await;
    assert!(page.body.contains("Approve and send"), "{}", page.body);
    let id: String = sqlx::query_scalar("SELECT id FROM messages WHERE from_family = 0")
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    let csrf = tom.desk.csrf(&s, &path).await;
    let page = tom
        .desk
        .post(&s, &format!("{path}/{id}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (_, _, entry) = last_ledger(&s.bridge_db, "message").await;
    assert_eq!(entry["approver"], tom.id.as_str());
    sync(&s).await;
    let (_, page, _) = ellie.get(&s, "/messages").await;
    assert!(page.contains("See you on Monday."));
    // Nobody approves their own.
    let page = worker_sends(&s, &mut priya, ellie_id, &[("message", "Second one.")]).await;
    assert_eq!(page.status, 200);
    let own: String =
        sqlx::query_scalar("SELECT id FROM messages WHERE state = 'awaiting_approval'")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    let csrf = priya.desk.csrf(&s, &path).await;
    let page = priya
        .desk
        .post(&s, &format!("{path}/{own}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 403);
    s.finish().await;
}

backend_tests!(a_worker_may_have_a_daily_email_with_counts_only);
async fn a_worker_may_have_a_daily_email_with_counts_only(backend: Backend) {
    let smtp = Smtp::start();
    let (s, mut priya) = start_with(backend, Some(&smtp), false).await;
    let (_, mut ellie) = uses_familystory(&s, &mut priya, "P-101", "Ellie", ELLIE_DOB).await;
    family_sends(&s, &mut ellie, "My tummy hurts at school.").await;
    family_sends(&s, &mut ellie, "Can Nan come to the meeting?").await;
    sync(&s).await;
    let mailer = content::mail::Mailer::new(&smtp.settings()).unwrap();
    let digest = |at: i64| {
        let (db, mailer, url) = (&s.bridge_db, &mailer, s.bridge_url.clone());
        async move {
            staff_bridge::messages::digest::send_due(db, mailer, &url, at)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        digest(content::db::now()).await,
        0,
        "off until she turns it on"
    );
    let csrf = priya.desk.csrf(&s, "/account").await;
    let page = priya
        .desk
        .post(
            &s,
            "/account/message-digest",
            &[("csrf", &csrf), ("digest", "on")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(priya
        .desk
        .get(&s, "/account")
        .await
        .body
        .contains("Turn off the daily email"));
    let before = smtp.count();
    assert_eq!(digest(content::db::now()).await, 1);
    let mail = smtp.wait_for(before + 1).await;
    assert_eq!(mail.to, ["priya.shah@council.example"]);
    assert!(
        mail.text
            .contains("2 messages from family members are waiting unread"),
        "{}",
        mail.text
    );
    for secret in ["Ellie", "Carter", "tummy", "Nan", "DEMO-0001"] {
        assert!(!mail.text.contains(secret), "{secret} in {}", mail.text);
    }
    assert_eq!(digest(content::db::now() + 3600).await, 0, "one a day");
    assert_eq!(
        digest(content::db::now() + 25 * 3600).await,
        1,
        "the next day"
    );
    s.finish().await;
}

backend_tests!(a_family_member_whose_access_ends_loses_the_conversation_at_once);
async fn a_family_member_whose_access_ends_loses_the_conversation_at_once(backend: Backend) {
    let (s, mut priya) = start_with(backend, None, false).await;
    let (sarah_id, mut sarah) = uses_familystory(&s, &mut priya, "P-103", "Sarah", SARAH_DOB).await;
    family_sends(&s, &mut sarah, "Please call me.").await;
    sync(&s).await;
    // The case system no longer lists her on the case.
    let mut case = demo_family();
    case["people"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["id"] != "P-103");
    import(&s, &case).await;
    sync(&s).await;
    let (status, _, location) = sarah.get(&s, "/messages").await;
    assert_eq!((status, location.as_deref()), (303, Some("/sign-in")));
    let page = priya.desk.get(&s, &conversation(sarah_id)).await;
    assert!(
        page.body.contains("cannot use FamilyStory at the moment"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Check and send"), "no box to write in");
    let page = worker_sends(&s, &mut priya, sarah_id, &[("message", "Hello?")]).await;
    assert_eq!(page.status, 400);
    assert_eq!(
        count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM messages WHERE from_family = 0"
        )
        .await,
        0,
        "nothing is sent to someone who cannot read it"
    );
    s.finish().await;
}

/// A small PNG, as a phone would send one.
fn photo() -> Vec<u8> {
    let picture =
        image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 120]));
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

/// A one-page PDF.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The href of the newest (last) link to a file on a page.
fn file_link(page: &str, prefix: &str) -> String {
    let at = page
        .rfind(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("no file link in {page}"));
    page[at + 6..].split('"').next().unwrap().to_string()
}

backend_tests!(files_travel_both_ways_sealed_and_are_only_ever_downloaded);
async fn files_travel_both_ways_sealed_and_are_only_ever_downloaded(backend: Backend) {
    let (s, mut priya) = start_with(backend, None, false).await;
    let (ellie_id, mut ellie) = uses_familystory(&s, &mut priya, "P-101", "Ellie", ELLIE_DOB).await;

    // A text file dressed as a photo: refused, the words kept, nothing stored.
    let csrf = ellie.csrf(&s, "/messages").await;
    let (status, page, _) = ellie
        .post_multipart(
            &s,
            "/messages",
            &[("csrf", &csrf), ("message", "Here is my drawing")],
            &[(
                "files",
                "drawing.jpg",
                b"just some words, not a picture".to_vec(),
            )],
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        page.contains("only photos (JPEG or PNG) and PDF documents"),
        "{page}"
    );
    assert!(page.contains("Here is my drawing"), "the text is kept");
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM messages").await,
        0
    );

    let (status, page, _) = ellie
        .post_multipart(
            &s,
            "/messages",
            &[("csrf", &csrf), ("message", "Here is my drawing")],
            &[("files", "drawing.png", photo())],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let (_, page, _) = ellie.get(&s, "/messages").await;
    assert!(page.contains("drawing.png"));
    sync(&s).await;

    // Priya sees the file and downloads it through the case.
    let page = priya.desk.get(&s, &conversation(ellie_id)).await;
    let href = file_link(&page.body, &format!("/cases/{CASE}/attachments/"));
    let response = priya
        .desk
        .with_cookie(s.http.get(format!("{}{href}", s.bridge_url)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let bytes = response.bytes().await.unwrap();
    assert!(
        image::load_from_memory(&bytes).is_ok(),
        "a picture came through"
    );
    let (_, _, entry) = last_ledger(&s.bridge_db, "family_message").await;
    let files = entry["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert!(
        !entry.to_string().contains("drawing"),
        "no file name in the ledger"
    );

    // Priya answers with a PDF: it reaches Ellie as a download only.
    let path = conversation(ellie_id);
    let csrf = priya.desk.csrf(&s, "/sign-out").await;
    let page = priya
        .desk
        .post_multipart(
            &s,
            &path,
            &[
                ("csrf", &csrf),
                ("message", "Thank you! Here is the plan for the meeting."),
            ],
            &[("files", "meeting plan.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Your message was sent."),
        "{}",
        page.body
    );
    let (_, _, entry) = last_ledger(&s.bridge_db, "message").await;
    assert_eq!(
        entry["attachments"][0]["sha256"],
        content::attachments::sha256_hex(PDF)
    );
    sync(&s).await;
    let (_, page, _) = ellie.get(&s, "/messages").await;
    assert!(page.contains("meeting plan.pdf"), "{page}");
    let href = file_link(&page, "/messages/attachments/");
    let response = s
        .http
        .get(format!("{}{href}", s.portal_url))
        .header("cookie", ellie.cookie_header().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);

    // A staff member may attach PDFs only.
    let page = priya
        .desk
        .post_multipart(
            &s,
            &path,
            &[("csrf", &csrf), ("message", "A photo for you")],
            &[("files", "photo.png", photo())],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("workers can attach PDF documents only"),
        "{}",
        page.body
    );
    s.finish().await;
}
