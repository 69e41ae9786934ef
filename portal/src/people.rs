//! The portal's users, as the bridge sent them. Owns the `people` table.
//!
//! Whether a person may use the portal is decided here and nowhere else:
//! `find_active` is the only way pages reach a person, and `end_access` is
//! what removal from the case does (at once, in one transaction: sessions,
//! passkeys, email codes and invitations all stop).

use content::db::Db;
use content::sync::{FamilyRole, PersonPush};
use uuid::Uuid;

pub async fn upsert(db: &Db, id: Uuid, person: &PersonPush, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO people (id, display_name, first_name, role, date_of_birth, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
             first_name = excluded.first_name, role = excluded.role,
             date_of_birth = excluded.date_of_birth, updated_at = excluded.updated_at,
             removed_at = NULL",
    )
    .bind(id.to_string())
    .bind(&person.display_name)
    .bind(&person.first_name)
    .bind(person.role.as_str())
    .bind(&person.date_of_birth)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A person as the portal knows them.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub id: Uuid,
    pub display_name: String,
    pub first_name: String,
    pub role: FamilyRole,
    pub date_of_birth: Option<String>,
    /// Verified: set only after the person entered a code sent there.
    pub email: Option<String>,
    pub last_visit_at: Option<i64>,
    /// Set after a lost phone: email sign-in is stopped until the person is
    /// invited again or a staff member turns it back on.
    pub email_sign_in_stopped: bool,
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

fn from_row(
    (id, display_name, first_name, role, date_of_birth, email, last_visit_at, stopped): Row,
) -> Option<Person> {
    Some(Person {
        id: id.parse().ok()?,
        display_name,
        first_name,
        role: FamilyRole::parse(&role)?,
        date_of_birth,
        email,
        last_visit_at,
        email_sign_in_stopped: stopped.is_some(),
    })
}

const COLUMNS: &str =
    "id, display_name, first_name, role, date_of_birth, email, last_visit_at, email_sign_in_stopped_at";

/// A person who may use the portal now: not removed from their case, and
/// their access not paused by the council.
/// Whether the bridge has sent this person, whatever their access now.
pub async fn exists(db: &Db, id: Uuid) -> sqlx::Result<bool> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

pub async fn find_active(db: &Db, id: Uuid) -> sqlx::Result<Option<Person>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM people WHERE id = $1 AND removed_at IS NULL AND frozen_at IS NULL"
    ))
    .bind(id.to_string())
    .fetch_optional(db.reader())
    .await?;
    Ok(row.and_then(from_row))
}

/// The person who may sign in with a code sent to this verified email
/// (compared without case): nobody when they were removed from the case or
/// email sign-in is stopped after a lost phone.
pub async fn find_for_email_sign_in(db: &Db, email: &str) -> sqlx::Result<Option<Person>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM people WHERE email = $1 AND removed_at IS NULL
           AND email_sign_in_stopped_at IS NULL"
    ))
    .bind(email.trim().to_lowercase())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(from_row))
}

/// How a person stops being able to get in, in the caller's transaction:
/// one of the `UPDATE people` statements below, then their sessions end,
/// their passkeys go and unspent email codes are spent.
async fn shut_out(
    conn: &mut sqlx::AnyConnection,
    mark: &str,
    id: &str,
    at: i64,
) -> sqlx::Result<()> {
    for sql in [
        mark,
        "UPDATE sessions SET ended_at = $1 WHERE subject = $2 AND ended_at IS NULL",
        "UPDATE email_codes SET spent_at = $1 WHERE person_id = $2 AND spent_at IS NULL",
    ] {
        sqlx::query(sql)
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM passkeys WHERE person_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removal from the case: the person sees nothing from now on. Their
/// sessions end, passkeys go, unspent email codes and live invitations are
/// spent, all in one transaction. The row stays, so a later invitation (after
/// the case system lists them again) can restore access.
pub async fn end_access(db: &Db, id: Uuid, at: i64) -> sqlx::Result<()> {
    let id = id.to_string();
    let mut tx = db.pool.begin().await?;
    shut_out(
        &mut tx,
        "UPDATE people SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL",
        &id,
        at,
    )
    .await?;
    sqlx::query(
        "UPDATE invitations SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL AND used_at IS NULL",
    )
    .bind(at)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A lost phone: every passkey goes, every session ends, and email sign-in
/// stops too (whoever holds the phone usually holds the mail app) until the
/// person is invited again or a staff member turns it back on.
pub async fn lost_phone(db: &Db, id: Uuid, at: i64) -> sqlx::Result<()> {
    let id = id.to_string();
    let mut tx = db.pool.begin().await?;
    shut_out(
        &mut tx,
        "UPDATE people SET email_sign_in_stopped_at = $1 WHERE id = $2 AND email_sign_in_stopped_at IS NULL",
        &id,
        at,
    )
    .await?;
    tx.commit().await
}

/// Email sign-in works again: a staff member confirmed the address, or the
/// person used a new invitation.
pub async fn restore_email_sign_in(conn: &mut sqlx::AnyConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE people SET email_sign_in_stopped_at = NULL WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a verified email; false when another person already uses it.
pub async fn set_email(db: &Db, id: Uuid, email: &str) -> sqlx::Result<bool> {
    let taken: Option<String> =
        sqlx::query_scalar("SELECT id FROM people WHERE email = $1 AND id <> $2")
            .bind(email)
            .bind(id.to_string())
            .fetch_optional(&db.pool)
            .await?;
    if taken.is_some() {
        return Ok(false);
    }
    sqlx::query("UPDATE people SET email = $1 WHERE id = $2")
        .bind(email)
        .bind(id.to_string())
        .execute(&db.pool)
        .await?;
    Ok(true)
}

/// Remembers the start of this visit, so the next one can show what is new.
pub async fn visited(db: &Db, id: Uuid, visit_started: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE people SET last_visit_at = $1 WHERE id = $2")
        .bind(visit_started)
        .bind(id.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Whether the council has paused this person's access (an IG officer or a
/// manager, e.g. during an investigation). Sign-in then shows the neutral
/// "paused" page instead of starting a session.
pub async fn is_frozen(db: &Db, id: Uuid) -> sqlx::Result<bool> {
    let frozen: Option<Option<i64>> =
        sqlx::query_scalar("SELECT frozen_at FROM people WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&db.pool)
            .await?;
    Ok(matches!(frozen, Some(Some(_))))
}

/// Pauses (every session ends, in the same transaction) or restores a
/// person's access. Passkeys, email and invitations are kept, so restoring
/// needs nothing from the person. Unknown ids change nothing.
pub async fn set_frozen(db: &Db, id: Uuid, frozen: bool, at: i64) -> sqlx::Result<()> {
    let id = id.to_string();
    let mut tx = db.pool.begin().await?;
    if frozen {
        sqlx::query("UPDATE people SET frozen_at = $1 WHERE id = $2 AND frozen_at IS NULL")
            .bind(at)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE subject = $2 AND ended_at IS NULL")
            .bind(at)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("UPDATE people SET frozen_at = NULL WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
