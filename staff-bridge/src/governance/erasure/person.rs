//! A family member's content erased in one step, by an IG officer with a
//! reason (`/governance/people/{portal id}/erase`).
//!
//! In one transaction the bridge erases every publication disclosed to them
//! alone (as `erase_publication` does, each with its own ledger entry and
//! push), overwrites the text of everything they sent (`contributions`) and
//! of both directions of their conversation (`erasure::messages`), deletes
//! the queued pushes that carried any of it or their name and date of birth,
//! marks them erased (`case_people.erased_at`), appends one `person_erased`
//! ledger entry and queues `PUT /internal/v1/people/{id}/erasure`; then it
//! scrubs its storage. The portal, when the push arrives, ends their access,
//! deletes what they sent and their messages, and overwrites their name,
//! email and date of birth. The ledger keeps every entry and hash.
//!
//! What stays on the bridge: the case system's record of them
//! (`case_people`, imported), staff's own notes of what was done about a
//! contribution (`contribution_outcomes`), and publications they shared with
//! others (erase those one by one if they must go).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use content::db::{now, Db};
use content::sync::PersonErasure;
use maud::html;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::super::freeze::reason;
use super::super::{console_nav, family_member, ig_only, kinds};
use super::erase_publication_in;
use super::messages::erase_messages_of;
use crate::auth::{check_csrf, StaffUser};
use crate::error::{BridgeError, Result};
use crate::ledger::{self, NewEntry};
use crate::outgoing::{self, Push};
use crate::views::{self, FieldError};
use crate::AppState;

/// What a person's erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonErased {
    /// The publications disclosed to them alone, now erased.
    pub publications: Vec<Uuid>,
    /// Contribution revisions overwritten.
    pub contributions: u64,
    /// Messages of their conversation overwritten.
    pub messages: u64,
}

/// The publications every version of which went to `portal_id` alone, from
/// the ledger's publication entries.
pub async fn published_to_them_alone(
    conn: &mut sqlx::AnyConnection,
    portal_id: &str,
) -> sqlx::Result<Vec<Uuid>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT data FROM ledger WHERE kind = 'publication' AND data LIKE $1 ORDER BY seq",
    )
    .bind(format!("%{portal_id}%"))
    .fetch_all(&mut *conn)
    .await?;
    // publication -> whether every version so far went to them alone
    let mut alone: BTreeMap<String, bool> = BTreeMap::new();
    for data in rows {
        let data: Value = serde_json::from_str(&data).unwrap_or_default();
        let Some(id) = data.get("publication_id").and_then(Value::as_str) else {
            continue;
        };
        let readers: Vec<&str> = data
            .get("audience")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("portal_id").and_then(Value::as_str))
            .collect();
        let only_them = readers == [portal_id];
        let slot = alone.entry(id.to_string()).or_insert(true);
        *slot = *slot && only_them;
    }
    Ok(alone
        .into_iter()
        .filter(|(_, alone)| *alone)
        .filter_map(|(id, _)| id.parse().ok())
        .collect())
}

