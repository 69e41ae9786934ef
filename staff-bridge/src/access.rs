//! Which cases a staff member may see, and whether they may act on them.
//! Every case query of the staff pages goes through here, scoped by who is
//! asking; a case someone may not see is answered exactly as one that does
//! not exist (404).
//!
//! - A **practitioner** sees and acts on the cases they are allocated to (the
//!   case system lists them among the case's professionals with their email
//!   address) or have been granted by an administrator (`case_grants`).
//! - A **manager** or **IG officer** sees every case, read-only on these pages
//!   (approving and the disclosure log are their own pages). Holding the
//!   practitioner role as well, they act on their own allocated cases.
//! - A **duty worker** sees every case, read-only here, and records what was
//!   done about what families sent (`voice`).
//! - An **admin** manages staff; the role alone shows no case.

use std::collections::HashSet;

use content::db::Db;

use crate::staff::{Role, StaffMember};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub id: i64,
    pub reference: String,
    pub team: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// May read the case.
    Read,
    /// May also invite, revoke and otherwise act for the family.
    Act,
}

async fn allocated(db: &Db, staff: &StaffMember) -> sqlx::Result<HashSet<i64>> {
    if !staff.has(Role::Practitioner) {
        return Ok(HashSet::new());
    }
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM cases c
         WHERE EXISTS (SELECT 1 FROM case_professionals p WHERE p.case_id = c.id AND lower(p.email) = $1)
            OR EXISTS (SELECT 1 FROM case_grants g WHERE g.case_id = c.id AND g.staff_id = $2)",
    )
    .bind(&staff.email)
    .bind(&staff.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(ids.into_iter().collect())
}

fn sees_all(staff: &StaffMember) -> bool {
    staff.has(Role::Manager) || staff.has(Role::IgOfficer) || staff.has(Role::Duty)
}

/// Every case this member may see, by reference.
pub async fn visible_cases(db: &Db, staff: &StaffMember) -> sqlx::Result<Vec<(Case, Access)>> {
    let mine = allocated(db, staff).await?;
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, reference, team FROM cases ORDER BY reference")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, reference, team)| {
            let access = if mine.contains(&id) {
                Access::Act
            } else if sees_all(staff) {
                Access::Read
            } else {
                return None;
            };
            Some((
                Case {
                    id,
                    reference,
                    team,
                },
                access,
            ))
        })
        .collect())
}

/// One case, if this member may see it.
pub async fn case_for(
    db: &Db,
    staff: &StaffMember,
    reference: &str,
) -> sqlx::Result<Option<(Case, Access)>> {
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, reference, team FROM cases WHERE reference = $1")
            .bind(reference)
            .fetch_optional(&db.pool)
            .await?;
    let Some((id, reference, team)) = row else {
        return Ok(None);
    };
    let access = if allocated(db, staff).await?.contains(&id) {
        Access::Act
    } else if sees_all(staff) {
        Access::Read
    } else {
        return Ok(None);
    };
    Ok(Some((
        Case {
            id,
            reference,
            team,
        },
        access,
    )))
}

/// A case reference as one path segment of a link.
pub fn case_href(reference: &str) -> String {
    format!(
        "/cases/{}",
        url::form_urlencoded::byte_serialize(reference.as_bytes()).collect::<String>()
    )
}
