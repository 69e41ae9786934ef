//! Staff views of a case's pages, so "who has looked at this family's
//! record" can be answered. Owns `staff_access`.
//!
//! A table rather than the hash chain: views are many and change nothing,
//! and the ledger already records everything staff do. A failure to record
//! a view is logged and does not stop the page.

use axum::extract::{Path, State};
use axum::response::Response;
use content::db::{now, Db};
use maud::html;

use super::{console_nav, ig_only, Names};
use crate::auth::StaffUser;
use crate::error::{BridgeError, Result};
use crate::views;
use crate::AppState;

/// Which page of a case was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewed<'a> {
    Case,
    Publishing,
    Draft(&'a str),
    /// A family member's conversation.
    Messages,
}

/// Records that `staff` opened a page of case `case_id`.
pub async fn record(db: &Db, staff: &str, case_id: i64, viewed: Viewed<'_>) {
    let (page, draft) = match viewed {
        Viewed::Case => ("case", None),
        Viewed::Publishing => ("publishing", None),
        Viewed::Draft(id) => ("draft", Some(id)),
        Viewed::Messages => ("messages", None),
    };
    let recorded = sqlx::query(
        "INSERT INTO staff_access (staff_id, case_id, page, draft_id, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(staff)
    .bind(case_id)
    .bind(page)
    .bind(draft)
    .bind(now())
    .execute(&db.pool)
    .await;
    if let Err(error) = recorded {
        tracing::error!(%error, "a staff view of a case could not be recorded");
    }
}

/// One recorded view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub staff_id: String,
    pub page: String,
    pub draft_id: Option<String>,
    pub at: i64,
}

/// The newest views of a case, newest first.
pub async fn of_case(db: &Db, case_id: i64, limit: i64) -> sqlx::Result<Vec<View>> {
    let rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT staff_id, page, draft_id, at FROM staff_access WHERE case_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(case_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(staff_id, page, draft_id, at)| View {
            staff_id,
            page,
            draft_id,
            at,
        })
        .collect())
}

pub async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(case_id): Path<String>,
) -> Result<Response> {
    ig_only(&user)?;
    let case_id: i64 = case_id.parse().map_err(|_| BridgeError::NotFound)?;
    let reference: String = sqlx::query_scalar("SELECT reference FROM cases WHERE id = $1")
        .bind(case_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(BridgeError::NotFound)?;
    let views_of = of_case(&state.db, case_id, 500).await?;
    let names = Names::load(&state.db).await?;
    Ok(views::page(
        &user,
        &format!("Who looked at case {reference}"),
        html! {
            h1 { "Who looked at case " (reference) }
            (console_nav())
            p { "Every time a member of staff opened this case’s pages, newest first (the latest 500)." }
            @if views_of.is_empty() {
                p { "Nobody has opened this case’s pages yet." }
            } @else {
                table class="table ledger" {
                    caption class="visually-hidden" { "Staff views of case " (reference) }
                    thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Page" } } }
                    tbody {
                        @for v in &views_of {
                            tr {
                                td { (views::when(v.at)) }
                                td { (names.staff_name(&v.staff_id).unwrap_or(&v.staff_id)) }
                                td { (match v.page.as_str() { "case" => "The case", "publishing" => "Drafts and publications", "draft" => "A draft", other => other }) }
                            }
                        }
                    }
                }
            }
        },
    ))
}