/// Erases a family member's content (see the module's notes). `None` when
/// there is no such person or they were erased already: nothing changes.
pub async fn erase_person(
    db: &Db,
    portal_id: Uuid,
    reason: &str,
    by: &str,
    now: i64,
) -> sqlx::Result<Option<PersonErased>> {
    let id = portal_id.to_string();
    let mut tx = db.pool.begin().await?;
    let marked = sqlx::query(
        // Removed too, so no one can invite them again.
        "UPDATE case_people SET erased_at = $1, removed_at = COALESCE(removed_at, $1) WHERE portal_id = $2 AND erased_at IS NULL",
    )
    .bind(now)
    .bind(&id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if marked == 0 {
        return Ok(None);
    }
    let mut publications = Vec::new();
    for publication in published_to_them_alone(&mut tx, &id).await? {
        if erase_publication_in(&mut tx, db, publication, reason, by, now).await? > 0 {
            publications.push(publication);
        }
    }
    let contribution_ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT id FROM contributions WHERE person_portal_id = $1 ORDER BY id",
    )
    .bind(&id)
    .fetch_all(&mut *tx)
    .await?;
    let contributions =
        sqlx::query("UPDATE contributions SET body = $1 WHERE person_portal_id = $2")
            .bind(db.sealer().seal(""))
            .bind(&id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    let erased = erase_messages_of(&mut tx, db.sealer(), &id).await?;
    // Every queued push, sent or not, that carried what they or their
    // workers wrote, or their name and date of birth.
    let mut paths = vec![format!("/internal/v1/people/{id}")];
    paths.extend(
        contribution_ids
            .iter()
            .map(|c| format!("/internal/v1/contributions/{c}/status")),
    );
    for m in &erased.messages {
        paths.push(format!("/internal/v1/messages/{m}"));
        paths.push(format!("/internal/v1/messages/{m}/read"));
    }
    paths.extend(
        erased
            .attachments
            .iter()
            .map(|a| format!("/internal/v1/attachments/{a}")),
    );
    for path in &paths {
        sqlx::query("DELETE FROM outgoing WHERE path = $1")
            .bind(path)
            .execute(&mut *tx)
            .await?;
    }
    let done = PersonErased {
        publications,
        contributions,
        messages: erased.messages.len() as u64,
    };
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: kinds::PERSON_ERASED,
            actor: Some(by),
            subject: Some(&id),
            data: json!({
                "portal_id": id,
                "publications": done.publications.iter().map(Uuid::to_string).collect::<Vec<_>>(),
                "contributions": done.contributions,
                "messages": done.messages,
                "reason": reason,
                "by": by,
            }),
        },
        now,
    )
    .await?;
    outgoing::enqueue(
        &mut tx,
        db.sealer(),
        &Push::PersonErasure(portal_id, PersonErasure { erased_at: now }),
        now,
    )
    .await?;
    tx.commit().await?;
    content::db::scrub(
        db,
        &[
            "drafts",
            "outgoing",
            "contributions",
            "messages",
            "message_attachments",
        ],
    )
    .await?;
    Ok(Some(done))
}

/// When the person's content was erased, if it was.
pub async fn erased_at(db: &Db, portal_id: &str) -> sqlx::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT erased_at FROM case_people WHERE portal_id = $1")
            .bind(portal_id)
            .fetch_optional(&db.pool)
            .await?
            .flatten(),
    )
}

pub async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<Response> {
    ig_only(&user)?;
    let (_, name, _) = family_member(&state.db, &id).await?;
    let erased = erased_at(&state.db, &id).await?;
    Ok(form_page(
        &user,
        StatusCode::OK,
        &id,
        &name,
        erased,
        "",
        &[],
    ))
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
    let (_, name, _) = family_member(&state.db, &id).await?;
    let portal_id: Uuid = id.parse().map_err(|_| BridgeError::NotFound)?;
    let erased = erased_at(&state.db, &id).await?;
    let reason = match reason(&form.reason) {
        Ok(reason) => reason,
        Err(message) => {
            let errors = [FieldError::new("reason", message)];
            return Ok(form_page(
                &user,
                StatusCode::BAD_REQUEST,
                &id,
                &name,
                erased,
                &form.reason,
                &errors,
            ));
        }
    };
    erase_person(&state.db, portal_id, &reason, &user.staff.id, now()).await?;
    state.sync_wake.notify_one();
    Ok(Redirect::to(&format!("/governance/people/{id}/erase")).into_response())
}

fn form_page(
    user: &StaffUser,
    status: StatusCode,
    id: &str,
    name: &str,
    erased: Option<i64>,
    reason: &str,
    errors: &[FieldError],
) -> Response {
    let title = format!("Erase {name}’s content");
    views::page_with_status(
        user,
        status,
        &views::title(&title, errors),
        html! {
            (views::error_summary(errors))
            h1 { (title) }
            (console_nav())
            @if let Some(at) = erased {
                p class="inset" { (name) "’s content was erased " (views::when(at)) ". The ledger keeps the record of it." }
            } @else {
                div class="warning-text" {
                    p { strong { "This cannot be undone." } " Everything " (name) " sent (their views, responses and requests, and every message between them and their workers, with attachments), and everything published to them alone, is destroyed here and on FamilyStory. On FamilyStory their name, email and date of birth are overwritten and their access ends. The ledger keeps what it always holds: who was sent what and when, and the hashes of the text." }
                }
                form method="post" action={ "/governance/people/" (id) "/erase" } novalidate {
                    (views::csrf(user))
                    (views::Input { id: "reason", name: "reason", label: "Reason",
                        hint: Some("For example, the retention period ended. Recorded in the ledger."),
                        value: reason, kind: "text", autocomplete: "off" }.render(errors))
                    button class="button button-warning" type="submit" { "Erase it all" }
                }
            }
        },
    )
}
