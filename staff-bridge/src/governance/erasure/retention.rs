//! What the retention periods make due for erasure, and the IG officer's
//! confirmation of each (`/governance/retention`).
//!
//! Periods are settings (`[retention]` in the bridge's configuration, see
//! `config::Retention`), counted in days from the case's closure date
//! (`cases.closed_on`, from the import). A published item is due when its
//! kind's period has passed; a family member (what they sent, their
//! messages both ways, what was published to them alone, their portal
//! account) when `family_days` has passed. A case with no closure date has
//! nothing due. Nothing is erased without an IG officer's confirmation: the
//! daily job (`run_daily`) and `familystory retention due` only list.

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use content::db::{now, Db};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::super::disclosures::day_start;
use super::super::{console_nav, console_use, ig_only};
use super::erase_publication;
use super::person::erase_person;
use crate::auth::{check_csrf, StaffUser};
use crate::config::Retention;
use crate::error::{BridgeError, Result};
use crate::publishing::rules::Kind;
use crate::views;
use crate::AppState;

/// What can fall due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Publication(Uuid),
    Person(Uuid),
}

impl Item {
    /// As a form sends it: `publication:ID` or `person:ID`.
    pub fn token(&self) -> String {
        match self {
            Item::Publication(id) => format!("publication:{id}"),
            Item::Person(id) => format!("person:{id}"),
        }
    }

    pub fn parse(text: &str) -> Option<Item> {
        let (kind, id) = text.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "publication" => Some(Item::Publication(id)),
            "person" => Some(Item::Person(id)),
            _ => None,
        }
    }
}

/// One item due for erasure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub item: Item,
    pub case_reference: String,
    pub closed_on: String,
    /// The publication's kind, or `family member`.
    pub what: String,
    /// The period that applied, in days.
    pub days: i64,
    /// When it fell due (seconds since the epoch).
    pub due_at: i64,
}

impl Due {
    /// The reason the ledger records when it is erased.
    pub fn reason(&self) -> String {
        format!(
            "Retention period ended: {} days after case {} closed on {}",
            self.days, self.case_reference, self.closed_on
        )
    }
}

/// Everything due for erasure at `now`: closed cases past their periods,
/// not yet erased. Oldest due first.
pub async fn due(db: &Db, retention: &Retention, now: i64) -> sqlx::Result<Vec<Due>> {
    let publications: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT DISTINCT d.publication_id, d.kind, c.reference, c.closed_on
         FROM drafts d JOIN cases c ON c.id = d.case_id
         WHERE c.closed_on IS NOT NULL AND d.published_at IS NOT NULL AND d.erased_at IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let people: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT p.portal_id, c.reference, c.closed_on
         FROM case_people p JOIN cases c ON c.id = p.case_id
         WHERE c.closed_on IS NOT NULL AND p.erased_at IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut found = Vec::new();
    let mut add =
        |item: Option<Item>, reference: String, closed_on: String, what: String, days: i64| {
            let (Some(item), Some(closed)) = (item, day_start(&closed_on)) else {
                return;
            };
            let due_at = closed + days * 86_400;
            if due_at <= now {
                found.push(Due {
                    item,
                    case_reference: reference,
                    closed_on,
                    what,
                    days,
                    due_at,
                });
            }
        };
    for (publication, kind, reference, closed_on) in publications {
        let what = Kind::parse(&kind)
            .map(|k| k.label().to_string())
            .unwrap_or_else(|| kind.clone());
        let days = retention.days_for(&kind);
        add(
            publication.parse().ok().map(Item::Publication),
            reference,
            closed_on,
            what,
            days,
        );
    }
    for (portal_id, reference, closed_on) in people {
        add(
            portal_id.parse().ok().map(Item::Person),
            reference,
            closed_on,
            "Family member".into(),
            retention.family_days,
        );
    }
    // A publication with several versions has a draft each: list it once.
    found.sort_by_key(|d| (d.due_at, d.item));
    found.dedup_by(|a, b| a.item == b.item);
    Ok(found)
}

