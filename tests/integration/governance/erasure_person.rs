//! A family member's content erased in one step, part of
//! tests/governance.rs: what they sent (a contribution through the portal)
//! and both directions of their conversation, on both services, so that no
//! copy of either database file and WAL opens to it even with the key files,
//! while the ledger still verifies.
//!
//! The contribution and her message go through the portal's pages and the
//! real sync; her worker's reply through messaging's check and send. Only
//! the attachment is written into the tables directly: messaging has no
//! attachments yet.

use content::db::now;
use content::seal::Sealer;

use super::common::{self, sync};
use super::erasure::{opened_in, sqlite_files};
use super::{desk, family_sends, portal_id, reader, start, worker_replies, SARAH};
use test_support::{backend_tests, Backend};

const SENT: &str = "The green bicycle is hidden behind the garden shed.";
const FAMILY_MESSAGE: &str = "Please ring me about the purple umbrella.";
const WORKER_MESSAGE: &str = "I will ring you about the umbrella on Friday.";
const ATTACHMENT: &str = "a scanned letter about the lighthouse trip";

/// An attachment on the family member's message, on both services.
/// Messaging has no attachments yet: the rows are written as the tables
/// (bridge 0012, portal 0007) define them.
async fn attachment(s: &common::Services, person: &str, message: &str) {
    let bridge = Sealer::load_or_create(&s.bridge_config.key_file).unwrap();
    sqlx::query(
        "INSERT INTO message_attachments (id, message_id, file_name, media_type, size, sha256, data)
         VALUES ('a-1', $1, 'letter.pdf', 'application/pdf', 10, 'hash', $2)",
    )
    .bind(message)
    .bind(bridge.seal(ATTACHMENT))
    .execute(&s.bridge_db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO message_attachments (id, message_id, person_id, file_name, media_type, size, sha256, data)
         VALUES ('a-1', $1, $2, 'letter.pdf', 'application/pdf', 10, 'hash', $3)",
    )
    .bind(message)
    .bind(person)
    .bind(s.portal_sealer().seal(ATTACHMENT))
    .execute(&s.portal_db.pool)
    .await
    .unwrap();
}

/// Every text in the service's SQLite files and what its key opens there.
fn files_opened(url: &str, sealer: &Sealer) -> Vec<String> {
    sqlite_files(url)
        .iter()
        .flat_map(|f| opened_in(f, sealer))
        .collect()
}

