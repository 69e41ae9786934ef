//! Case import: the documented JSON format (`docs/import-format.md`), its
//! validation (`validate`), and storing a case so that re-importing updates
//! it (`store`). Owns the `cases`, `case_people`, `case_professionals`,
//! `case_documents` and `case_meetings` tables.
//!
//! A person the case system stops listing, or marks `left_case`, is not
//! deleted: their portal access ends in the same transaction as the import
//! (`store::end_access`), and staff still see them and what they were sent.

mod store;
mod validate;

use content::db::Db;
use content::sync::FamilyRole;
use serde::Serialize;
use uuid::Uuid;

pub use store::{import, store, ImportError, Outcome};
pub use validate::{parse, parse_date, parse_date_time};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseImport {
    pub case_reference: String,
    pub team: String,
    /// When the case system closed the case (`YYYY-MM-DD`); retention
    /// periods count from it.
    pub closed_on: Option<String>,
    pub people: Vec<PersonImport>,
    pub professionals: Vec<ProfessionalImport>,
    pub documents: Vec<DocumentImport>,
    pub meetings: Vec<MeetingImport>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PersonImport {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub date_of_birth: Option<String>,
    pub role: FamilyRole,
    pub email: Option<String>,
    /// The case system says they are no longer part of the case.
    pub left_case: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProfessionalImport {
    pub id: String,
    pub name: String,
    pub role: String,
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocumentImport {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub date: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MeetingImport {
    pub id: String,
    pub kind: String,
    pub starts_at: String,
    pub place: String,
}

/// A person of a case as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPerson {
    pub source_id: String,
    pub portal_id: Uuid,
    pub name: String,
    pub role: String,
}

/// The people of a case, for the caller's own checks and pages.
pub async fn people_of(db: &Db, case_reference: &str) -> sqlx::Result<Vec<StoredPerson>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT p.source_id, p.portal_id, p.name, p.role FROM case_people p JOIN cases c ON c.id = p.case_id
         WHERE c.reference = $1 ORDER BY p.source_id",
    )
    .bind(case_reference)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(source_id, portal_id, name, role)| {
            Some(StoredPerson {
                source_id,
                portal_id: portal_id.parse().ok()?,
                name,
                role,
            })
        })
        .collect())
}

/// A meeting of a case as stored: its time is UK local, as the case system
/// sent it (`YYYY-MM-DDTHH:MM`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMeeting {
    pub id: i64,
    pub source_id: String,
    pub kind: String,
    pub starts_at: String,
}

impl StoredMeeting {
    /// When it starts, in seconds since the epoch.
    pub fn starts(&self) -> Option<i64> {
        content::when::parse_local(&self.starts_at)
    }
}

/// The meetings of a case, soonest first.
pub async fn meetings_of(
    conn: &mut sqlx::AnyConnection,
    case_id: i64,
) -> sqlx::Result<Vec<StoredMeeting>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, source_id, kind, starts_at FROM case_meetings WHERE case_id = $1 ORDER BY starts_at, id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, source_id, kind, starts_at)| StoredMeeting {
            id,
            source_id,
            kind,
            starts_at,
        })
        .collect())
}
