//! A family member's content erased on the portal, when the bridge says an
//! IG officer erased it (`PUT /internal/v1/people/{id}/erasure`).
//!
//! Their access ends first (`people::end_access`: sessions, passkeys, email
//! codes, invitations). Then, in one transaction: everything they wrote
//! (`contributions`, drafts and sent), every message of their conversation
//! both ways with its attachments (`erase_messages_of`), what they wrote
//! taken out of the outbox (the sealed text a not-yet-acknowledged event
//! carries), and their name, email and date of birth overwritten. Then the
//! storage is scrubbed (`content::db::scrub`), so no copy of the database
//! file and WAL opens to any of it, even with the key file. What was
//! published to them alone is erased by its own publication erasures, which
//! the bridge queues before this one. Repeating it changes nothing more.

use content::db::Db;
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::people;

/// What a person's name becomes.
pub const ERASED_NAME: &str = "(erased)";

/// Erases the person's content (see the module's notes).
pub async fn erase_person(db: &Db, id: Uuid, at: i64) -> sqlx::Result<()> {
    people::end_access(db, id, at).await?;
    let person = id.to_string();
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM contributions WHERE person_id = $1")
        .bind(&person)
        .execute(&mut *tx)
        .await?;
    erase_messages_of(&mut tx, id).await?;
    let events: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, data FROM outbox WHERE person_id = $1")
            .bind(&person)
            .fetch_all(&mut *tx)
            .await?;
    for (seq, data) in events {
        let Ok(serde_json::Value::Object(mut map)) = serde_json::from_str(&data) else {
            continue;
        };
        // A sent contribution's or message's text rests sealed in its event.
        // Both keys go, whichever is there.
        let removed = ["sealed", "body"].map(|key| map.remove(key).is_some());
        let had_text = removed.contains(&true);
        if had_text {
            map.insert("erased".into(), true.into());
            sqlx::query("UPDATE outbox SET data = $1 WHERE seq = $2")
                .bind(serde_json::Value::Object(map).to_string())
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query(
        "UPDATE people SET display_name = $1, first_name = $1, email = NULL, date_of_birth = NULL, updated_at = $2
         WHERE id = $3",
    )
    .bind(ERASED_NAME)
    .bind(at)
    .bind(&person)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    content::db::scrub(
        db,
        &[
            "contributions",
            "messages",
            "message_attachments",
            "outbox",
            "people",
        ],
    )
    .await
}

/// The message deletes a person's erasure needs, on the portal: every
/// message of their conversation (what they wrote and what workers wrote to
/// them) and every attachment. Owned by messaging (`portal/src/messages/`
/// owns `messages` and `message_attachments`): kept here, in one function,
/// until that module takes it over.
pub async fn erase_messages_of(conn: &mut AnyConnection, person: Uuid) -> sqlx::Result<u64> {
    crate::attachments::delete_for_person(conn, person).await?;
    let person = person.to_string();
    Ok(sqlx::query("DELETE FROM messages WHERE person_id = $1")
        .bind(person)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