backend_tests!(erasing_a_person_leaves_what_they_sent_and_their_messages_unrecoverable);
async fn erasing_a_person_leaves_what_they_sent_and_their_messages_unrecoverable(backend: Backend) {
    let mut c = start(backend).await;
    let s = &c.s;
    let sarah = portal_id(s, "Sarah Carter").await;
    let mut phone = reader(s, "Sarah Carter", SARAH).await;
    // What she sends, through the portal's own page.
    let csrf = phone.csrf(s, "/safe").await;
    let (status, _, _) = phone
        .post(s, "/safe", &[("csrf", &csrf), ("message", SENT)])
        .await;
    assert_eq!(status, 200);
    family_sends(s, &mut phone, FAMILY_MESSAGE).await;
    sync(s).await;
    worker_replies(s, &sarah, WORKER_MESSAGE, now()).await;
    sync(s).await;
    let message: String = sqlx::query_scalar(
        "SELECT id FROM messages WHERE person_portal_id = $1 AND from_family = 1",
    )
    .bind(&sarah)
    .fetch_one(&s.bridge_db.pool)
    .await
    .unwrap();
    attachment(s, &sarah, &message).await;
    let alone = {
        let mut conn = s.bridge_db.pool.acquire().await.unwrap();
        staff_bridge::governance::erasure::person::published_to_them_alone(&mut conn, &sarah)
            .await
            .unwrap()
    };
    assert!(
        !alone.is_empty(),
        "the demo sends Sarah a letter of her own"
    );

    let bridge_key = Sealer::load_or_create(&s.bridge_config.key_file).unwrap();
    let portal_key = s.portal_sealer();
    let services = [
        (s.bridge_config.database_url.clone(), &bridge_key),
        (s.portal_config.database_url.clone(), &portal_key),
    ];
    if backend == content::db::Backend::Sqlite {
        for (url, key) in &services {
            let opened = files_opened(url, key);
            for text in [SENT, FAMILY_MESSAGE, WORKER_MESSAGE] {
                assert!(
                    opened.iter().any(|t| t.contains(text)),
                    "{url}: before erasure, a copy and the key give away {text:?}"
                );
            }
        }
    }

    let path = format!("/governance/people/{sarah}/erase");
    assert_eq!(desk(&mut c.practitioner).get(s, &path).await.status, 403);
    assert_eq!(desk(&mut c.manager).get(s, &path).await.status, 403);
    let csrf = desk(&mut c.ig).csrf(s, &path).await;
    let refused = desk(&mut c.ig)
        .post(s, &path, &[("csrf", &csrf), ("reason", "  ")])
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Give a reason"));
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'person_erased'"
        )
        .await,
        0,
        "no reason, nothing erased"
    );
    let erased = desk(&mut c.ig)
        .post(
            s,
            &path,
            &[("csrf", &csrf), ("reason", "Her request under article 17")],
        )
        .await;
    assert_eq!(erased.status, 303, "{}", erased.body);
    sync(s).await;

    // What she and anyone with her phone now see.
    let (status, _, location) = phone.get(s, "/home").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/sign-in")),
        "her access ended"
    );
    let (name, email, dob): (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT display_name, email, date_of_birth FROM people WHERE id = $1")
            .bind(&sarah)
            .fetch_one(&s.portal_db.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), email, dob), ("(erased)", None, None));

    // Nothing in either database opens to what was written, whatever the engine.
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM contributions WHERE person_portal_id = $1")
            .bind(&sarah)
            .fetch_all(&s.bridge_db.pool)
            .await
            .unwrap();
    assert!(
        !bodies.is_empty()
            && bodies
                .iter()
                .all(|b| bridge_key.open(b).unwrap().is_empty())
    );
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM messages WHERE person_portal_id = $1")
            .bind(&sarah)
            .fetch_all(&s.bridge_db.pool)
            .await
            .unwrap();
    assert_eq!(
        bodies.len(),
        2,
        "the bridge keeps who wrote when, for the reports"
    );
    assert!(bodies
        .iter()
        .all(|b| bridge_key.open(b).unwrap().is_empty()));
    for (db, sql) in [
        (&s.bridge_db, "SELECT COUNT(*) FROM message_attachments"),
        (&s.portal_db, "SELECT COUNT(*) FROM message_attachments"),
        (&s.portal_db, "SELECT COUNT(*) FROM messages"),
        (&s.portal_db, "SELECT COUNT(*) FROM contributions"),
    ] {
        assert_eq!(common::count(db, sql).await, 0, "{sql}");
    }
    let events: Vec<String> = sqlx::query_scalar("SELECT data FROM outbox WHERE person_id = $1")
        .bind(&sarah)
        .fetch_all(&s.portal_db.pool)
        .await
        .unwrap();
    assert!(events.iter().all(|e| !e.contains("\"sealed\"")));
    for publication in &alone {
        let titles: Vec<String> =
            sqlx::query_scalar("SELECT title FROM publication_versions WHERE publication_id = $1")
                .bind(publication.to_string())
                .fetch_all(&s.portal_db.pool)
                .await
                .unwrap();
        assert!(titles
            .iter()
            .all(|t| portal_key.open(t).unwrap().is_empty()));
    }
    if backend == content::db::Backend::Sqlite {
        for (url, key) in &services {
            let opened = files_opened(url, key);
            for text in [SENT, FAMILY_MESSAGE, WORKER_MESSAGE, ATTACHMENT] {
                assert!(
                    !opened.iter().any(|t| t.contains(text)),
                    "{url}: after erasure, a copy and the key still give away {text:?}"
                );
            }
        }
    }

    // The ledger is whole, keeps its entries and records the erasure.
    let report = staff_bridge::ledger::verify_database(&s.bridge_config.database_url, None)
        .await
        .unwrap();
    assert!(report.is_whole(), "{report:?}");
    let (actor, subject, data) = common::last_ledger(&s.bridge_db, "person_erased").await;
    assert_eq!(
        (actor.as_deref(), subject.as_deref()),
        (Some(c.ig.id.as_str()), Some(sarah.as_str()))
    );
    assert_eq!(data["reason"], "Her request under article 17");
    assert_eq!(data["messages"], 2);
    assert_eq!(data["publications"].as_array().unwrap().len(), alone.len());
    assert!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'family_contribution'"
        )
        .await
            >= 1,
        "the record that she sent it, with its hash, stays"
    );
    let person = desk(&mut c.ig)
        .get(s, &format!("/governance/people/{sarah}"))
        .await;
    assert!(
        person.body.contains("content was erased"),
        "{}",
        person.body
    );
    // Once is enough: the page says it is done, and a second try changes nothing.
    let again = desk(&mut c.ig).get(s, &path).await;
    assert!(again.body.contains("content was erased"), "{}", again.body);
    desk(&mut c.ig)
        .post(s, &path, &[("csrf", &csrf), ("reason", "Again")])
        .await;
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'person_erased'"
        )
        .await,
        1
    );
    c.s.finish().await;
}
