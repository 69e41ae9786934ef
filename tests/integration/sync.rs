//! The internal API between the services: pushes, the outbox pull, and the
//! refusal of anything not signed, fresh and new. On both backends.

use crate::common;
use test_support::{backend_tests, Backend};

use common::{count, Services};
use content::db::now;
use content::sync::{FamilyRole, PersonPush, PublicationPush, SyncKey, WithdrawalPush};
use staff_bridge::outgoing::{self, Push};
use staff_bridge::sync;
use uuid::Uuid;

fn person(name: &str) -> PersonPush {
    PersonPush {
        display_name: name.into(),
        first_name: name.split(' ').next().unwrap().into(),
        role: FamilyRole::Parent,
        date_of_birth: None,
    }
}

fn publication(version: i64, audience: Vec<Uuid>, body: &str) -> PublicationPush {
    PublicationPush {
        version,
        kind: "plan".into(),
        title: "Your plan".into(),
        body_markdown: body.into(),
        audience,
        published_at: now(),
        meeting_at: None,
        in_reply_to: None,
    }
}

async fn enqueue(s: &Services, pushes: &[Push]) {
    let mut tx = s.bridge_db.pool.begin().await.unwrap();
    for push in pushes {
        outgoing::enqueue(&mut tx, s.bridge_db.sealer(), push, now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

backend_tests!(pushes_reach_the_portal_and_receipts_come_back_once);
async fn pushes_reach_the_portal_and_receipts_come_back_once(backend: Backend) {
    let s = Services::start(backend).await;
    let mother = Uuid::new_v4();
    let father = Uuid::new_v4();
    let plan = Uuid::new_v4();
    enqueue(
        &s,
        &[
            Push::Person(mother, person("Sarah Carter")),
            Push::Person(father, person("Daniel Brooks")),
            Push::Publication(plan, publication(1, vec![mother], "Mother's version")),
        ],
    )
    .await;
    // The bridge's own worker syncs once at start-up and may take part
    // of this work, so what is checked is where things end up.
    sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    assert_eq!(
        outgoing::pending_count(&s.bridge_db).await.unwrap(),
        0,
        "{backend:?}: every push was accepted"
    );

    assert_eq!(
        portal::people::find_active(&s.portal_db, mother)
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "Sarah Carter"
    );
    let seen = portal::publications::visible_to(&s.portal_db, &s.portal_sealer(), mother)
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body_markdown, "Mother's version");
    assert!(
        portal::publications::visible_to(&s.portal_db, &s.portal_sealer(), father)
            .await
            .unwrap()
            .is_empty()
    );

    let receipts = staff_bridge::events::of_kind(&s.bridge_db, "publication_received")
        .await
        .unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].1["publication_id"], plan.to_string());
    assert_eq!(
        portal::outbox::pending(&s.portal_db).await.unwrap(),
        0,
        "the pull was acknowledged"
    );

    // Nothing new: nothing moves, nothing doubles.
    let report = sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    assert_eq!((report.pushed, report.pulled), (0, 0));
    assert_eq!(staff_bridge::events::count(&s.bridge_db).await.unwrap(), 1);

    // A new version supersedes; a withdrawal hides the item at once.
    enqueue(
        &s,
        &[Push::Publication(
            plan,
            publication(2, vec![mother], "Updated version"),
        )],
    )
    .await;
    sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let seen = portal::publications::visible_to(&s.portal_db, &s.portal_sealer(), mother)
        .await
        .unwrap();
    assert_eq!(
        (seen.len(), seen[0].version, seen[0].body_markdown.as_str()),
        (1, 2, "Updated version")
    );
    enqueue(
        &s,
        &[Push::Withdrawal(
            plan,
            WithdrawalPush {
                withdrawn_at: now(),
            },
        )],
    )
    .await;
    sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    assert!(
        portal::publications::visible_to(&s.portal_db, &s.portal_sealer(), mother)
            .await
            .unwrap()
            .is_empty()
    );
    s.finish().await;
}