/// Erases one due item, with the retention reason, as the IG officer `by`
/// confirmed it. False when it is not due (or no longer exists): nothing
/// changes.
pub async fn confirm_erasure(
    db: &Db,
    retention: &Retention,
    item: Item,
    by: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let Some(due) = due(db, retention, now)
        .await?
        .into_iter()
        .find(|d| d.item == item)
    else {
        return Ok(false);
    };
    let reason = due.reason();
    Ok(match item {
        Item::Publication(id) => erase_publication(db, id, &reason, by, now).await? > 0,
        Item::Person(id) => erase_person(db, id, &reason, by, now).await?.is_some(),
    })
}

/// The daily job: computes what is due and says how much (never what: the
/// list is for the console). Runs until aborted.
pub async fn run_daily(db: Db, retention: Retention) {
    let mut every = tokio::time::interval(Duration::from_secs(24 * 3600));
    loop {
        every.tick().await;
        match due(&db, &retention, now()).await {
            Ok(found) if found.is_empty() => {}
            Ok(found) => tracing::info!(
                due = found.len(),
                "items are due for erasure; an IG officer confirms them at /governance/retention"
            ),
            Err(error) => tracing::error!(%error, "the retention due list could not be computed"),
        }
    }
}

pub async fn page(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    ig_only(&user)?;
    console_use::record(
        &state.db,
        &user.staff.id,
        console_use::pages::RETENTION,
        &console_use::asked([]),
        now(),
    )
    .await?;
    let found = due(&state.db, &state.retention, now()).await?;
    let names = super::super::Names::load(&state.db).await?;
    Ok(views::page(
        &user,
        "Due for erasure",
        html! {
            h1 { "Due for erasure" }
            (console_nav())
            p { "Closed cases whose retention periods have ended, counted from the day the case system closed the case. Nothing is erased until you confirm it; each erasure is recorded in the ledger with the retention period as its reason." }
            @if found.is_empty() {
                p { "Nothing is due." }
            } @else {
                table class="table ledger" {
                    caption class="visually-hidden" { "Items due for erasure, longest overdue first" }
                    thead { tr {
                        th scope="col" { "Case" } th scope="col" { "Closed on" } th scope="col" { "What" }
                        th scope="col" { "Period" } th scope="col" { "Due since" } th scope="col" { "Erase" }
                    } }
                    tbody {
                        @for d in &found {
                            @let label = match d.item {
                                Item::Publication(id) => html! { a href={ "/governance/publications/" (id) } { (d.what) } },
                                Item::Person(id) => {
                                    let id = id.to_string();
                                    let name = names.person(&id).unwrap_or("A family member").to_string();
                                    html! { a href={ "/governance/people/" (id) } { (name) " (family member)" } }
                                }
                            };
                            tr {
                                td { (d.case_reference) }
                                td { (d.closed_on) }
                                td { (label) }
                                td { (d.days) " days" }
                                td { (views::when(d.due_at)) }
                                td {
                                    form method="post" action="/governance/retention" {
                                        (views::csrf(&user))
                                        input type="hidden" name="item" value=(d.item.token());
                                        button class="button button-warning" type="submit" {
                                            "Erase" span class="visually-hidden" { " " (d.what) " of case " (d.case_reference) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    ig_only(&user)?;
    let item = Item::parse(form.item.trim()).ok_or(BridgeError::NotFound)?;
    if !confirm_erasure(&state.db, &state.retention, item, &user.staff.id, now()).await? {
        return Err(BridgeError::NotFound);
    }
    state.sync_wake.notify_one();
    Ok(Redirect::to("/governance/retention").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_go_through_a_form_and_back() {
        let id = Uuid::new_v4();
        for item in [Item::Publication(id), Item::Person(id)] {
            assert_eq!(Item::parse(&item.token()), Some(item));
        }
        assert_eq!(Item::parse("case:1"), None);
        assert_eq!(Item::parse("person:not-an-id"), None);
    }
}
