//! What was published, to whom. Owns `publication_versions`,
//! `publication_audience` and `withdrawals`.

use content::db::Db;
use content::seal::Sealer;
use content::sync::{PublicationPush, WithdrawalPush};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::outbox;

#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    New,
    /// The same version with the same content was already here: a retry.
    AlreadyHere,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("version {0} of this publication is already stored with different content")]
    Conflict(i64),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The hash that tells a retry from a conflicting push.
fn push_hash(push: &PublicationPush) -> String {
    let mut audience: Vec<String> = push.audience.iter().map(Uuid::to_string).collect();
    audience.sort();
    let mut hasher = Sha256::new();
    for part in [
        push.kind.as_str(),
        push.title.as_str(),
        push.body_markdown.as_str(),
        &audience.join(","),
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.update(push.published_at.to_be_bytes());
    // Only when present, so a push without a meeting hashes as it always did.
    if let Some(at) = push.meeting_at {
        hasher.update(b"meeting_at");
        hasher.update(at.to_be_bytes());
    }
    if let Some(reply_to) = push.in_reply_to {
        hasher.update(b"in_reply_to");
        hasher.update(reply_to.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Stores one version, and tells the bridge it arrived, in one transaction.
pub async fn store_version(
    db: &Db,
    sealer: &Sealer,
    id: Uuid,
    push: &PublicationPush,
    now: i64,
) -> Result<Stored, StoreError> {
    match try_store_version(db, sealer, id, push, now).await {
        // Two senders raced with the same version and the other won: asking
        // again compares against what it stored.
        Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            try_store_version(db, sealer, id, push, now).await
        }
        other => other,
    }
}

async fn try_store_version(
    db: &Db,
    sealer: &Sealer,
    id: Uuid,
    push: &PublicationPush,
    now: i64,
) -> Result<Stored, StoreError> {
    let hash = push_hash(push);
    let mut tx = db.pool.begin().await?;
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT content_hash FROM publication_versions WHERE publication_id = $1 AND version = $2",
    )
    .bind(id.to_string())
    .bind(push.version)
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        Some(existing) if existing == hash => return Ok(Stored::AlreadyHere),
        Some(_) => return Err(StoreError::Conflict(push.version)),
        None => {}
    }
    sqlx::query(
        "INSERT INTO publication_versions
             (publication_id, version, kind, title, body_markdown, content_hash, published_at, received_at, meeting_at, in_reply_to)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_string())
    .bind(push.version)
    .bind(&push.kind)
    .bind(sealer.seal(&push.title))
    .bind(sealer.seal(&push.body_markdown))
    .bind(&hash)
    .bind(push.published_at)
    .bind(now)
    .bind(push.meeting_at)
    .bind(push.in_reply_to.map(|c| c.to_string()))
    .execute(&mut *tx)
    .await?;
    let mut audience = push.audience.clone();
    audience.sort();
    audience.dedup();
    for person in &audience {
        sqlx::query("INSERT INTO publication_audience (publication_id, version, person_id) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(push.version)
            .bind(person.to_string())
            .execute(&mut *tx)
            .await?;
    }
    outbox::record(
        &mut tx,
        db.backend,
        "publication_received",
        None,
        &serde_json::json!({ "publication_id": id, "version": push.version }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Stored::New)
}

/// Stops the publication being shown, whether or not it has arrived yet.
pub async fn withdraw(db: &Db, id: Uuid, push: &WithdrawalPush, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO withdrawals (publication_id, withdrawn_at, received_at) VALUES ($1, $2, $3)
         ON CONFLICT (publication_id) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(push.withdrawn_at)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A published item as its reader sees it: always the newest version.
#[derive(Debug, Clone, PartialEq)]
pub struct Visible {
    pub id: Uuid,
    pub version: i64,
    pub kind: String,
    pub title: String,
    pub body_markdown: String,
    pub published_at: i64,
    pub meeting_at: Option<i64>,
    /// The contribution this answers ("you said, we did").
    pub in_reply_to: Option<Uuid>,
}

type VisibleRow = (
    String,
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

/// Everything currently published to `person`: the newest version of each
/// item whose newest version names them, and nothing withdrawn.
pub async fn visible_to(db: &Db, sealer: &Sealer, person: Uuid) -> sqlx::Result<Vec<Visible>> {
    let rows: Vec<VisibleRow> = sqlx::query_as(
        "SELECT v.publication_id, v.version, v.kind, v.title, v.body_markdown, v.published_at, v.meeting_at, v.in_reply_to
         FROM publication_versions v
         JOIN publication_audience a ON a.publication_id = v.publication_id AND a.version = v.version
         WHERE a.person_id = $1
           AND v.version = (SELECT MAX(version) FROM publication_versions m WHERE m.publication_id = v.publication_id)
           AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.publication_id = v.publication_id)
         ORDER BY v.published_at DESC, v.publication_id",
    )
    .bind(person.to_string())
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(id, version, kind, title, body_markdown, published_at, meeting_at, in_reply_to)| {
                let (Ok(title), Ok(body_markdown)) = (
                    sealer.open_cached(&title),
                    sealer.open_cached(&body_markdown),
                ) else {
                    tracing::error!("a publication could not be unsealed with this portal's key");
                    return None;
                };
                Some(Visible {
                    id: id.parse().ok()?,
                    version,
                    kind,
                    title: title.to_string(),
                    body_markdown: body_markdown.to_string(),
                    published_at,
                    meeting_at,
                    in_reply_to: in_reply_to.and_then(|c| c.parse().ok()),
                })
            },
        )
        .collect())
}

/// The first view of each version by each reader goes to the bridge, once.
pub async fn record_view(db: &Db, person: Uuid, item: &Visible, now: i64) -> sqlx::Result<()> {
    // Seen before: nothing to write, so reading again does not wait for the writer.
    let seen: Option<i64> = sqlx::query_scalar(
        "SELECT version FROM first_views WHERE person_id = $1 AND publication_id = $2 AND version = $3",
    )
    .bind(person.to_string())
    .bind(item.id.to_string())
    .bind(item.version)
    .fetch_optional(db.reader())
    .await?;
    if seen.is_some() {
        return Ok(());
    }
    let mut tx = db.pool.begin().await?;
    // RETURNING answers a row only when this was the first view.
    let first: Option<String> = sqlx::query_scalar(
        "INSERT INTO first_views (person_id, publication_id, version, viewed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (person_id, publication_id, version) DO NOTHING RETURNING person_id",
    )
    .bind(person.to_string())
    .bind(item.id.to_string())
    .bind(item.version)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if first.is_some() {
        outbox::record(
            &mut tx,
            db.backend,
            "publication_viewed",
            Some(person),
            &serde_json::json!({ "publication_id": item.id, "version": item.version }),
            now,
        )
        .await?;
    }
    tx.commit().await
}

/// Erasure: every version's title and body overwritten (sealed empty text,
/// so readers of the table still open it), the publication withdrawn so it
/// is never shown again, then the storage scrubbed (`content::db::scrub`) so
/// that neither the database file nor its WAL keeps the old ciphertext,
/// which this portal's key would open. The audience and ids stay: they are
/// what was disclosed, not what it said.
pub async fn erase(
    db: &Db,
    sealer: &Sealer,
    id: Uuid,
    erased_at: i64,
    now: i64,
) -> sqlx::Result<()> {
    let empty = sealer.seal("");
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE publication_versions SET title = $1, body_markdown = $1 WHERE publication_id = $2",
    )
    .bind(&empty)
    .bind(id.to_string())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO withdrawals (publication_id, withdrawn_at, received_at) VALUES ($1, $2, $3)
         ON CONFLICT (publication_id) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(erased_at)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    content::db::scrub(db, &["publication_versions"]).await
}