backend_tests!(the_same_push_sent_twice_is_applied_once);
async fn the_same_push_sent_twice_is_applied_once(backend: Backend) {
    let s = Services::start(backend).await;
    let reader = Uuid::new_v4();
    let item = Uuid::new_v4();
    let push = Push::Publication(item, publication(1, vec![reader], "Once"));
    // As if the first answer was lost and the bridge sent it again.
    enqueue(&s, &[push.clone(), push]).await;
    sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let outcomes: Vec<String> = sqlx::query_scalar("SELECT outcome FROM outgoing ORDER BY id")
        .fetch_all(&s.bridge_db.pool)
        .await
        .unwrap();
    assert_eq!(outcomes, ["accepted", "accepted"], "{backend:?}");
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM publication_versions").await,
        1
    );
    assert_eq!(count(&s.portal_db, "SELECT COUNT(*) FROM outbox").await, 1);
    assert_eq!(staff_bridge::events::count(&s.bridge_db).await.unwrap(), 1);

    // The same version with other content is a conflict the bridge records and moves past.
    enqueue(
        &s,
        &[Push::Publication(
            item,
            publication(1, vec![reader], "Different"),
        )],
    )
    .await;
    sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let outcome: String =
        sqlx::query_scalar("SELECT outcome FROM outgoing ORDER BY id DESC LIMIT 1")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    assert_eq!(outcome, "rejected: 409");
    assert_eq!(
        portal::publications::visible_to(&s.portal_db, &s.portal_sealer(), reader)
            .await
            .unwrap()[0]
            .body_markdown,
        "Once"
    );
    s.finish().await;
}

/// Sends a PUT to the internal API with whatever headers the test chooses.
async fn raw_put(s: &Services, path: &str, body: &str, headers: &[(&str, String)]) -> u16 {
    let mut request = s
        .http
        .put(format!("{}{}", s.internal_url, path))
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.unwrap().status().as_u16()
}

