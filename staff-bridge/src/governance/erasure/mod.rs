//! Erasure of a publication's content, decided by an IG officer with a
//! reason: every version's title and body overwritten on the bridge (its
//! drafts) and on the portal (`PUT /internal/v1/publications/{id}/erasure`),
//! the queued pushes that carried the text deleted, and both services'
//! storage scrubbed (`content::db::scrub`: on SQLite the file rebuilt and the
//! WAL truncated), so that no copy of the database files and WAL, even with
//! the key file, opens to the text. The ledger is never touched: its entries
//! keep the hashes of what was published and who saw it, and a
//! `publication_erased` entry records the erasure, so `audit verify` still
//! passes.
//!
//! The case system's own document a draft started from (`case_documents`) is
//! the council's record, imported again at the next sync, and is not erased
//! here.
//!
//! - `person`: a family member's content erased in one step.
//! - `messages`: the message deletes a person's erasure needs (owned by
//!   messaging; kept here until that module takes them).
//! - `retention`: what the retention periods make due, and its page.

pub mod messages;
pub mod person;
pub mod retention;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use content::db::{now, Db};
use content::sync::PublicationErasure;
use maud::html;
use serde::Deserialize;
use serde_json::json;
use sqlx::AnyConnection;
use uuid::Uuid;

use super::freeze::reason;
use super::{console_nav, ig_only, kinds};
use crate::auth::{check_csrf, StaffUser};
use crate::error::{BridgeError, Result};
use crate::ledger::{self, NewEntry};
use crate::outgoing::{self, Push};
use crate::views::{self, FieldError};
use crate::AppState;

/// Erases a publication's content (every version), recorded in the ledger
/// and pushed to the portal in one transaction, then scrubs the bridge's
/// storage. Returns how many drafts were overwritten (0: nothing to erase,
/// and nothing was changed or recorded).
pub async fn erase_publication(
    db: &Db,
    publication: Uuid,
    reason: &str,
    by: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let mut tx = db.pool.begin().await?;
    let erased = erase_publication_in(&mut tx, db, publication, reason, by, now).await?;
    if erased == 0 {
        return Ok(0);
    }
    tx.commit().await?;
    content::db::scrub(db, &["drafts", "outgoing"]).await?;
    Ok(erased)
}

/// `erase_publication`'s changes in the caller's transaction, without the
/// scrub (the caller scrubs after committing): the drafts overwritten, the
/// pushes that carried the text deleted, the ledger entry and the push to
/// the portal. Returns how many drafts were overwritten (0: nothing done).
pub async fn erase_publication_in(
    tx: &mut AnyConnection,
    db: &Db,
    publication: Uuid,
    reason: &str,
    by: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let id = publication.to_string();
    let empty = db.sealer().seal("");
    let versions: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT version FROM drafts WHERE publication_id = $1 AND erased_at IS NULL ORDER BY version",
    )
    .bind(&id)
    .fetch_all(&mut *tx)
    .await?;
    if versions.is_empty() {
        return Ok(0);
    }
    let erased = sqlx::query(
        "UPDATE drafts SET title = $1, body = $1, erased_at = $2, updated_at = $2 WHERE publication_id = $3 AND erased_at IS NULL",
    )
    .bind(&empty)
    .bind(now)
    .bind(&id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Every push that carried its text, sent or not: the portal is told to
    // erase instead.
    sqlx::query("DELETE FROM outgoing WHERE path = $1")
        .bind(format!("/internal/v1/publications/{id}"))
        .execute(&mut *tx)
        .await?;
    ledger::append(
        &mut *tx,
        db.backend,
        &NewEntry {
            kind: kinds::PUBLICATION_ERASED,
            actor: Some(by),
            subject: Some(&id),
            data: json!({
                "publication_id": id,
                "versions": versions.into_iter().flatten().collect::<Vec<_>>(),
                "reason": reason,
                "by": by,
            }),
        },
        now,
    )
    .await?;
    outgoing::enqueue(
        &mut *tx,
        db.sealer(),
        &Push::Erasure(publication, PublicationErasure { erased_at: now }),
        now,
    )
    .await?;
    Ok(erased)
}

pub async fn page(user: StaffUser, Path(id): Path<String>) -> Result<Response> {
    ig_only(&user)?;
    let publication: Uuid = id.parse().map_err(|_| BridgeError::NotFound)?;
    Ok(form_page(&user, StatusCode::OK, publication, "", &[]))
}

#[derive(Deserialize)]
pub struct EraseForm {
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
    Form(form): Form<EraseForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    ig_only(&user)?;
    let publication: Uuid = id.parse().map_err(|_| BridgeError::NotFound)?;
    let reason = match reason(&form.reason) {
        Ok(reason) => reason,
        Err(message) => {
            let errors = [FieldError::new("reason", message)];
            return Ok(form_page(
                &user,
                StatusCode::BAD_REQUEST,
                publication,
                &form.reason,
                &errors,
            ));
        }
    };
    if erase_publication(&state.db, publication, &reason, &user.staff.id, now()).await? == 0 {
        return Err(BridgeError::NotFound);
    }
    state.sync_wake.notify_one();
    Ok(Redirect::to(&format!("/governance/publications/{publication}")).into_response())
}

fn form_page(
    user: &StaffUser,
    status: StatusCode,
    publication: Uuid,
    reason: &str,
    errors: &[FieldError],
) -> Response {
    views::page_with_status(
        user,
        status,
        &views::title("Erase this publication", errors),
        html! {
            (views::error_summary(errors))
            h1 { "Erase this publication" }
            (console_nav())
            div class="warning-text" {
                p { strong { "This cannot be undone." } " Every version’s title and text is destroyed here and on FamilyStory, and its readers no longer see it. The ledger keeps what it always holds: who was sent what and when, and the hashes of the text." }
            }
            form method="post" action={ "/governance/publications/" (publication) "/erase" } novalidate {
                (views::csrf(user))
                (views::Input { id: "reason", name: "reason", label: "Reason",
                    hint: Some("For example, the retention period ended. Recorded in the ledger."),
                    value: reason, kind: "text", autocomplete: "off" }.render(errors))
                button class="button button-warning" type="submit" { "Erase it" }
            }
        },
    )
}
