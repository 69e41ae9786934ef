//! The console's own use, so "who looked at the ledger" has an answer. Owns
//! `console_use` (migration 0013).
//!
//! Every search, entry view, who-saw view, staff-access view and report run
//! is recorded before its page is drawn: who (a staff id, or `api` for the
//! machine API's bearer token), which page, what was asked (the filters: ids,
//! case references and dates, never record content) and when. A table rather
//! than the hash chain, like `staff_access`: these are many, change nothing,
//! and would otherwise fill every search of the ledger with the searches
//! themselves. Unlike a staff view of a case, a use that cannot be recorded
//! is not shown: the page fails.

use axum::extract::{Query, State};
use axum::response::Response;
use content::db::Db;
use maud::html;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{console_nav, ig_only, Names};
use crate::auth::StaffUser;
use crate::error::Result;
use crate::views;
use crate::AppState;

/// Who the machine API's uses are recorded as.
pub const API: &str = "api";

/// Console pages, as recorded.
pub mod pages {
    pub const SEARCH: &str = "search";
    pub const ENTRY: &str = "entry";
    pub const PUBLICATION: &str = "who_saw_publication";
    pub const PERSON: &str = "who_saw_person";
    pub const STAFF_ACCESS: &str = "staff_access";
    pub const REPORT: &str = "report";
    pub const REPORT_CSV: &str = "report_csv";
    pub const REPORT_API: &str = "report_api";
    pub const RETENTION: &str = "retention_due";
    pub const USE: &str = "console_use";
}

/// What was asked, from (name, value) pairs: empty values left out.
pub fn asked<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let map: Map<String, Value> = pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.to_string(), Value::from(v.trim())))
        .collect();
    Value::Object(map)
}

/// Records one use of the console.
pub async fn record(db: &Db, who: &str, page: &str, asked: &Value, at: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO console_use (staff_id, page, asked, at) VALUES ($1, $2, $3, $4)")
        .bind(who)
        .bind(page)
        .bind(asked.to_string())
        .bind(at)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// One recorded use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    pub staff_id: String,
    pub page: String,
    pub asked: String,
    pub at: i64,
}

/// The newest uses, newest first; only `staff`'s when given.
pub async fn recent(db: &Db, staff: Option<&str>, limit: i64) -> sqlx::Result<Vec<Use>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT staff_id, page, asked, at FROM console_use
         WHERE ($1 = '' OR staff_id = $1) ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(staff.unwrap_or_default())
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(staff_id, page, asked, at)| Use {
            staff_id,
            page,
            asked,
            at,
        })
        .collect())
}

fn page_words(page: &str) -> &str {
    match page {
        pages::SEARCH => "Searched the disclosures",
        pages::ENTRY => "Opened a ledger entry",
        pages::PUBLICATION => "Who saw a publication",
        pages::PERSON => "A family member’s disclosures",
        pages::STAFF_ACCESS => "Who looked at a case",
        pages::REPORT => "Ran a report",
        pages::REPORT_CSV => "Downloaded a report",
        pages::REPORT_API => "Report through the machine API",
        pages::RETENTION => "Listed what retention makes due",
        pages::USE => "Listed the console’s use",
        other => other,
    }
}

#[derive(Deserialize, Default)]
pub struct UseForm {
    #[serde(default)]
    staff: String,
}

/// `/governance/use`: who used the console, newest first.
pub async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    Query(form): Query<UseForm>,
) -> Result<Response> {
    ig_only(&user)?;
    let staff = form.staff.trim();
    record(
        &state.db,
        &user.staff.id,
        pages::USE,
        &asked([("staff", staff)]),
        content::db::now(),
    )
    .await?;
    let uses = recent(&state.db, (!staff.is_empty()).then_some(staff), 500).await?;
    let names = Names::load(&state.db).await?;
    Ok(views::page(
        &user,
        "Who used the console",
        html! {
            h1 { "Who used the console" }
            (console_nav())
            p { "Every search, entry, who-saw page, staff-access page, report and retention list opened, newest first (the latest 500), with what was asked." }
            table class="table ledger" {
                caption class="visually-hidden" { "Uses of the IG console and reports, newest first" }
                thead { tr {
                    th scope="col" { "When" } th scope="col" { "Who" }
                    th scope="col" { "What" } th scope="col" { "Asked" }
                } }
                tbody {
                    @for u in &uses {
                        tr {
                            td { (views::when(u.at)) }
                            td { (if u.staff_id == API { "The machine API" } else { names.staff_name(&u.staff_id).unwrap_or(&u.staff_id) }) }
                            td { (page_words(&u.page)) }
                            td { code { (u.asked) } }
                        }
                    }
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asked_keeps_what_was_filled_in() {
        assert_eq!(
            asked([
                ("case", " DEMO-0001 "),
                ("person", ""),
                ("from", "2026-12-01")
            ])
            .to_string(),
            r#"{"case":"DEMO-0001","from":"2026-12-01"}"#
        );
    }
}
