//! Messages between family members and the workers of their case. Owns
//! `conversations` and `messages`.
//!
//! Each family member who uses the portal has one conversation, keyed by
//! their portal id. A family member's message arrives in a `message_sent`
//! event from the portal's outbox; its text is taken out of the event before
//! the event is stored or recorded, kept here sealed, and the event and its
//! ledger entry carry only its SHA-256. A worker's message is a disclosure
//! (`send`): checked like a publication, recorded in the ledger by hash with
//! the decisions on each finding, and pushed to the portal in the same
//! transaction.
//!
//! - `inbox`: whose conversation it is (allocated workers, or the one it was
//!   handed over to), unread counts, "mark as done", hand-over, and what has
//!   waited two working days for the duty view.
//! - `send`: the content check on a worker's message and sending it.
//! - `digest`: the optional daily email to staff with unread counts only.
//! - `pages`: the inbox, the conversation page and the case page's part.

pub mod digest;
pub mod inbox;
pub mod pages;
pub mod send;

use content::db::Db;
use content::seal::Sealer;
use content::sync::{MessageBody, OutboxEvent};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use uuid::Uuid;

/// The portal's event kinds, and what the ledger records them as.
pub const SENT_EVENT: &str = "message_sent";
pub const READ_EVENT: &str = "messages_read";
pub const FAMILY_LEDGER_KIND: &str = "family_message";
pub const READ_LEDGER_KIND: &str = "family_messages_read";
/// A worker's message: a disclosure to one family member.
pub const STAFF_LEDGER_KIND: &str = "message";

/// The SHA-256 of a message's text, as the ledger records it.
pub fn text_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Takes the text out of a `message_sent` event, leaving its hash. Any
/// other event is left as it is.
pub fn take_body(event: &mut OutboxEvent) -> Option<MessageBody> {
    if event.kind != SENT_EVENT {
        return None;
    }
    let map = event.data.as_object_mut()?;
    let body = map.remove("body");
    map.remove("sealed");
    let body: MessageBody = body.and_then(|b| serde_json::from_value(b).ok())?;
    map.insert("text_sha256".into(), text_hash(&body.text).into());
    // The ledger keeps what identifies each file's bytes, never its name.
    let files: Vec<serde_json::Value> = body
        .attachments
        .iter()
        .map(|f| serde_json::json!({ "sha256": f.sha256, "size": f.size, "media_type": f.media_type }))
        .collect();
    if !files.is_empty() {
        map.insert("attachments".into(), files.into());
    }
    Some(body)
}

/// Fetches the files of the family messages in a page of outbox events and
/// stores each (sealed, once), before the page itself is stored: one file
/// in memory at a time, and a file stored before a crash is simply found
/// stored when the page is read again.
pub async fn fetch_files(
    db: &Db,
    client: &crate::sync::PortalClient,
    events: &[OutboxEvent],
) -> Result<(), crate::sync::SyncError> {
    for event in events.iter().filter(|e| e.kind == SENT_EVENT) {
        let Some(message_id) = event
            .data
            .get("message_id")
            .and_then(|v| v.as_str())
            .and_then(|v| v.parse::<Uuid>().ok())
        else {
            continue;
        };
        let body: Option<MessageBody> = event
            .data
            .get("body")
            .and_then(|b| serde_json::from_value(b.clone()).ok());
        for meta in body.map(|b| b.attachments).unwrap_or_default() {
            if crate::attachments::is_stored(db, meta.id).await? {
                continue;
            }
            let bytes = crate::attachments::fetch(client, &meta).await?;
            let mut conn = db.pool.acquire().await?;
            crate::attachments::store(&mut conn, db.sealer(), message_id, &meta, &bytes).await?;
        }
    }
    Ok(())
}

