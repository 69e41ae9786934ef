//! The optional daily email for staff: how many family messages wait unread
//! in their conversations, and a link. Counts only, never a name or a word
//! of any message: an email leaves the council's network. Owns the
//! `message_digest` columns of `staff`.

use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use content::db::{now, Db};
use content::mail::Mailer;
use maud::{html, Markup};

use crate::auth::{Posted, StaffUser};
use crate::error::Result;
use crate::staff::{self, StaffMember};
use crate::views;
use crate::AppState;

/// At most one digest a day for each member.
pub const EVERY_SECONDS: i64 = 24 * 3600;

pub const SUBJECT: &str = "FamilyStory: unread messages";

/// The whole email: a count and the link.
pub fn text(unread: i64, bridge_url: &str) -> String {
    let count = if unread == 1 {
        "1 message from a family member is".to_string()
    } else {
        format!("{unread} messages from family members are")
    };
    format!(
        "{count} waiting unread in your FamilyStory conversations.\n\nRead them: {}/messages\n\nYou can turn this daily email off on your account page.\n",
        bridge_url.trim_end_matches('/')
    )
}

pub async fn wanted(db: &Db, staff_id: &str) -> sqlx::Result<bool> {
    let on: Option<i64> = sqlx::query_scalar("SELECT message_digest FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(on == Some(1))
}

pub async fn set_wanted(db: &Db, staff_id: &str, on: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE staff SET message_digest = $1 WHERE id = $2")
        .bind(i64::from(on))
        .bind(staff_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Claims today's digest for a member: `true` when it is theirs to send
/// (one statement, so two bridges cannot both send it).
async fn claim(db: &Db, staff_id: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE staff SET message_digest_at = $1
         WHERE id = $2 AND message_digest = 1 AND disabled_at IS NULL
           AND (message_digest_at IS NULL OR message_digest_at <= $3)",
    )
    .bind(now)
    .bind(staff_id)
    .bind(now - EVERY_SECONDS)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Sends every digest that is due: to each member who wants one, has unread
/// messages and has had none for a day. Returns how many were sent.
pub async fn send_due(db: &Db, mailer: &Mailer, bridge_url: &str, now: i64) -> sqlx::Result<usize> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM staff WHERE message_digest = 1 AND disabled_at IS NULL
           AND (message_digest_at IS NULL OR message_digest_at <= $1)",
    )
    .bind(now - EVERY_SECONDS)
    .fetch_all(&db.pool)
    .await?;
    let mut sent = 0;
    for id in ids {
        let Some(member): Option<StaffMember> = staff::find_by_id(db, &id).await? else {
            continue;
        };
        let unread = super::inbox::unread_count(db, &member).await?;
        if unread == 0 || !claim(db, &id, now).await? {
            continue;
        }
        match mailer
            .send(&member.email, SUBJECT, text(unread, bridge_url))
            .await
        {
            Ok(()) => sent += 1,
            Err(error) => tracing::warn!(%error, "a staff message digest was not sent"),
        }
    }
    Ok(sent)
}

/// Checks for due digests every `interval`, forever.
pub async fn run_forever(db: Db, mailer: Mailer, bridge_url: String, interval: Duration) {
    loop {
        if let Err(error) = send_due(&db, &mailer, &bridge_url, now()).await {
            tracing::warn!(%error, "staff message digests could not be checked");
        }
        tokio::time::sleep(interval).await;
    }
}

/// The account page's part.
pub fn setting(user: &StaffUser, on: bool) -> Markup {
    html! {
        h2 id="digest" { "Daily email about unread messages" }
        p {
            @if on { "Once a day, when family members' messages are waiting unread in your conversations, we email you how many. The email never says who wrote or what." }
            @else { "You can have a daily email saying how many family members' messages wait unread for you. It never says who wrote or what." }
        }
        form method="post" action="/account/message-digest" aria-label="Daily email about unread messages" {
            (views::csrf(user))
            input type="hidden" name="digest" value=(if on { "off" } else { "on" });
            button class="secondary" type="submit" {
                @if on { "Turn off the daily email" } @else { "Turn on the daily email" }
            }
        }
    }
}

pub async fn set(
    State(state): State<AppState>,
    user: StaffUser,
    Posted(form): Posted,
) -> Result<Response> {
    set_wanted(&state.db, &user.staff.id, form.get("digest") == "on").await?;
    Ok(Redirect::to("/account#digest").into_response())
}
