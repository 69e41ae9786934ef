//! The publishing pages: a case's drafts and publications, the draft editor
//! with the check, the approval queue and review, withdrawal, and "My cases".
//! Every page works without JavaScript; every form carries the CSRF token.

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use content::check::FindingKind;
use content::db::now;
use maud::{html, Markup};
use serde::Deserialize;

use super::rules::{self, Decision, FamilyMember, Item, Kind, Status};
use super::{Checked, Content, Draft, FlowError, Saved, Sent};
use crate::access::{self, case_href, Access, Case};
use crate::auth::{Posted, StaffUser};
use crate::error::{BridgeError, Result};
use crate::import::StoredMeeting;
use crate::scope::{ActOnDraft, CaseScope, DraftScope};
use crate::staff::Role;
use crate::views::{self, FieldError};
use crate::AppState;
use content::forms::Fields;

mod approval;
mod case;
mod changes;
mod editor;
mod my_cases;
mod new_draft;
mod withdrawal;

use approval::*;
use case::*;
use changes::*;
use editor::*;
use my_cases::*;
use new_draft::*;
use withdrawal::*;

const STYLESHEET: &str = "\
.phone-preview{max-width:360px;border:2px solid #0b0c0c;border-radius:1.25rem;padding:1rem;margin:0 0 1.5rem;overflow-wrap:break-word}\
.phone-preview .item-title{font-size:1.5rem;margin:.25rem 0 .75rem}\
.finding{border-left:5px solid #d4351c;padding:.5rem .75rem;margin-bottom:1rem}\
.finding.decided{border-left-color:#00703c}\
.finding mark{background:#ffdd00;color:#0b0c0c;padding:0 .1rem}\
.status-returned{border:5px solid #d4351c;padding:1rem;margin-bottom:1rem}\
";

/// The publishing routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-cases", get(my_cases))
        .route("/approvals", get(approvals))
        .route("/approvals/{id}", get(approval_page))
        .route("/approvals/{id}/approve", post(approve))
        .route("/approvals/{id}/return", post(return_draft))
        .route("/cases/{reference}/publishing", get(case_publishing))
        .route("/cases/{reference}/drafts/new", get(new_draft_page))
        .route("/cases/{reference}/drafts", post(create_draft))
        .route("/cases/{reference}/drafts/{id}", get(editor).post(save))
        .route("/cases/{reference}/drafts/{id}/decide", post(decide))
        .route(
            "/cases/{reference}/drafts/{id}/decide-person",
            post(decide_person),
        )
        .route("/cases/{reference}/drafts/{id}/submit", post(submit))
        .route("/cases/{reference}/drafts/{id}/reopen", post(reopen))
        .route(
            "/cases/{reference}/drafts/{id}/new-version",
            post(new_version),
        )
        .route(
            "/cases/{reference}/drafts/{id}/withdraw",
            get(withdraw_page).post(withdraw),
        )
        .route("/static/publishing.css", get(stylesheet))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

fn styles() -> Markup {
    html! { link rel="stylesheet" href="/static/publishing.css"; }
}

// --- forms --------------------------------------------------------------------

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

fn refused(status: StatusCode, title: &str, message: &str) -> Response {
    crate::pages::CHROME.status_page(status, title, message)
}

// --- scoping ------------------------------------------------------------------

fn draft_href(case: &Case, draft_id: &str) -> String {
    format!("{}/drafts/{draft_id}", case_href(&case.reference))
}

async fn case_by_id(state: &AppState, id: i64) -> Result<Case> {
    let (id, reference, team): (i64, String, String) =
        sqlx::query_as("SELECT id, reference, team FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&state.db.pool)
            .await?;
    Ok(Case {
        id,
        reference,
        team,
    })
}

async fn staff_name(state: &AppState, id: &str) -> Result<String> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT name FROM staff WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?
            .unwrap_or_else(|| "someone no longer here".into()),
    )
}

async fn family(state: &AppState, case_id: i64) -> Result<Vec<FamilyMember>> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(super::family_of(&mut conn, case_id).await?)
}

async fn meetings(state: &AppState, case_id: i64) -> Result<Vec<StoredMeeting>> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(crate::import::meetings_of(&mut conn, case_id).await?)
}

/// A meeting as staff pick it: "Review child protection conference,
/// Thursday 10 December 2026 at 10am".
fn meeting_words(m: &StoredMeeting) -> String {
    let mut chars = m.kind.chars();
    let mut words: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if let Some(at) = m.starts() {
        words.push_str(", ");
        words.push_str(&content::when::meeting(at));
    }
    words
}

fn meeting_select(
    meetings: &[StoredMeeting],
    chosen: Option<i64>,
    errors: &[FieldError],
) -> Markup {
    let error = errors.iter().find(|e| e.field == "meeting");
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label class="label" for="meeting" { "Which meeting is it about?" }
            div class="hint" id="meeting-hint" { "Needed for a meeting invitation: the family’s home page then shows it as their next meeting." }
            @if let Some(e) = error { p class="error-message" id="meeting-error" { span class="visually-hidden" { "Error: " } (e.message) } }
            select class="select" id="meeting" name="meeting" aria-describedby={ "meeting-hint" @if error.is_some() { " meeting-error" } } aria-invalid=[error.map(|_| "true")] {
                option value="" selected[chosen.is_none()] { "No meeting" }
                @for m in meetings {
                    option value=(m.id) selected[chosen == Some(m.id)] { (meeting_words(m)) }
                }
            }
        }
    }
}

fn names(family: &[FamilyMember], ids: &[i64]) -> String {
    let names: Vec<&str> = ids
        .iter()
        .filter_map(|id| family.iter().find(|p| p.id == *id).map(|p| p.name.as_str()))
        .collect();
    if names.is_empty() {
        "nobody".into()
    } else {
        names.join(", ")
    }
}

fn role_label(role: &str) -> String {
    let mut label = role.to_string();
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    label
}

fn finding_label(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Person => "Someone who will not read this",
        FindingKind::UnknownPerson => "A name not known to the case",
        FindingKind::Address => "An address",
        FindingKind::Postcode => "A postcode",
        FindingKind::Phone => "A phone number",
        FindingKind::Email => "An email address",
        FindingKind::NhsNumber => "An NHS number",
        FindingKind::NiNumber => "A National Insurance number",
        FindingKind::DateOfBirth => "A date of birth",
    }
}

// --- the reader's view --------------------------------------------------------

/// The document exactly as the portal shows it (`content::item`, which the
/// portal's item page draws too), in a phone-sized frame. Its title is a
/// second-level heading here, so this page keeps one main heading.
async fn reader_view(
    state: &AppState,
    draft: &Draft,
    checked: &Checked,
    meetings: &[StoredMeeting],
) -> Result<Markup> {
    let version = super::reader_version(&state.db, draft).await?;
    let meeting_at = draft
        .meeting_id
        .and_then(|id| meetings.iter().find(|m| m.id == id))
        .and_then(StoredMeeting::starts);
    let item = content::item::ItemView {
        kind: draft.kind.as_str(),
        title: &checked.title,
        body_markdown: &checked.body,
        published_at: draft.published_at.or(draft.publish_at).unwrap_or_else(now),
        version,
        meeting_at,
    };
    Ok(html! {
        section class="phone-preview" aria-label="What the reader will see" {
            (content::item::article(&item, 2))
        }
    })
}

fn in_sentence(checked: &Checked, item: &Item) -> Markup {
    let (from, to) = item.sentence;
    let f = &item.finding;
    let text = &checked.text;
    html! {
        q { (text[from..f.start]) mark { (f.text) } (text[f.end..to]) }
    }
}
