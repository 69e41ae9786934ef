//! "You have a new message" emails. They say only that: no sender, no text,
//! no case detail, since an email can be read by anyone who sees the
//! person's inbox. At most one an hour for a conversation, and none for a
//! person who turned them off or whose access has ended or is paused.

use content::db::Db;
use content::mail::Mailer;
use uuid::Uuid;

pub const SUBJECT: &str = "You have a new message on FamilyStory";

/// The gap between two emails for one conversation.
pub const EVERY_SECONDS: i64 = 3600;

/// The whole email: the same for everyone, with the link to sign in.
pub fn text(origin: &str) -> String {
    format!(
        "You have a new message on FamilyStory.\n\nSign in to read it: {}/messages\n\nYou can turn these emails off on your account page.\n",
        origin.trim_end_matches('/')
    )
}

/// Claims this hour's email for the person, if one is due: the address to
/// send to, or `None`. One statement, so two portal instances receiving
/// messages at once cannot both send.
pub async fn claim(db: &Db, person: Uuid, now: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "UPDATE people SET message_email_at = $1
         WHERE id = $2 AND message_emails_off = 0 AND email IS NOT NULL
           AND removed_at IS NULL AND frozen_at IS NULL
           AND (message_email_at IS NULL OR message_email_at <= $3)
         RETURNING email",
    )
    .bind(now)
    .bind(person.to_string())
    .bind(now - EVERY_SECONDS)
    .fetch_optional(&db.pool)
    .await
}

/// Sends the email if one is due, in the background: the push that brought
/// the message does not wait for the mail server.
pub async fn new_message(db: &Db, mailer: Option<&Mailer>, origin: &str, person: Uuid, now: i64) {
    let Some(mailer) = mailer.cloned() else {
        return;
    };
    let to = match claim(db, person, now).await {
        Ok(Some(to)) => to,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "could not decide whether to send a new-message email");
            return;
        }
    };
    let text = text(origin);
    tokio::spawn(async move {
        if let Err(error) = mailer.send(&to, SUBJECT, text).await {
            tracing::warn!(%error, "new-message email not sent");
        }
    });
}

/// Whether the person gets these emails.
pub async fn emails_on(db: &Db, person: Uuid) -> sqlx::Result<bool> {
    let off: Option<i64> =
        sqlx::query_scalar("SELECT message_emails_off FROM people WHERE id = $1")
            .bind(person.to_string())
            .fetch_optional(db.reader())
            .await?;
    Ok(off == Some(0))
}

pub async fn set_emails(db: &Db, person: Uuid, on: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE people SET message_emails_off = $1 WHERE id = $2")
        .bind(i64::from(!on))
        .bind(person.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}
