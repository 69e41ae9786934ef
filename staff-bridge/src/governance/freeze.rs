//! Pausing a family member's portal access (e.g. during an investigation)
//! and restoring it, by an IG officer or a manager, always with a reason.
//! The bridge's `case_people.frozen_at`, the ledger entry and the push to the
//! portal (`PUT /internal/v1/people/{id}/freeze`) are written in one
//! transaction; the portal ends the person's sessions when the push arrives
//! and shows "your account is paused" at sign-in until it is restored.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use content::db::{now, Db};
use content::sync::AccessFreeze;
use maud::html;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{family_member, kinds, manager_or_ig};
use crate::auth::{check_csrf, StaffUser};
use crate::error::{BridgeError, Result};
use crate::ledger::{self, NewEntry};
use crate::outgoing::{self, Push};
use crate::views::{self, FieldError};
use crate::AppState;

/// The longest reason kept (it goes into the ledger).
pub const MAX_REASON: usize = 500;

/// A reason as kept: trimmed, and not empty or too long.
pub fn reason(text: &str) -> std::result::Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Give a reason: it is recorded in the ledger");
    }
    if text.chars().count() > MAX_REASON {
        return Err("Keep the reason to 500 characters or fewer");
    }
    Ok(text.to_string())
}

/// Pauses (`frozen`) or restores a person's access, with the reason, in one
/// transaction with its ledger entry and its push. Returns false when it was
/// already so, and then changes nothing.
pub async fn set(
    db: &Db,
    portal_id: Uuid,
    frozen: bool,
    reason: &str,
    by: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let id = portal_id.to_string();
    let mut tx = db.pool.begin().await?;
    let query = if frozen {
        sqlx::query(
            "UPDATE case_people SET frozen_at = $1, frozen_reason = $2 WHERE portal_id = $3 AND frozen_at IS NULL",
        )
        .bind(now)
        .bind(reason)
        .bind(&id)
    } else {
        sqlx::query(
            "UPDATE case_people SET frozen_at = NULL, frozen_reason = NULL WHERE portal_id = $1 AND frozen_at IS NOT NULL",
        )
        .bind(&id)
    };
    let changed = query.execute(&mut *tx).await?.rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: if frozen {
                kinds::FAMILY_ACCESS_FROZEN
            } else {
                kinds::FAMILY_ACCESS_UNFROZEN
            },
            actor: Some(by),
            subject: Some(&id),
            data: json!({ "reason": reason, "by": by }),
        },
        now,
    )
    .await?;
    outgoing::enqueue(
        &mut tx,
        db.sealer(),
        &Push::Freeze(portal_id, AccessFreeze { frozen, at: now }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

async fn frozen_at(db: &Db, portal_id: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT frozen_at FROM case_people WHERE portal_id = $1")
        .bind(portal_id)
        .fetch_one(&db.pool)
        .await
}

pub async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<Response> {
    manager_or_ig(&user)?;
    let (_, name, _) = family_member(&state.db, &id).await?;
    let frozen = frozen_at(&state.db, &id).await?;
    Ok(form_page(
        &user,
        StatusCode::OK,
        &id,
        &name,
        frozen,
        "",
        &[],
    ))
}

#[derive(Deserialize)]
pub struct FreezeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path(id): Path<String>,
    Form(form): Form<FreezeForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    manager_or_ig(&user)?;
    let (_, name, _) = family_member(&state.db, &id).await?;
    let portal_id: Uuid = id.parse().map_err(|_| BridgeError::NotFound)?;
    let frozen = frozen_at(&state.db, &id).await?;
    let reason = match reason(&form.reason) {
        Ok(reason) => reason,
        Err(message) => {
            let errors = [FieldError::new("reason", message)];
            return Ok(form_page(
                &user,
                StatusCode::BAD_REQUEST,
                &id,
                &name,
                frozen,
                &form.reason,
                &errors,
            ));
        }
    };
    set(
        &state.db,
        portal_id,
        frozen.is_none(),
        &reason,
        &user.staff.id,
        now(),
    )
    .await?;
    state.sync_wake.notify_one();
    Ok(Redirect::to(&format!("/governance/people/{id}/freeze")).into_response())
}

fn form_page(
    user: &StaffUser,
    status: StatusCode,
    id: &str,
    name: &str,
    frozen: Option<i64>,
    reason: &str,
    errors: &[FieldError],
) -> Response {
    let (title, button, hint) = match frozen {
        None => (
            format!("Pause {name}’s FamilyStory access"),
            "Pause access",
            "They are signed out at once and cannot sign in: FamilyStory tells them only that their account is paused and to contact their worker.",
        ),
        Some(_) => (
            format!("Restore {name}’s FamilyStory access"),
            "Restore access",
            "They can sign in again as before, with the same passkeys and email.",
        ),
    };
    views::page_with_status(
        user,
        status,
        &views::title(&title, errors),
        html! {
            (views::error_summary(errors))
            h1 { (title) }
            @if let Some(at) = frozen {
                p class="inset" { (name) "’s access has been paused since " (views::when(at)) "." }
            }
            p { (hint) }
            form method="post" action={ "/governance/people/" (id) "/freeze" } novalidate {
                (views::csrf(user))
                (views::Input { id: "reason", name: "reason", label: "Reason",
                    hint: Some("Recorded in the ledger. Do not write record details."),
                    value: reason, kind: "text", autocomplete: "off" }.render(errors))
                button class=(if frozen.is_none() { "button button-warning" } else { "button" }) type="submit" { (button) }
            }
        },
    )
}
