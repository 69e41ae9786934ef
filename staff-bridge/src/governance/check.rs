//! Checking the ledger from the console: the same verification as
//! `familystory audit verify` (`ledger::verify_database`, on a read-only
//! connection of its own, so on SQLite the service's one pooled connection
//! stays free), run while the officer waits, with the count shown. It says
//! the ledger is whole, or names the first broken entry, and records the
//! check itself in the ledger.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::{console_nav, ig_only, kinds};
use crate::auth::{check_csrf, StaffUser};
use crate::error::Result;
use crate::ledger::{self, Anchor, NewEntry, VerifyReport};
use crate::views::{self, FieldError};
use crate::AppState;

pub async fn page(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    ig_only(&user)?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT at, data FROM ledger WHERE kind = $1 ORDER BY seq DESC LIMIT 1")
            .bind(kinds::LEDGER_CHECKED)
            .fetch_optional(&state.db.pool)
            .await?;
    Ok(form_page(&user, StatusCode::OK, "", None, last, &[]))
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    anchor: String,
}

pub async fn run(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Form(form): Form<CheckForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    ig_only(&user)?;
    let anchor = match form.anchor.trim() {
        "" => None,
        text => match text.parse::<Anchor>() {
            Ok(anchor) => Some(anchor),
            Err(_) => {
                let errors = [FieldError::new(
                    "anchor",
                    "Enter an anchor as the entry number, a colon and its 64-character hash, like 1042:9f86d0…",
                )];
                return Ok(form_page(
                    &user,
                    StatusCode::BAD_REQUEST,
                    &form.anchor,
                    None,
                    None,
                    &errors,
                ));
            }
        },
    };
    let report = match ledger::verify_database(&state.database_url, anchor.as_ref()).await {
        Ok(report) => report,
        Err(error) => {
            tracing::error!(%error, "the ledger could not be checked from the console");
            return Ok(views::page_with_status(
                &user,
                StatusCode::INTERNAL_SERVER_ERROR,
                "The ledger could not be checked",
                html! {
                    h1 { "The ledger could not be checked" }
                    p { "Nothing was changed. Try again, or run familystory audit verify on the server." }
                },
            ));
        }
    };
    ledger::append_now(
        &state.db,
        &NewEntry {
            kind: kinds::LEDGER_CHECKED,
            actor: Some(&user.staff.id),
            subject: None,
            data: json!({
                "entries": report.entries,
                "whole": report.is_whole(),
                "first_broken": report.first_broken.as_ref().map(|b| b.seq),
                "anchor": anchor.as_ref().map(|a| a.to_string()),
            }),
        },
    )
    .await?;
    Ok(form_page(
        &user,
        StatusCode::OK,
        &form.anchor,
        Some(&report),
        None,
        &[],
    ))
}

/// What a check found, in the words `audit verify` prints.
pub fn verdict(report: &VerifyReport) -> String {
    match &report.first_broken {
        None => format!("The ledger is whole: {} entries.", report.entries),
        Some(broken) => format!(
            "The ledger is broken at entry {}: {} It holds {} entries. This check changed nothing.",
            broken.seq, broken.reason, report.entries
        ),
    }
}

fn form_page(
    user: &StaffUser,
    status: StatusCode,
    anchor: &str,
    report: Option<&VerifyReport>,
    last: Option<(i64, String)>,
    errors: &[FieldError],
) -> Response {
    views::page_with_status(
        user,
        status,
        &views::title("Check the ledger", errors),
        html! {
            (views::error_summary(errors))
            h1 { "Check the ledger" }
            (console_nav())
            @if let Some(report) = report {
                div class=(if report.is_whole() { "notification" } else { "warning-text" }) role="status" {
                    p { strong { (verdict(report)) } }
                    @if let (true, Some(last)) = (report.is_whole(), &report.last) {
                        p { "To check later that nothing up to entry " (last.seq) " has changed, keep this anchor:" }
                        p { code { (last.to_string()) } }
                    }
                }
            }
            @if let Some((at, data)) = &last {
                p { "Last checked " (views::when(*at)) ": " (data) }
            }
            p { "This recomputes every entry’s hash and link, in order, as " code { "familystory audit verify" } " does. It takes about a second for every 400,000 entries; the page answers when it is done." }
            form method="post" action="/governance/check" novalidate {
                (views::csrf(user))
                (views::Input { id: "anchor", name: "anchor", label: "Anchor (optional)",
                    hint: Some("An entry number and hash kept from an earlier check, like 1042:9f86d0…"),
                    value: anchor, kind: "text", autocomplete: "off" }.render(errors))
                button class="button" type="submit" { "Check the ledger now" }
            }
        },
    )
}
