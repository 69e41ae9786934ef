//! Appending many entries at once: one chain, the same as appending them one
//! by one would give, all or nothing; and the portal's pages of events, which
//! are appended that way.

use content::sync::OutboxEvent;
use serde_json::json;
use staff_bridge::events;
use staff_bridge::ledger::{self, kinds, NewEntry};
use test_support::{backend_tests, Backend};

use super::{count, done, fill, fresh, publication};

fn entries(subjects: &[String]) -> Vec<NewEntry<'_>> {
    subjects
        .iter()
        .enumerate()
        .map(|(i, subject)| NewEntry {
            kind: kinds::PUBLICATION,
            actor: Some("staff-7"),
            subject: Some(subject),
            data: publication(i),
        })
        .collect()
}

backend_tests!(a_batch_extends_the_chain_as_single_appends_would);
async fn a_batch_extends_the_chain_as_single_appends_would(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    fill(&db, 2).await;
    // More than one INSERT statement's worth, and not a multiple of it.
    let subjects: Vec<String> = (0..600).map(|i| format!("pub-{i}")).collect();
    let batch = entries(&subjects);
    let mut tx = db.pool.begin().await.unwrap();
    let numbers = ledger::append_many(&mut tx, db.backend, &batch, 1_800_000_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(numbers, 3..603, "{backend:?}");
    let report = ledger::verify(&db).await.unwrap();
    assert!(report.is_whole(), "{backend:?}: {report:?}");
    assert_eq!(report.entries, 602);

    // Entry by entry, in the order given, with the data canonical.
    let page = ledger::entries_for_subject(
        &db,
        "pub-599",
        ledger::Page::first(ledger::Order::OldestFirst, 10),
    )
    .await
    .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].seq, 602);
    assert_eq!(
        page[0].data,
        ledger::canonical_json(&publication(599)).unwrap()
    );
    assert!(page[0].hash_matches());

    // An empty batch writes nothing and gives no numbers.
    let mut tx = db.pool.begin().await.unwrap();
    let none = ledger::append_many(&mut tx, db.backend, &[], 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(none.is_empty());
    assert_eq!(ledger::head(&db).await.unwrap().0, 602);
    done(scratch, db).await;
}

backend_tests!(a_batch_with_one_refused_entry_writes_nothing);
async fn a_batch_with_one_refused_entry_writes_nothing(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    fill(&db, 1).await;
    let subjects: Vec<String> = (0..5).map(|i| format!("pub-{i}")).collect();
    let mut batch = entries(&subjects);
    batch[3].data = json!({"fraction": 0.5});
    let mut tx = db.pool.begin().await.unwrap();
    let error = ledger::append_many(&mut tx, db.backend, &batch, 1)
        .await
        .unwrap_err();
    tx.commit().await.unwrap();
    assert!(error.to_string().contains("fractional"), "{error}");
    assert_eq!(count(&db).await, 1, "{backend:?}");
    done(scratch, db).await;
}

fn outbox_event(seq: i64, kind: &str) -> OutboxEvent {
    OutboxEvent {
        seq,
        event_id: uuid::Uuid::new_v4(),
        kind: kind.into(),
        person_id: Some(uuid::Uuid::new_v4()),
        data: json!({"publication_id": format!("pub-{seq}"), "version": 1}),
        occurred_at: 1_800_000_000 + seq,
    }
}

backend_tests!(a_page_of_portal_events_lands_in_order_once);
async fn a_page_of_portal_events_lands_in_order_once(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    let page: Vec<OutboxEvent> = (1..=700)
        .map(|seq| outbox_event(seq, "publication_viewed"))
        .collect();
    events::store_page(&db, &page, 1_800_001_000).await.unwrap();
    // The same page again (a crash before the acknowledgement) adds nothing.
    events::store_page(&db, &page, 1_800_002_000).await.unwrap();
    assert_eq!(events::cursor(&db).await.unwrap(), 700);
    assert_eq!(events::count(&db).await.unwrap(), 700);
    let recorded = all_entries(&db).await;
    assert_eq!(recorded.len(), 700, "{backend:?}");
    for (entry, event) in recorded.iter().zip(&page) {
        assert_eq!(entry.kind, kinds::FAMILY_VIEW);
        let data = entry.data_json().unwrap();
        assert_eq!(
            data["portal_seq"], event.seq,
            "{backend:?}: in the portal's order"
        );
        assert_eq!(data["event_id"], event.event_id.to_string());
        assert_eq!(
            entry.actor.as_deref(),
            Some(event.person_id.unwrap().to_string().as_str())
        );
    }
    assert!(ledger::verify(&db).await.unwrap().is_whole());
    done(scratch, db).await;
}

/// The whole ledger, oldest first, however many pages it takes.
pub(super) async fn all_entries(db: &content::db::Db) -> Vec<ledger::Entry> {
    let mut out = Vec::new();
    let mut page = Some(ledger::Page::first(
        ledger::Order::OldestFirst,
        ledger::MAX_PAGE,
    ));
    while let Some(p) = page {
        let entries = ledger::entries(db, p).await.unwrap();
        page = p.next(&entries);
        out.extend(entries);
    }
    out
}
