//! The portal's users, as the bridge sent them. Owns the `people` table.

use content::db::Db;
use content::sync::{FamilyRole, PersonPush};
use uuid::Uuid;

pub async fn upsert(db: &Db, id: Uuid, person: &PersonPush, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO people (id, display_name, first_name, role, date_of_birth, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
             first_name = excluded.first_name, role = excluded.role,
             date_of_birth = excluded.date_of_birth, updated_at = excluded.updated_at",
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
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn from_row(
    (id, display_name, first_name, role, date_of_birth, email, last_visit_at): Row,
) -> Option<Person> {
    Some(Person {
        id: id.parse().ok()?,
        display_name,
        first_name,
        role: FamilyRole::parse(&role)?,
        date_of_birth,
        email,
        last_visit_at,
    })
}

const COLUMNS: &str = "id, display_name, first_name, role, date_of_birth, email, last_visit_at";

pub async fn find(db: &Db, id: Uuid) -> sqlx::Result<Option<Person>> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM people WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.and_then(from_row))
}

/// The person whose verified email this is, compared without case.
pub async fn find_by_email(db: &Db, email: &str) -> sqlx::Result<Option<Person>> {
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM people WHERE email = $1"))
            .bind(email.trim().to_lowercase())
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(from_row))
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
