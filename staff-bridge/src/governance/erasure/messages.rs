//! The message deletes a family member's erasure needs, on the bridge.
//!
//! Owned by messaging (`staff-bridge/src/messages/` owns `conversations`,
//! `messages` and `message_attachments`): kept here, in one function, until
//! that module takes it over. Both directions of the person's conversation
//! go: what they wrote and what workers wrote to them.

use content::seal::Sealer;
use sqlx::AnyConnection;

/// What was erased: the messages' ids (for the pushes that carried them) and
/// their attachments' ids.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ErasedMessages {
    pub messages: Vec<String>,
    pub attachments: Vec<String>,
}

/// In the caller's transaction: every attachment of the person's
/// conversation deleted, and every message's text overwritten with sealed
/// empty text and its content-check decisions (which quote it) removed. The
/// rows themselves stay, with who, when and the ledger's hash, so the
/// reports still count them and the duty view stays true.
pub async fn erase_messages_of(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    portal_id: &str,
) -> sqlx::Result<ErasedMessages> {
    let messages: Vec<String> =
        sqlx::query_scalar("SELECT id FROM messages WHERE person_portal_id = $1 ORDER BY id")
            .bind(portal_id)
            .fetch_all(&mut *conn)
            .await?;
    let attachments: Vec<String> = sqlx::query_scalar(
        "SELECT a.id FROM message_attachments a JOIN messages m ON m.id = a.message_id
         WHERE m.person_portal_id = $1 ORDER BY a.id",
    )
    .bind(portal_id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM message_attachments WHERE message_id IN
         (SELECT id FROM messages WHERE person_portal_id = $1)",
    )
    .bind(portal_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE messages SET body = $1, decisions = NULL WHERE person_portal_id = $2")
        .bind(sealer.seal(""))
        .bind(portal_id)
        .execute(&mut *conn)
        .await?;
    Ok(ErasedMessages {
        messages,
        attachments,
    })
}
