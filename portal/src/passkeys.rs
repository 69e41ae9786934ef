//! A person's passkeys. Owns the `passkeys` table. Credential ids are stored
//! base64url-encoded; the passkey itself as webauthn-rs serialises it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use content::db::Db;
use uuid::Uuid;
use webauthn_rs::prelude::Passkey;

pub fn credential_key(raw_id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw_id)
}

#[derive(Clone, Debug)]
pub struct Stored {
    pub credential_id: String,
    pub name: String,
    pub passkey: Passkey,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub async fn add(
    db: &Db,
    person: Uuid,
    name: &str,
    passkey: &Passkey,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO passkeys (credential_id, person_id, name, passkey, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(credential_key(passkey.cred_id().as_ref()))
    .bind(person.to_string())
    .bind(name)
    .bind(serde_json::to_string(passkey).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

type Row = (String, String, String, i64, Option<i64>);

fn from_row((credential_id, name, passkey, created_at, last_used_at): Row) -> Option<Stored> {
    Some(Stored {
        credential_id,
        name,
        passkey: serde_json::from_str(&passkey).ok()?,
        created_at,
        last_used_at,
    })
}

pub async fn of_person(db: &Db, person: Uuid) -> sqlx::Result<Vec<Stored>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT credential_id, name, passkey, created_at, last_used_at FROM passkeys
         WHERE person_id = $1 ORDER BY created_at, credential_id",
    )
    .bind(person.to_string())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().filter_map(from_row).collect())
}

/// The passkey with this credential id, only if it belongs to `person`.
pub async fn find(db: &Db, person: Uuid, credential_id: &str) -> sqlx::Result<Option<Stored>> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT credential_id, name, passkey, created_at, last_used_at FROM passkeys
         WHERE person_id = $1 AND credential_id = $2",
    )
    .bind(person.to_string())
    .bind(credential_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(from_row))
}

/// After a sign-in: the new signature counter and when.
pub async fn used(db: &Db, person: Uuid, passkey: &Passkey, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE person_id = $3 AND credential_id = $4")
        .bind(serde_json::to_string(passkey).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
        .bind(now)
        .bind(person.to_string())
        .bind(credential_key(passkey.cred_id().as_ref()))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Renames one of the person's own passkeys; false if it is not theirs.
pub async fn rename(db: &Db, person: Uuid, credential_id: &str, name: &str) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE passkeys SET name = $1 WHERE person_id = $2 AND credential_id = $3")
            .bind(name)
            .bind(person.to_string())
            .bind(credential_id)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes one of the person's own passkeys; false if it is not theirs.
pub async fn remove(db: &Db, person: Uuid, credential_id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM passkeys WHERE person_id = $1 AND credential_id = $2")
        .bind(person.to_string())
        .bind(credential_id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
