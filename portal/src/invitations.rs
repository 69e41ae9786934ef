//! Invitations as the bridge sent them: a code's hash, whose it is, and until
//! when. Owns the `invitations` table.

use content::db::Db;
use content::sync::{InvitationPush, InvitationRevocation};
use uuid::Uuid;

/// How many times the right code with the wrong name or date of birth may be
/// tried before the invitation is spent.
pub const MAX_FAILED_CHECKS: i64 = 5;

pub async fn store(db: &Db, id: Uuid, push: &InvitationPush) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO invitations (id, person_id, code_hash, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(push.person_id.to_string())
    .bind(&push.code_hash)
    .bind(push.expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn revoke(db: &Db, id: Uuid, push: &InvitationRevocation) -> sqlx::Result<()> {
    sqlx::query("UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(push.revoked_at)
        .bind(id.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Why an invitation could not be used. People are told only that the details
/// did not match: which part was wrong, or whether the code exists, is never
/// revealed.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No live invitation has this code (unknown, used, revoked or expired).
    NoSuchCode,
    /// The code is live but the name or date of birth is not the person's.
    DetailsDoNotMatch,
}

/// Checks a code and the person's details, and uses the invitation if they
/// match: it cannot be used again. Returns the person's id.
pub async fn redeem(
    db: &Db,
    code_hash: &str,
    first_name: &str,
    date_of_birth: &str,
    now: i64,
) -> sqlx::Result<Result<(Uuid, Uuid), Refusal>> {
    let mut tx = db.pool.begin().await?;
    let row: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT i.id, i.person_id, p.first_name, p.date_of_birth FROM invitations i
         LEFT JOIN people p ON p.id = i.person_id
         WHERE i.code_hash = $1 AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
           AND i.failed_checks < $3",
    )
    .bind(code_hash)
    .bind(now)
    .bind(MAX_FAILED_CHECKS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((invitation, person, known_name, known_dob)) = row else {
        return Ok(Err(Refusal::NoSuchCode));
    };
    let name_matches = known_name.is_some_and(|known| same_name(&known, first_name));
    let dob_matches = known_dob.as_deref() == Some(date_of_birth);
    if !(name_matches && dob_matches) {
        sqlx::query("UPDATE invitations SET failed_checks = failed_checks + 1 WHERE id = $1")
            .bind(&invitation)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(Err(Refusal::DetailsDoNotMatch));
    }
    let used = sqlx::query("UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(&invitation)
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Ok(Err(Refusal::NoSuchCode));
    }
    sqlx::query("UPDATE people SET activated_at = COALESCE(activated_at, $1) WHERE id = $2")
        .bind(now)
        .bind(&person)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    match (invitation.parse(), person.parse()) {
        (Ok(invitation), Ok(person)) => Ok(Ok((invitation, person))),
        _ => Ok(Err(Refusal::NoSuchCode)),
    }
}

/// First names compare without case, accents kept, spaces trimmed.
fn same_name(known: &str, typed: &str) -> bool {
    known.trim().to_lowercase() == typed.trim().to_lowercase()
}
