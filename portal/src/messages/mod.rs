//! Messages between a family member and the workers of their case. Owns
//! `messages` (and the message columns of `people`).
//!
//! Each family member has one conversation, named by their own id: a page
//! can only ever show the signed-in person's own, so a child's messages are
//! never shown to a parent, nor anyone's to another.
//!
//! The text is record content: sealed to the portal's key, never logged.
//! Sending writes the message and the outbox event that carries it to the
//! bridge in one transaction, with the text sealed inside the event (opened
//! only to cross the signed sync, as a contribution's answers are). A
//! worker's message arrives by a signed PUT with its own id, so a push
//! repeated after a lost answer is stored once.

pub mod notify;
pub mod pages;

use content::attachments::Attachment;
use content::db::Db;
use content::seal::Sealer;
use content::sync::{AttachmentMeta, MessageBody, MessagePush};
use uuid::Uuid;

use crate::outbox;

/// The outbox kind that carries a family member's message.
pub const SENT_EVENT: &str = "message_sent";
/// The outbox kind that tells the bridge a worker's messages were read.
pub const READ_EVENT: &str = "messages_read";

/// The longest message, in characters.
pub const MAX_CHARS: usize = 5000;
/// The most messages a person may send in an hour.
pub const MAX_PER_HOUR: i64 = 30;

/// One message of a conversation, as its family member sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: Uuid,
    pub from_family: bool,
    /// The worker's name, for a worker's message.
    pub author: Option<String>,
    pub text: String,
    pub sent_at: i64,
    /// The person's own message: when their worker first read it. A
    /// worker's message: when the person first saw it.
    pub read_at: Option<i64>,
    /// Files sent with it.
    pub attachments: Vec<AttachmentMeta>,
}

/// Why a message was not sent. Nothing was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLong(usize),
    /// Too many in the last hour; more may be sent from this time.
    TooMany {
        again_at: i64,
    },
}

impl Refusal {
    /// In words a parent or an 8-year-old understands, saying what to do.
    pub fn message(&self) -> String {
        match self {
            Refusal::Empty => "Write your message in the box, then press Send.".into(),
            Refusal::TooLong(n) => format!(
                "Your message can be up to 5,000 characters. You have written {n}. Make it shorter, or send the rest in another message."
            ),
            Refusal::TooMany { again_at } => format!(
                "You have sent {MAX_PER_HOUR} messages in the last hour. You can send another from {}. If you are in danger now, call 999.",
                content::when::time_of_day(*again_at)
            ),
        }
    }
}

/// What a message's text must be: not empty unless files come with it, and
/// not too long.
pub fn check_text(text: &str, with_files: bool) -> Result<(), Refusal> {
    let chars = text.chars().count();
    if text.trim().is_empty() && !with_files {
        return Err(Refusal::Empty);
    }
    if chars > MAX_CHARS {
        return Err(Refusal::TooLong(chars));
    }
    Ok(())
}

type Row = (String, i64, Option<String>, String, i64, Option<i64>);

fn from_row(
    sealer: &Sealer,
    (id, from_family, author, body, sent_at, read_at): Row,
) -> Option<Message> {
    let Ok(text) = sealer.open(&body) else {
        tracing::error!("a message could not be unsealed with this portal's key");
        return None;
    };
    Some(Message {
        id: id.parse().ok()?,
        from_family: from_family != 0,
        author,
        text,
        sent_at,
        read_at,
        attachments: Vec::new(),
    })
}

/// The person's conversation, oldest first (newest at the bottom).
pub async fn conversation(db: &Db, sealer: &Sealer, person: Uuid) -> sqlx::Result<Vec<Message>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, from_family, author, body, sent_at, read_at FROM messages
         WHERE person_id = $1 ORDER BY position, sent_at, id",
    )
    .bind(person.to_string())
    .fetch_all(db.reader())
    .await?;
    let mut messages: Vec<Message> = rows
        .into_iter()
        .filter_map(|r| from_row(sealer, r))
        .collect();
    let ids: Vec<Uuid> = messages.iter().map(|m| m.id).collect();
    let mut conn = db.reader().acquire().await?;
    let mut files = crate::attachments::for_messages(&mut conn, person, &ids).await?;
    for m in &mut messages {
        m.attachments = files.remove(&m.id).unwrap_or_default();
    }
    Ok(messages)
}

/// How many of the worker's messages the person has not seen yet.
pub async fn unread(db: &Db, person: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE person_id = $1 AND from_family = 0 AND read_at IS NULL",
    )
    .bind(person.to_string())
    .fetch_one(db.reader())
    .await
}