/// Stores a family member's message in the caller's transaction, and opens
/// (or reopens) their conversation as unanswered. A message seen before is
/// ignored.
pub async fn store_from_family(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    event: &OutboxEvent,
    body: &MessageBody,
    now: i64,
) -> sqlx::Result<()> {
    let id = event.data.get("message_id").and_then(|v| v.as_str());
    let (Some(id), Some(person)) = (id, event.person_id) else {
        tracing::warn!(event_id = %event.event_id, "a message without its id or person; not stored");
        return Ok(());
    };
    let person = person.to_string();
    let case_id: Option<i64> =
        sqlx::query_scalar("SELECT case_id FROM case_people WHERE portal_id = $1")
            .bind(&person)
            .fetch_optional(&mut *conn)
            .await?;
    let stored: Option<String> = sqlx::query_scalar(
        "INSERT INTO messages (id, person_portal_id, position, case_id, from_family, body, text_sha256, state, sent_at, received_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(p.position), 0) + 1 FROM messages p WHERE p.person_portal_id = $2), $3, 1, $4, $5, 'sent', $6, $7)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(&person)
    .bind(case_id)
    .bind(sealer.seal(&body.text))
    .bind(text_hash(&body.text))
    .bind(event.occurred_at)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let (Some(_), Some(case_id)) = (stored, case_id) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO conversations (person_portal_id, case_id, unanswered_since, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (person_portal_id) DO UPDATE SET
             unanswered_since = COALESCE(conversations.unanswered_since, excluded.unanswered_since),
             done_at = NULL, done_by = NULL, updated_at = excluded.updated_at",
    )
    .bind(&person)
    .bind(case_id)
    .bind(event.occurred_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The family member has seen the workers' messages a `messages_read` event
/// names. Only that person's own messages are touched.
pub async fn store_read(conn: &mut AnyConnection, event: &OutboxEvent) -> sqlx::Result<()> {
    if event.kind != READ_EVENT {
        return Ok(());
    }
    let Some(person) = event.person_id else {
        return Ok(());
    };
    let ids = event
        .data
        .get("message_ids")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    for id in ids.iter().filter_map(|v| v.as_str()) {
        sqlx::query(
            "UPDATE messages SET read_at = $1 WHERE id = $2 AND person_portal_id = $3 AND from_family = 0 AND read_at IS NULL",
        )
        .bind(event.occurred_at)
        .bind(id)
        .bind(person.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One message as staff read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: Uuid,
    pub from_family: bool,
    /// The worker who wrote it (a worker's message).
    pub staff_id: Option<String>,
    pub staff_name: Option<String>,
    pub text: String,
    pub text_sha256: String,
    /// `sent`, or `awaiting_approval`.
    pub state: String,
    pub sent_at: i64,
    pub read_at: Option<i64>,
    /// Who first read a family member's message.
    pub read_by: Option<String>,
    /// Files sent with it.
    pub attachments: Vec<content::sync::AttachmentMeta>,
}

type Row = (
    String,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

/// A family member's conversation, oldest first. Callers have already
/// scoped the person to a case the member may see.
pub async fn conversation(db: &Db, person_portal_id: &str) -> sqlx::Result<Vec<Message>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT m.id, m.from_family, m.staff_id, s.name, m.body, m.text_sha256, m.state, m.sent_at, m.read_at, r.name
         FROM messages m
         LEFT JOIN staff s ON s.id = m.staff_id
         LEFT JOIN staff r ON r.id = m.read_by
         WHERE m.person_portal_id = $1 ORDER BY m.position, m.id",
    )
    .bind(person_portal_id)
    .fetch_all(&db.pool)
    .await?;
    let mut messages: Vec<Message> = rows
        .into_iter()
        .filter_map(
            |(
                id,
                from_family,
                staff_id,
                staff_name,
                body,
                text_sha256,
                state,
                sent_at,
                read_at,
                read_by,
            )| {
                let text = db.unseal(&body).ok()?;
                Some(Message {
                    id: id.parse().ok()?,
                    from_family: from_family != 0,
                    staff_id,
                    staff_name,
                    text,
                    text_sha256,
                    state,
                    sent_at,
                    read_at,
                    read_by,
                    attachments: Vec::new(),
                })
            },
        )
        .collect();
    let ids: Vec<Uuid> = messages.iter().map(|m| m.id).collect();
    let mut conn = db.pool.acquire().await?;
    let mut files = crate::attachments::for_messages(&mut conn, &ids).await?;
    for m in &mut messages {
        m.attachments = files.remove(&m.id).unwrap_or_default();
    }
    Ok(messages)
}
