//! Family-side events pulled from the portal's outbox. Owns `family_events`
//! and `sync_cursor`.

use content::db::Db;
use content::sync::OutboxEvent;

use crate::ledger::{self, NewEntry};

const OUTBOX_CURSOR: &str = "portal_outbox";

pub async fn cursor(db: &Db) -> sqlx::Result<i64> {
    let position: Option<i64> =
        sqlx::query_scalar("SELECT position FROM sync_cursor WHERE name = $1")
            .bind(OUTBOX_CURSOR)
            .fetch_optional(&db.pool)
            .await?;
    Ok(position.unwrap_or(0))
}

/// Stores a page of events and moves the cursor past them, in one
/// transaction: either both happen or neither, and an event seen again (after
/// a crash before the acknowledgement) is ignored by its id.
pub async fn store_page(db: &Db, events: &[OutboxEvent], now: i64) -> sqlx::Result<()> {
    let Some(last) = events.iter().map(|e| e.seq).max() else {
        return Ok(());
    };
    let mut tx = db.pool.begin().await?;
    for event in events {
        // RETURNING answers only for an event not stored before.
        let new: Option<String> = sqlx::query_scalar(
            "INSERT INTO family_events (event_id, portal_seq, kind, person_id, data, occurred_at, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        )
        .bind(event.event_id.to_string())
        .bind(event.seq)
        .bind(&event.kind)
        .bind(event.person_id.map(|p| p.to_string()))
        .bind(event.data.to_string())
        .bind(event.occurred_at)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if new.is_some() {
            let actor = event.person_id.map(|p| p.to_string());
            let subject = event
                .data
                .get("publication_id")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let entry = ledger_entry(event, actor.as_deref(), subject.as_deref());
            ledger::append(&mut tx, db.backend, &entry, now).await?;
        }
    }
    sqlx::query(
        "INSERT INTO sync_cursor (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position",
    )
    .bind(OUTBOX_CURSOR)
    .bind(last)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the ledger records of a family event: who, what about, when and from
/// where, as the portal reported it. A first view of a version is the
/// `family_view` the IG officer searches for; the rest keep the portal's name.
fn ledger_entry<'a>(
    event: &'a OutboxEvent,
    actor: Option<&'a str>,
    subject: Option<&'a str>,
) -> NewEntry<'a> {
    let mut data = match without_fractions(&event.data) {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    data.insert("event_id".into(), event.event_id.to_string().into());
    data.insert("occurred_at".into(), event.occurred_at.into());
    data.insert("portal_seq".into(), event.seq.into());
    let kind = match event.kind.as_str() {
        "publication_viewed" => ledger::kinds::FAMILY_VIEW,
        "publication_received" => "publication_delivered",
        other => other,
    };
    NewEntry {
        kind,
        actor,
        subject,
        data: serde_json::Value::Object(data),
    }
}

/// The event's data with any fractional number written as text. The ledger
/// refuses fractions (their text form is not canonical), and one refused
/// append would hold the whole sync on that page; the portal sends none
/// today, but the ledger must not depend on that.
fn without_fractions(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.iter().map(without_fractions).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_fractions(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub async fn count(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM family_events")
        .fetch_one(&db.pool)
        .await
}

/// Events of one kind, oldest first, as (event id, data).
pub async fn of_kind(db: &Db, kind: &str) -> sqlx::Result<Vec<(String, serde_json::Value)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT event_id, data FROM family_events WHERE kind = $1 ORDER BY portal_seq",
    )
    .bind(kind)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, data)| (id, serde_json::from_str(&data).unwrap_or_default()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_fractional_number_from_the_portal_still_makes_a_ledger_entry() {
        let event = OutboxEvent {
            seq: 7,
            event_id: uuid::Uuid::new_v4(),
            kind: "publication_viewed".into(),
            person_id: None,
            data: json!({ "publication_id": "p", "version": 2, "scroll": 0.5, "list": [1.25, 3] }),
            occurred_at: 1_700_000_000,
        };
        let entry = ledger_entry(&event, None, None);
        assert_eq!(entry.data["scroll"], "0.5");
        assert_eq!(entry.data["list"], json!(["1.25", 3]));
        assert_eq!(entry.data["version"], 2, "integers stay numbers");
        ledger::canonical_json(&entry.data).expect("the ledger accepts it");
    }
}