/// Sends the person's message with its checked files: all stored and put in
/// the outbox in one transaction, after the limits are checked. Returns its
/// id.
pub async fn send(
    db: &Db,
    sealer: &Sealer,
    person: Uuid,
    text: &str,
    files: &[Attachment],
    now: i64,
) -> sqlx::Result<Result<Uuid, Refusal>> {
    if let Err(refusal) = check_text(text, !files.is_empty()) {
        return Ok(Err(refusal));
    }
    let mut tx = db.pool.begin().await?;
    // Counted inside the transaction, so two instances cannot both let the
    // 31st through.
    let recent: Vec<i64> = sqlx::query_scalar(
        "SELECT sent_at FROM messages WHERE person_id = $1 AND from_family = 1 AND sent_at > $2
         ORDER BY sent_at",
    )
    .bind(person.to_string())
    .bind(now - 3600)
    .fetch_all(&mut *tx)
    .await?;
    if recent.len() as i64 >= MAX_PER_HOUR {
        let again_at = recent.first().copied().unwrap_or(now) + 3600;
        return Ok(Err(Refusal::TooMany { again_at }));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO messages (id, person_id, position, from_family, author, body, sent_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(p.position), 0) + 1 FROM messages p WHERE p.person_id = $2), 1, NULL, $3, $4)",
    )
    .bind(id.to_string())
    .bind(person.to_string())
    .bind(sealer.seal(text))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut attachments: Vec<AttachmentMeta> = Vec::with_capacity(files.len());
    for file in files {
        attachments.push(crate::attachments::store(&mut tx, sealer, id, person, file).await?);
    }
    let body = MessageBody {
        text: text.to_string(),
        attachments,
    };
    let data = serde_json::json!({
        "message_id": id,
        "sealed": sealer.seal(&serde_json::to_string(&body).unwrap_or_default()),
    });
    outbox::record(&mut tx, db.backend, SENT_EVENT, Some(person), &data, now).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Marks the worker's messages the person has now seen, and tells the bridge
/// in the same transaction. Does nothing (writes nothing) when all are read.
pub async fn seen(db: &Db, person: Uuid, messages: &[Message], now: i64) -> sqlx::Result<()> {
    let unseen: Vec<String> = messages
        .iter()
        .filter(|m| !m.from_family && m.read_at.is_none())
        .map(|m| m.id.to_string())
        .collect();
    if unseen.is_empty() {
        return Ok(());
    }
    let mut tx = db.pool.begin().await?;
    let mut marked = Vec::with_capacity(unseen.len());
    for id in &unseen {
        let done = sqlx::query(
            "UPDATE messages SET read_at = $1 WHERE id = $2 AND person_id = $3 AND from_family = 0 AND read_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(person.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            marked.push(id.clone());
        }
    }
    if !marked.is_empty() {
        let data = serde_json::json!({ "message_ids": marked });
        outbox::record(&mut tx, db.backend, READ_EVENT, Some(person), &data, now).await?;
    }
    tx.commit().await
}

/// Stores a worker's message pushed by the bridge. `true` when it is new
/// (a repeated push stores nothing and notifies no one).
pub async fn receive(db: &Db, sealer: &Sealer, id: Uuid, push: &MessagePush) -> sqlx::Result<bool> {
    let stored: Option<String> = sqlx::query_scalar(
        "INSERT INTO messages (id, person_id, position, from_family, author, body, sent_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(p.position), 0) + 1 FROM messages p WHERE p.person_id = $2), 0, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(id.to_string())
    .bind(push.person_id.to_string())
    .bind(&push.author)
    .bind(sealer.seal(&push.text))
    .bind(push.sent_at)
    .fetch_optional(&db.pool)
    .await?;
    Ok(stored.is_some())
}

/// A worker has read the person's message. `false` for an id the portal
/// does not hold as a family member's message.
pub async fn read_by_worker(db: &Db, id: Uuid, read_at: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE messages SET read_at = $1 WHERE id = $2 AND from_family = 1 AND read_at IS NULL",
    )
    .bind(read_at)
    .bind(id.to_string())
    .execute(&db.pool)
    .await?;
    let known: Option<String> =
        sqlx::query_scalar("SELECT id FROM messages WHERE id = $1 AND from_family = 1")
            .bind(id.to_string())
            .fetch_optional(&db.pool)
            .await?;
    Ok(known.is_some())
}

/// Opens a `message_sent` event's sealed text for the bridge: the only
/// place it leaves the portal's key.
pub fn open_for_sync(sealer: &Sealer, data: &mut serde_json::Value) {
    crate::voice::open_for_sync(sealer, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_must_say_something_and_not_too_much() {
        assert_eq!(check_text("  \n ", false), Err(Refusal::Empty));
        assert_eq!(check_text("", true), Ok(()), "a photo alone is a message");
        assert_eq!(
            check_text(&"é".repeat(MAX_CHARS), false),
            Ok(()),
            "characters, not bytes"
        );
        assert_eq!(
            check_text(&"a".repeat(MAX_CHARS + 1), false),
            Err(Refusal::TooLong(MAX_CHARS + 1))
        );
    }

    #[test]
    fn refusals_say_what_to_do() {
        assert!(Refusal::TooLong(5001)
            .message()
            .contains("You have written 5001"));
        let again = content::when::parse_local("2026-12-01T15:30").unwrap();
        let words = Refusal::TooMany { again_at: again }.message();
        assert!(
            words.contains("from 3:30pm") && words.contains("call 999"),
            "{words}"
        );
    }
}
