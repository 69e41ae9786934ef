//! Family-side events waiting for the bridge. Owns the `outbox` table.
//!
//! An event is written in the same transaction as the change it reports, and
//! the bridge reads them by cursor (`seq`). Cursor reading is only safe if
//! events become visible in `seq` order, so on PostgreSQL, where several portal
//! instances may write at once, writers take a transaction-scoped advisory lock
//! first; SQLite has a single writer already.

use content::db::{Backend, Db};
use content::sync::OutboxEvent;
use sqlx::AnyConnection;
use uuid::Uuid;

/// The most events one pull returns.
pub const MAX_PAGE: i64 = 500;

const OUTBOX_LOCK: i64 = 0x0f5_0b0c;

pub async fn record(
    conn: &mut AnyConnection,
    backend: Backend,
    kind: &str,
    person_id: Option<Uuid>,
    data: &serde_json::Value,
    now: i64,
) -> sqlx::Result<Uuid> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(OUTBOX_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let event_id = Uuid::new_v4();
    sqlx::query("INSERT INTO outbox (event_id, kind, person_id, data, occurred_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(event_id.to_string())
        .bind(kind)
        .bind(person_id.map(|p| p.to_string()))
        .bind(data.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(event_id)
}

/// Records an event in a transaction of its own (the PostgreSQL lock is
/// transaction-scoped, so it needs one).
pub async fn record_now(
    db: &Db,
    kind: &str,
    person_id: Option<Uuid>,
    data: &serde_json::Value,
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    record(&mut tx, db.backend, kind, person_id, data, now).await?;
    tx.commit().await
}

type Row = (i64, String, String, Option<String>, String, i64);

/// A page of events for the bridge. A sent contribution's answers rest
/// sealed in its event and are opened here, to cross the signed sync.
pub async fn page(
    db: &Db,
    sealer: &content::seal::Sealer,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<OutboxEvent>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT seq, event_id, kind, person_id, data, occurred_at FROM outbox
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit.clamp(1, MAX_PAGE))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(seq, event_id, kind, person_id, data, occurred_at)| {
            let mut data: serde_json::Value = serde_json::from_str(&data).ok()?;
            if kind == crate::voice::SENT_EVENT {
                crate::voice::open_for_sync(sealer, &mut data);
            } else if kind == crate::messages::SENT_EVENT {
                crate::messages::open_for_sync(sealer, &mut data);
            }
            Some(OutboxEvent {
                seq,
                event_id: event_id.parse().ok()?,
                kind,
                person_id: person_id.and_then(|p| p.parse().ok()),
                data,
                occurred_at,
            })
        })
        .collect())
}

/// Marks everything up to `up_to` as safely stored by the bridge.
pub async fn ack(db: &Db, up_to: i64, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("UPDATE outbox SET acked_at = $1 WHERE seq <= $2 AND acked_at IS NULL")
        .bind(now)
        .bind(up_to)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// How many events the bridge has not yet acknowledged.
pub async fn pending(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL")
        .fetch_one(&db.pool)
        .await
}
