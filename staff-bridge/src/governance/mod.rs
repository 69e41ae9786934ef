//! The information governance console: what IG officers use to answer for
//! every disclosure, and the reports managers run for themselves.
//!
//! - `disclosures`: the ledger searched and filtered (by case, family member,
//!   staff member, kind, dates), a page at a time, and each entry in full.
//! - `who_saw`: for a publication, every version, its audience and when each
//!   reader first opened it; for a family member, everything disclosed to
//!   them and everything they sent.
//! - `staff_access`: staff views of case and draft pages, recorded here (a
//!   table, not the hash chain), so "who has looked at this family's record"
//!   has an answer.
//! - `console_use`: every search, entry, who-saw, staff-access and report
//!   page opened, recorded (who, what was asked, when) and listed.
//! - `check`: the ledger verified from the console, as `audit verify` does.
//! - `freeze`: a family member's portal access paused, and restored.
//! - `export`: a subject access ZIP for one family member.
//! - `erasure`: a publication's or a family member's content destroyed on
//!   both services, and what the retention periods make due.
//! - `reports`: managers' figures per team and date range
//!   (`message_figures`: what they count of messages).
//! - `links` and `search`: the index of who and which case each entry
//!   concerns, and the search over it (plain functions tests call).
//!
//! Everything here reads the ledger and the bridge's tables and never changes
//! them, except to record its own use: exports, checks, freezes and erasures
//! in the ledger, and every look at it in `console_use`. The console is for IG officers; managers get the reports and may
//! pause access; practitioners get none of it (403, in plain words).

pub mod check;
pub mod console_use;
pub mod disclosures;
pub mod erasure;
pub mod export;
pub mod freeze;
pub mod links;
pub mod message_figures;
pub mod reports;
pub mod search;
pub mod staff_access;
pub mod who_saw;

use std::collections::HashMap;

use axum::routing::get;
use axum::Router;
use content::db::Db;
use maud::{html, Markup};

use crate::auth::StaffUser;
use crate::error::{BridgeError, Result};
use crate::staff::Role;
use crate::AppState;

/// Ledger kinds the console writes.
pub mod kinds {
    pub const LEDGER_CHECKED: &str = "ledger_checked";
    pub const SUBJECT_ACCESS_EXPORT: &str = "subject_access_export";
    pub const FAMILY_ACCESS_FROZEN: &str = "family_access_frozen";
    pub const FAMILY_ACCESS_UNFROZEN: &str = "family_access_unfrozen";
    pub const PUBLICATION_ERASED: &str = "publication_erased";
    pub const PERSON_ERASED: &str = "person_erased";
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/governance", get(disclosures::search_page))
        .route("/governance/entries/{seq}", get(disclosures::entry_page))
        .route(
            "/governance/publications/{id}",
            get(who_saw::publication_page),
        )
        .route(
            "/governance/publications/{id}/erase",
            get(erasure::page).post(erasure::submit),
        )
        .route("/governance/people/{id}", get(who_saw::person_page))
        .route(
            "/governance/people/{id}/erase",
            get(erasure::person::page).post(erasure::person::submit),
        )
        .route(
            "/governance/retention",
            get(erasure::retention::page).post(erasure::retention::confirm),
        )
        .route("/governance/people/{id}/export", get(export::download))
        .route(
            "/governance/people/{id}/freeze",
            get(freeze::page).post(freeze::submit),
        )
        .route("/governance/cases/{id}/access", get(staff_access::page))
        .route("/governance/check", get(check::page).post(check::run))
        .route("/governance/use", get(console_use::page))
        .route("/reports", get(reports::page))
        .route("/reports/download.csv", get(reports::csv))
        .route("/api/v1/reports/summary", get(reports::api))
}

/// The IG console's pages: IG officers only.
pub fn ig_only(user: &StaffUser) -> Result<()> {
    if user.staff.has(Role::IgOfficer) {
        Ok(())
    } else {
        Err(BridgeError::Forbidden)
    }
}

/// Reports and pausing access: managers and IG officers.
pub fn manager_or_ig(user: &StaffUser) -> Result<()> {
    if user.staff.has(Role::Manager) || user.staff.has(Role::IgOfficer) {
        Ok(())
    } else {
        Err(BridgeError::Forbidden)
    }
}

/// The console's own links, under each page's heading.
pub fn console_nav() -> Markup {
    html! {
        nav aria-label="Information governance" {
            ul class="list" {
                li { a href="/governance" { "Disclosures" } }
                li { a href="/governance/check" { "Check the ledger" } }
                li { a href="/governance/retention" { "Due for erasure" } }
                li { a href="/governance/use" { "Who used the console" } }
                li { a href="/reports" { "Reports" } }
            }
        }
    }
}

/// Who ids in the ledger are: staff and family members by name, for pages.
#[derive(Default)]
pub struct Names {
    staff: HashMap<String, String>,
    people: HashMap<String, (String, i64)>,
}

impl Names {
    pub async fn load(db: &Db) -> sqlx::Result<Names> {
        let staff: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM staff")
            .fetch_all(&db.pool)
            .await?;
        let people: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT portal_id, name, case_id FROM case_people")
                .fetch_all(&db.pool)
                .await?;
        Ok(Names {
            staff: staff.into_iter().collect(),
            people: people
                .into_iter()
                .map(|(id, name, case)| (id, (name, case)))
                .collect(),
        })
    }

    /// A staff member's or family member's name, or the id itself.
    pub fn of(&self, id: &str) -> String {
        if let Some(name) = self.staff.get(id) {
            return format!("{name} (staff)");
        }
        if let Some((name, _)) = self.people.get(id) {
            return format!("{name} (family)");
        }
        id.to_string()
    }

    pub fn person(&self, portal_id: &str) -> Option<&str> {
        self.people.get(portal_id).map(|(name, _)| name.as_str())
    }

    pub fn staff_name(&self, id: &str) -> Option<&str> {
        self.staff.get(id).map(String::as_str)
    }

    pub fn staff(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<(&str, &str)> = self
            .staff
            .iter()
            .map(|(id, name)| (id.as_str(), name.as_str()))
            .collect();
        all.sort_by(|a, b| a.1.cmp(b.1));
        all
    }

    pub fn people(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<(&str, &str)> = self
            .people
            .iter()
            .map(|(id, (name, _))| (id.as_str(), name.as_str()))
            .collect();
        all.sort_by(|a, b| a.1.cmp(b.1));
        all
    }
}

/// The family member with this portal id: (case_people id, name, case id).
pub(crate) async fn family_member(db: &Db, portal_id: &str) -> Result<(i64, String, i64)> {
    sqlx::query_as("SELECT id, name, case_id FROM case_people WHERE portal_id = $1")
        .bind(portal_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(BridgeError::NotFound)
}
