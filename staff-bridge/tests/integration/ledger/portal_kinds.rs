//! What the portal reports is recorded under a `family_` kind only: a
//! compromised portal cannot write a staff kind into the ledger.

use content::sync::OutboxEvent;
use serde_json::json;
use staff_bridge::events;
use staff_bridge::ledger::kinds;
use test_support::{backend_tests, Backend};

use super::batches::all_entries;
use super::{done, fresh};

backend_tests!(an_outbox_event_claiming_a_staff_kind_never_makes_a_staff_entry);
async fn an_outbox_event_claiming_a_staff_kind_never_makes_a_staff_entry(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    let claims = [
        kinds::PUBLICATION,
        kinds::WITHDRAWAL,
        kinds::STAFF_SIGN_IN,
        kinds::ROLE_CHANGE,
        "publication_viewed",
    ];
    let page: Vec<OutboxEvent> = claims
        .iter()
        .zip(1..)
        .map(|(kind, seq)| OutboxEvent {
            seq,
            event_id: uuid::Uuid::new_v4(),
            kind: kind.to_string(),
            person_id: Some(uuid::Uuid::new_v4()),
            data: json!({"publication_id": "pub-1", "audience": ["person-x"]}),
            occurred_at: 1_800_000_000,
        })
        .collect();
    events::store_page(&db, &page, 1_800_000_010).await.unwrap();

    let recorded = all_entries(&db).await;
    let kinds_recorded: Vec<&str> = recorded.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds_recorded,
        [
            events::UNKNOWN_PORTAL_EVENT,
            events::UNKNOWN_PORTAL_EVENT,
            events::UNKNOWN_PORTAL_EVENT,
            events::UNKNOWN_PORTAL_EVENT,
            kinds::FAMILY_VIEW,
        ],
        "{backend:?}"
    );
    for (entry, claimed) in recorded.iter().zip(&claims[..4]) {
        assert_eq!(entry.data_json().unwrap()["claimed_kind"], *claimed);
    }
    let staff_kinds = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM ledger WHERE kind NOT LIKE 'family\\_%' ESCAPE '\\'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        staff_kinds, 0,
        "{backend:?}: every portal entry is a family_ kind"
    );
    done(scratch, db).await;
}
