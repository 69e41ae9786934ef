//! The portal's users, as the bridge sent them. Owns the `people` table.

use content::db::Db;
use content::sync::PersonPush;
use uuid::Uuid;

pub async fn upsert(db: &Db, id: Uuid, person: &PersonPush, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO people (id, display_name, first_name, role, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
             first_name = excluded.first_name, role = excluded.role, updated_at = excluded.updated_at",
    )
    .bind(id.to_string())
    .bind(&person.display_name)
    .bind(&person.first_name)
    .bind(person.role.as_str())
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The person as stored, if the bridge has sent them.
pub async fn find(db: &Db, id: Uuid) -> sqlx::Result<Option<PersonPush>> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT display_name, first_name, role FROM people WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|(display_name, first_name, role)| {
        Some(PersonPush { display_name, first_name, role: content::sync::FamilyRole::parse(&role)? })
    }))
}
