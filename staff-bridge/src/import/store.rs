//! Storing a validated case, in one transaction.

use content::db::Db;
use serde::Serialize;
use uuid::Uuid;

use content::sync::AccessEnded;
use serde_json::json;
use sqlx::AnyConnection;

use super::{parse, CaseImport, Problem};
use crate::ledger::{self, NewEntry};
use crate::outgoing::{self, Push};
use crate::staff::kinds;

/// A family member whose portal access ends.
pub struct Removed<'a> {
    pub case_person_id: i64,
    pub portal_id: Uuid,
    pub case_reference: &'a str,
    /// `no_longer_listed` or `left_case`.
    pub reason: &'a str,
}

/// Ends a person's portal access inside the caller's transaction: the row
/// says when, live invitations die, the portal is told (sessions, passkeys,
/// email sign-in and invitations all stop there) and the ledger records it.
/// A person already removed is left as they are.
pub async fn end_access(
    conn: &mut AnyConnection,
    db: &Db,
    removed: &Removed<'_>,
    now: i64,
) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE case_people SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
            .bind(now)
            .bind(removed.case_person_id)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let invitations = sqlx::query(
        "UPDATE invitations SET revoked_at = $1, revoked_by = 'case system'
         WHERE case_person_id = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(removed.case_person_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    outgoing::enqueue(
        conn,
        db.sealer(),
        &Push::AccessEnded(
            removed.portal_id,
            AccessEnded {
                ended_at: now,
                reason: removed.reason.to_string(),
            },
        ),
        now,
    )
    .await?;
    ledger::append(
        conn,
        db.backend,
        &NewEntry {
            kind: kinds::FAMILY_ACCESS_ENDED,
            actor: None,
            subject: Some(&removed.portal_id.to_string()),
            data: json!({
                "case": removed.case_reference,
                "reason": removed.reason,
                "invitations_revoked": invitations,
            }),
        },
        now,
    )
    .await?;
    Ok(true)
}

/// What storing an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub case_reference: String,
    /// False when the case was already here and has been updated.
    pub created: bool,
    pub people: usize,
    pub professionals: usize,
    pub documents: usize,
    pub meetings: usize,
    /// Family members whose portal access this import ended.
    pub removed: usize,
}

