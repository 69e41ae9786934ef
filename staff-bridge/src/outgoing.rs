//! The queue of requests to the portal's internal API. Owns `outgoing`.
//!
//! Whatever the bridge decides to push is written here first, in the same
//! transaction as the decision; the sync worker sends the queue in order, each
//! entry until the portal accepts it. The portal's PUTs are idempotent, so a
//! request that landed but whose answer was lost is simply sent again.

use content::db::Db;
use content::seal::Sealer;
use content::sync::{
    AccessEnded, AccessFreeze, EmailSignInRestored, InvitationPush, InvitationRevocation,
    MessagePush, MessageReadPush, PasskeyRevocation, PersonErasure, PersonPush, PublicationErasure,
    PublicationPush, WithdrawalPush,
};
use sqlx::AnyConnection;
use uuid::Uuid;

/// One request for the portal.
#[derive(Debug, Clone, PartialEq)]
pub enum Push {
    Person(Uuid, PersonPush),
    Publication(Uuid, PublicationPush),
    Withdrawal(Uuid, WithdrawalPush),
    /// A family invitation: the invitation's id and the code's hash only.
    Invitation(Uuid, InvitationPush),
    InvitationRevocation(Uuid, InvitationRevocation),
    /// A lost phone: the person's portal id.
    PasskeyRevocation(Uuid, PasskeyRevocation),
    /// Removed from the case: the person's portal id.
    AccessEnded(Uuid, AccessEnded),
    /// Email sign-in back on after a lost phone: the person's portal id.
    EmailSignInRestored(Uuid, EmailSignInRestored),
    /// What became of a contribution (a correction request's decision).
    ContributionStatus(Uuid, content::sync::ContributionStatusPush),
    /// Access paused or restored by the IG console: the person's portal id.
    Freeze(Uuid, AccessFreeze),
    /// A publication's content erased: its id.
    Erasure(Uuid, PublicationErasure),
    /// A family member's content erased in one step: their portal id.
    PersonErasure(Uuid, PersonErasure),
    /// A worker's file, before the message naming it: its id. Queued
    /// without its bytes (`data` empty); `next_pending` reads them from
    /// `attachments` when the entry is about to be sent.
    Attachment(Uuid, content::sync::AttachmentPush),
    /// A worker's message to a family member: the message's id.
    Message(Uuid, MessagePush),
    /// A worker read a family member's message: the message's id.
    MessageRead(Uuid, MessageReadPush),
}

impl Push {
    fn path(&self) -> String {
        match self {
            Push::Person(id, _) => format!("/internal/v1/people/{id}"),
            Push::Publication(id, _) => format!("/internal/v1/publications/{id}"),
            Push::Withdrawal(id, _) => format!("/internal/v1/publications/{id}/withdrawal"),
            Push::Invitation(id, _) => format!("/internal/v1/invitations/{id}"),
            Push::InvitationRevocation(id, _) => {
                format!("/internal/v1/invitations/{id}/revocation")
            }
            Push::PasskeyRevocation(id, _) => {
                format!("/internal/v1/people/{id}/passkey-revocation")
            }
            Push::AccessEnded(id, _) => format!("/internal/v1/people/{id}/access-ended"),
            Push::EmailSignInRestored(id, _) => format!("/internal/v1/people/{id}/email-sign-in"),
            Push::ContributionStatus(id, _) => format!("/internal/v1/contributions/{id}/status"),
            Push::Freeze(id, _) => format!("/internal/v1/people/{id}/freeze"),
            Push::Erasure(id, _) => format!("/internal/v1/publications/{id}/erasure"),
            Push::PersonErasure(id, _) => format!("/internal/v1/people/{id}/erasure"),
            Push::Attachment(id, _) => format!("/internal/v1/attachments/{id}"),
            Push::Message(id, _) => format!("/internal/v1/messages/{id}"),
            Push::MessageRead(id, _) => format!("/internal/v1/messages/{id}/read"),
        }
    }

    // Plain structs of strings and numbers: serde_json fails only on maps
    // with non-string keys, which none of them has.
    #[allow(clippy::expect_used)]
    fn body(&self) -> String {
        let json = match self {
            Push::Person(_, p) => serde_json::to_string(p),
            Push::Publication(_, p) => serde_json::to_string(p),
            Push::Withdrawal(_, p) => serde_json::to_string(p),
            Push::Invitation(_, p) => serde_json::to_string(p),
            Push::InvitationRevocation(_, p) => serde_json::to_string(p),
            Push::PasskeyRevocation(_, p) => serde_json::to_string(p),
            Push::AccessEnded(_, p) => serde_json::to_string(p),
            Push::EmailSignInRestored(_, p) => serde_json::to_string(p),
            Push::ContributionStatus(_, p) => serde_json::to_string(p),
            Push::Freeze(_, p) => serde_json::to_string(p),
            Push::Erasure(_, p) => serde_json::to_string(p),
            Push::PersonErasure(_, p) => serde_json::to_string(p),
            Push::Attachment(_, p) => serde_json::to_string(p),
            Push::Message(_, p) => serde_json::to_string(p),
            Push::MessageRead(_, p) => serde_json::to_string(p),
        };
        json.expect("push bodies serialise")
    }
}

/// Queues a push inside the caller's transaction. The body carries record
/// text and names, so it is sealed with the bridge's key until it is sent.
pub async fn enqueue(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    push: &Push,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO outgoing (method, path, body, created_at) VALUES ('PUT', $1, $2, $3) RETURNING id")
        .bind(push.path())
        .bind(sealer.seal(&push.body()))
        .bind(now)
        .fetch_one(conn)
        .await
}

#[derive(Debug, Clone)]
pub struct Pending {
    pub id: i64,
    pub method: String,
    pub path: String,
    pub body: String,
}

/// The oldest entries not yet accepted, in order. A file push ends the
/// batch, its bytes read only now: however many files are queued, one at
/// most is in memory.
pub async fn next_pending(db: &Db, limit: i64) -> sqlx::Result<Vec<Pending>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, method, path, body FROM outgoing WHERE sent_at IS NULL ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut batch = Vec::new();
    for (id, method, path, body) in rows {
        let mut body = db.unseal(&body)?;
        let file = crate::attachments::is_push(&method, &path);
        if file {
            body = crate::attachments::wire_body(db, &path, &body).await?;
        }
        batch.push(Pending {
            id,
            method,
            path,
            body,
        });
        if file {
            break;
        }
    }
    Ok(batch)
}

/// Records the portal's final answer for an entry.
pub async fn mark_done(db: &Db, id: i64, outcome: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outgoing SET sent_at = $1, outcome = $2, attempts = attempts + 1 WHERE id = $3",
    )
    .bind(now)
    .bind(outcome)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn mark_attempt(db: &Db, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE outgoing SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn pending_count(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM outgoing WHERE sent_at IS NULL")
        .fetch_one(&db.pool)
        .await
}