backend_tests!(unsigned_wrongly_signed_stale_and_replayed_requests_are_refused);
async fn unsigned_wrongly_signed_stale_and_replayed_requests_are_refused(backend: Backend) {
    let s = Services::start(backend).await;
    let id = Uuid::new_v4();
    let path = format!("/internal/v1/people/{id}");
    let body = serde_json::to_string(&person("Sarah Carter")).unwrap();
    let people = || count(&s.portal_db, "SELECT COUNT(*) FROM people");

    assert_eq!(
        raw_put(&s, &path, &body, &[]).await,
        401,
        "{backend:?}: unsigned"
    );

    let wrong = SyncKey::new("a different secret that is also long enough").unwrap();
    let headers = wrong.headers("PUT", &path, body.as_bytes(), now()).to_vec();
    assert_eq!(raw_put(&s, &path, &body, &headers).await, 401, "wrong key");

    let stale = s
        .key()
        .headers("PUT", &path, body.as_bytes(), now() - 3600)
        .to_vec();
    assert_eq!(raw_put(&s, &path, &body, &stale).await, 401, "stale");

    let signed = s
        .key()
        .headers("PUT", &path, body.as_bytes(), now())
        .to_vec();
    let tampered_body = body.replace("Sarah", "Sally");
    assert_eq!(
        raw_put(&s, &path, &tampered_body, &signed).await,
        401,
        "body changed after signing"
    );
    let other_path = format!("/internal/v1/people/{}", Uuid::new_v4());
    assert_eq!(
        raw_put(&s, &other_path, &body, &signed).await,
        401,
        "path changed after signing"
    );
    assert_eq!(people().await, 0, "nothing refused changed anything");

    assert_eq!(
        raw_put(&s, &path, &body, &signed).await,
        204,
        "the genuine request"
    );
    assert_eq!(people().await, 1);
    assert_eq!(
        raw_put(&s, &path, &body, &signed).await,
        401,
        "the same request replayed"
    );

    // A replay of a different request body under an old nonce fails too.
    let renamed = serde_json::to_string(&person("Sally Carter")).unwrap();
    assert_eq!(raw_put(&s, &path, &renamed, &signed).await, 401);
    let stored = portal::people::find_active(&s.portal_db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.display_name, "Sarah Carter");

    // The outbox is as closed as the pushes.
    let response = s
        .http
        .get(format!("{}/internal/v1/outbox", s.internal_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    s.finish().await;
}

backend_tests!(the_internal_api_is_not_served_on_the_public_listener);
async fn the_internal_api_is_not_served_on_the_public_listener(backend: Backend) {
    let s = Services::start(backend).await;
    let id = Uuid::new_v4();
    let path = format!("/internal/v1/people/{id}");
    let body = serde_json::to_string(&person("Sarah Carter")).unwrap();
    let signed = s
        .key()
        .headers("PUT", &path, body.as_bytes(), now())
        .to_vec();
    let mut request = s.http.put(format!("{}{}", s.portal_url, path)).body(body);
    for (name, value) in &signed {
        request = request.header(*name, value);
    }
    let status = request.send().await.unwrap().status().as_u16();
    assert!(status == 404 || status == 405, "{backend:?}: {status}");
    assert_eq!(count(&s.portal_db, "SELECT COUNT(*) FROM people").await, 0);
    s.finish().await;
}

backend_tests!(a_sync_interrupted_by_stopping_the_portal_resumes_with_nothing_lost);
async fn a_sync_interrupted_by_stopping_the_portal_resumes_with_nothing_lost(backend: Backend) {
    let mut s = Services::start(backend).await;
    let reader = Uuid::new_v4();
    let pushes: Vec<Push> = (0..40)
        .map(|i| {
            Push::Publication(
                Uuid::new_v4(),
                publication(1, vec![reader], &format!("Item {i}")),
            )
        })
        .collect();
    enqueue(&s, &pushes[..20]).await;
    sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();

    s.stop_portal().await;
    enqueue(&s, &pushes[20..]).await;
    let error = sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap_err();
    assert!(
        matches!(error, sync::SyncError::Unreachable(_)),
        "{backend:?}: {error}"
    );
    assert_eq!(
        outgoing::pending_count(&s.bridge_db).await.unwrap(),
        20,
        "nothing is dropped while the portal is away"
    );

    s.restart_portal().await;
    sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    assert_eq!(outgoing::pending_count(&s.bridge_db).await.unwrap(), 0);
    assert_eq!(
        portal::publications::visible_to(&s.portal_db, &s.portal_sealer(), reader)
            .await
            .unwrap()
            .len(),
        40
    );
    assert_eq!(staff_bridge::events::count(&s.bridge_db).await.unwrap(), 40);
    s.finish().await;
}

#[tokio::test]
async fn published_text_is_sealed_in_the_portal_database_and_its_wal() {
    let s = Services::start(content::db::Backend::Sqlite).await;
    let reader = Uuid::new_v4();
    let sentence = "Ellie will spend every Saturday afternoon with her grandmother.";
    enqueue(
        &s,
        &[Push::Publication(
            Uuid::new_v4(),
            publication(1, vec![reader], sentence),
        )],
    )
    .await;
    sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let seen = portal::publications::visible_to(&s.portal_db, &s.portal_sealer(), reader)
        .await
        .unwrap();
    assert_eq!(
        seen[0].body_markdown, sentence,
        "the reader gets the text back"
    );

    let path = s
        .portal_config
        .database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let mut files = 0;
    for file in [path.clone(), format!("{path}-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            files += 1;
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("Saturday afternoon"),
                "{file} holds the text in the clear"
            );
            assert!(
                !text.contains("Your plan"),
                "{file} holds the title in the clear"
            );
        }
    }
    assert_eq!(files, 2, "both the database and its WAL were checked");
    s.finish().await;
}

backend_tests!(identical_pushes_arriving_together_are_stored_once_and_all_accepted);
async fn identical_pushes_arriving_together_are_stored_once_and_all_accepted(backend: Backend) {
    let s = Services::start(backend).await;
    let reader = Uuid::new_v4();
    let item = Uuid::new_v4();
    let body = serde_json::to_vec(&publication(1, vec![reader], "Together")).unwrap();
    let path = format!("/internal/v1/publications/{item}");
    // As if two bridge instances sent the same queue entry at once.
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (client, path, body) = (s.bridge_client.clone(), path.clone(), body.clone());
        sends.spawn(async move { client.send("PUT", &path, body).await });
    }
    while let Some(answer) = sends.join_next().await {
        let status = answer.unwrap().unwrap().status();
        assert!(status.is_success(), "{backend:?}: {status}");
    }
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM publication_versions").await,
        1
    );
    assert_eq!(
        count(
            &s.portal_db,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'publication_received'"
        )
        .await,
        1,
        "the bridge hears of the arrival once"
    );
    s.finish().await;
}
