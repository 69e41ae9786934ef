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
/// a crash before the acknowledgement) is ignored by its id. The new events'
/// ledger entries are appended together, in the order the portal numbered them.
pub async fn store_page(db: &Db, events: &[OutboxEvent], now: i64) -> sqlx::Result<()> {
    let Some(last) = events.iter().map(|e| e.seq).max() else {
        return Ok(());
    };
    // A contribution's answers are kept sealed with it, never in the event.
    let mut events = events.to_vec();
    let bodies: Vec<_> = events.iter_mut().map(crate::voice::take_body).collect();
    let texts: Vec<_> = events.iter_mut().map(crate::messages::take_body).collect();
    let mut tx = db.pool.begin().await?;
    let mut new_events = Vec::with_capacity(events.len());
    for ((event, body), text) in events.iter().zip(&bodies).zip(&texts) {
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
            if let Some(body) = body {
                crate::voice::store(&mut tx, db.sealer(), event, body, now).await?;
            }
            if let Some(text) = text {
                crate::messages::store_from_family(&mut tx, db.sealer(), event, text, now).await?;
            }
            crate::messages::store_read(&mut tx, event).await?;
            new_events.push(event);
        }
    }
    let who: Vec<(Option<String>, Option<String>)> = new_events
        .iter()
        .map(|event| {
            let actor = event.person_id.map(|p| p.to_string());
            let subject = event
                .data
                .get("publication_id")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            (actor, subject)
        })
        .collect();
    let entries: Vec<NewEntry> = new_events
        .iter()
        .zip(&who)
        .map(|(event, (actor, subject))| ledger_entry(event, actor.as_deref(), subject.as_deref()))
        .collect();
    ledger::append_many(&mut tx, db.backend, &entries, now).await?;
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

/// What the portal may report, and the ledger kind each is recorded under.
/// Every kind from the portal is a `family_` kind, so whatever a compromised
/// portal claims, it cannot write a staff kind (`publication`, `withdrawal`,
/// `staff_sign_in`, ...) into the ledger. A kind not listed here is recorded
/// as [`UNKNOWN_PORTAL_EVENT`], with the kind it claimed in its data: a new
/// portal event needs a line here before the ledger names it.
const PORTAL_KINDS: &[(&str, &str)] = &[
    ("publication_viewed", ledger::kinds::FAMILY_VIEW),
    ("publication_received", "family_publication_delivered"),
    ("family_sign_in", ledger::kinds::FAMILY_SIGN_IN),
    (
        "family_sign_in_failed",
        ledger::kinds::FAMILY_SIGN_IN_FAILED,
    ),
    ("family_sign_out", "family_sign_out"),
    ("family_sign_out_everywhere", "family_sign_out_everywhere"),
    ("email_verified", "family_email_verified"),
    ("passkey_added", "family_passkey_added"),
    ("passkey_renamed", "family_passkey_renamed"),
    ("passkey_removed", "family_passkey_removed"),
    ("invitation_used", "family_invitation_used"),
    ("invitation_check_failed", "family_invitation_check_failed"),
    (crate::voice::SENT_EVENT, crate::voice::LEDGER_KIND),
    (
        crate::messages::SENT_EVENT,
        crate::messages::FAMILY_LEDGER_KIND,
    ),
    (
        crate::messages::READ_EVENT,
        crate::messages::READ_LEDGER_KIND,
    ),
];

/// The ledger kind of a portal event whose kind is not in [`PORTAL_KINDS`].
pub const UNKNOWN_PORTAL_EVENT: &str = "family_unknown_event";

/// The longest claimed kind kept in an unknown event's data: enough to tell
/// what the portal sent, not a place to store anything else.
const CLAIMED_KIND_CHARS: usize = 64;

/// The ledger kind a portal event is recorded under: its `family_` name, or
/// `None` when the portal may not report that kind.
pub fn ledger_kind(portal_kind: &str) -> Option<&'static str> {
    PORTAL_KINDS
        .iter()
        .find(|(reported, _)| *reported == portal_kind)
        .map(|(_, kind)| *kind)
}

/// What the ledger records of a family event: who, what about, when and from
/// where, as the portal reported it, under the kind [`ledger_kind`] gives it.
/// A first view of a version is the `family_view` the IG officer searches for.
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
    let kind = ledger_kind(&event.kind).unwrap_or_else(|| {
        let claimed: String = event.kind.chars().take(CLAIMED_KIND_CHARS).collect();
        tracing::warn!(event_id = %event.event_id, "the portal reported an event of a kind it may not report; recorded as unknown");
        data.insert("claimed_kind".into(), claimed.into());
        UNKNOWN_PORTAL_EVENT
    });
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

    #[test]
    fn every_kind_the_portal_may_report_is_a_family_kind() {
        for (reported, kind) in PORTAL_KINDS {
            assert!(kind.starts_with("family_"), "{reported} -> {kind}");
            assert_eq!(ledger_kind(reported), Some(*kind));
        }
        assert!(UNKNOWN_PORTAL_EVENT.starts_with("family_"));
    }

    #[test]
    fn a_staff_kind_claimed_by_the_portal_is_recorded_as_unknown() {
        for claimed in [
            "publication",
            "withdrawal",
            "staff_sign_in",
            "role_change",
            "family_view",
        ] {
            let event = OutboxEvent {
                seq: 1,
                event_id: uuid::Uuid::new_v4(),
                kind: claimed.into(),
                person_id: None,
                data: json!({ "claimed_kind": "overwritten", "publication_id": "p" }),
                occurred_at: 1_700_000_000,
            };
            let entry = ledger_entry(&event, None, None);
            assert_eq!(entry.kind, UNKNOWN_PORTAL_EVENT, "{claimed}");
            assert_eq!(entry.data["claimed_kind"], claimed);
        }
        let long = OutboxEvent {
            seq: 2,
            event_id: uuid::Uuid::new_v4(),
            kind: "x".repeat(10_000),
            person_id: None,
            data: json!({}),
            occurred_at: 1_700_000_000,
        };
        let entry = ledger_entry(&long, None, None);
        assert_eq!(
            entry.data["claimed_kind"].as_str().map(str::len),
            Some(CLAIMED_KIND_CHARS)
        );
    }
}