/// Stores a validated case in one transaction: a re-import updates rows by
/// their case-system id and removes what the case system no longer lists.
pub async fn store(db: &Db, case: &CaseImport, now: i64) -> sqlx::Result<Outcome> {
    let mut tx = db.pool.begin().await?;
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(&case.case_reference)
        .fetch_optional(&mut *tx)
        .await?;
    let case_id = match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE cases SET team = $1, closed_on = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(&case.team)
            .bind(&case.closed_on)
            .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO cases (reference, team, closed_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
            )
            .bind(&case.case_reference)
            .bind(&case.team)
            .bind(&case.closed_on)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
    };

    for p in &case.people {
        sqlx::query(
            "INSERT INTO case_people (case_id, source_id, portal_id, name, aliases, date_of_birth, role, email)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (case_id, source_id) DO UPDATE SET name = excluded.name, aliases = excluded.aliases,
                 date_of_birth = excluded.date_of_birth, role = excluded.role, email = excluded.email",
        )
        .bind(case_id)
        .bind(&p.id)
        .bind(Uuid::new_v4().to_string())
        .bind(&p.name)
        .bind(serde_json::to_string(&p.aliases).unwrap_or_else(|_| "[]".into()))
        .bind(&p.date_of_birth)
        .bind(p.role.as_str())
        .bind(&p.email)
        .execute(&mut *tx)
        .await?;
        if !p.left_case {
            // Listed again: staff may invite them again; the portal lets
            // them back in only with a new invitation. Not after their
            // content was erased (governance::erasure::person).
            sqlx::query(
                "UPDATE case_people SET removed_at = NULL WHERE case_id = $1 AND source_id = $2 AND removed_at IS NOT NULL AND erased_at IS NULL",
            )
            .bind(case_id)
            .bind(&p.id)
            .execute(&mut *tx)
            .await?;
        }
    }
    // Whoever the case system no longer lists, or says has left, loses portal
    // access in this same transaction.
    let current: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, source_id, portal_id FROM case_people WHERE case_id = $1 AND removed_at IS NULL",
    )
    .bind(case_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut removed_count = 0;
    for (id, source_id, portal_id) in current {
        let listed = case.people.iter().find(|p| p.id == source_id);
        let reason = match listed {
            None => "no_longer_listed",
            Some(p) if p.left_case => "left_case",
            Some(_) => continue,
        };
        let Ok(portal_id) = portal_id.parse() else {
            continue;
        };
        let removed = Removed {
            case_person_id: id,
            portal_id,
            case_reference: &case.case_reference,
            reason,
        };
        if end_access(&mut tx, db, &removed, now).await? {
            removed_count += 1;
        }
    }
    for p in &case.professionals {
        sqlx::query(
            "INSERT INTO case_professionals (case_id, source_id, name, role, email) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (case_id, source_id) DO UPDATE SET name = excluded.name, role = excluded.role,
                 email = excluded.email",
        )
        .bind(case_id)
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.role)
        .bind(&p.email)
        .execute(&mut *tx)
        .await?;
    }
    for d in &case.documents {
        sqlx::query(
            "INSERT INTO case_documents (case_id, source_id, title, kind, document_date, body)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (case_id, source_id) DO UPDATE SET title = excluded.title, kind = excluded.kind,
                 document_date = excluded.document_date, body = excluded.body",
        )
        .bind(case_id)
        .bind(&d.id)
        .bind(db.seal(&d.title))
        .bind(&d.kind)
        .bind(&d.date)
        .bind(db.seal(&d.body))
        .execute(&mut *tx)
        .await?;
    }
    for m in &case.meetings {
        sqlx::query(
            "INSERT INTO case_meetings (case_id, source_id, kind, starts_at, place) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (case_id, source_id) DO UPDATE SET kind = excluded.kind, starts_at = excluded.starts_at,
                 place = excluded.place",
        )
        .bind(case_id)
        .bind(&m.id)
        .bind(&m.kind)
        .bind(&m.starts_at)
        .bind(&m.place)
        .execute(&mut *tx)
        .await?;
    }

    // What the case system no longer lists goes.
    let keep = |ids: Vec<&String>| ids.into_iter().cloned().collect::<Vec<String>>();
    for (table, ids) in [
        (
            "case_professionals",
            keep(case.professionals.iter().map(|p| &p.id).collect()),
        ),
        (
            "case_documents",
            keep(case.documents.iter().map(|d| &d.id).collect()),
        ),
        (
            "case_meetings",
            keep(case.meetings.iter().map(|m| &m.id).collect()),
        ),
    ] {
        let current: Vec<String> =
            sqlx::query_scalar(&format!("SELECT source_id FROM {table} WHERE case_id = $1"))
                .bind(case_id)
                .fetch_all(&mut *tx)
                .await?;
        for gone in current.iter().filter(|id| !ids.contains(id)) {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE case_id = $1 AND source_id = $2"
            ))
            .bind(case_id)
            .bind(gone)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Outcome {
        case_reference: case.case_reference.clone(),
        created: existing.is_none(),
        people: case.people.len(),
        professionals: case.professionals.len(),
        documents: case.documents.len(),
        meetings: case.meetings.len(),
        removed: removed_count,
    })
}

/// Validates then stores: nothing is written unless the whole case is valid.
pub async fn import(db: &Db, json: &str, now: i64) -> Result<Outcome, ImportError> {
    let case = parse(json).map_err(ImportError::Invalid)?;
    Ok(store(db, &case, now).await?)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the case is not valid")]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ImportError> for crate::error::BridgeError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Invalid(problems) => crate::error::BridgeError::Invalid(problems),
            ImportError::Database(e) => e.into(),
        }
    }
}
