//! Staff passkeys: listed, named, added, used, renamed and removed, each
//! change in the ledger. Owns `staff_passkeys`.

use super::*;

#[derive(Clone, Debug)]
pub struct StoredPasskey {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub passkey: Passkey,
}

pub(super) fn credential_key(passkey: &Passkey) -> String {
    hex::encode(passkey.cred_id())
}

pub async fn passkeys_of(db: &Db, staff_id: &str) -> sqlx::Result<Vec<StoredPasskey>> {
    let rows: Vec<(String, String, i64, Option<i64>, String)> = sqlx::query_as(
        "SELECT id, name, created_at, last_used_at, passkey FROM staff_passkeys WHERE staff_id = $1 ORDER BY created_at, id",
    )
    .bind(staff_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, created_at, last_used_at, passkey)| {
            Some(StoredPasskey {
                id,
                name,
                created_at,
                last_used_at,
                passkey: serde_json::from_str(&passkey).ok()?,
            })
        })
        .collect())
}

/// A passkey name as typed: trimmed, at most 60 characters, never empty.
pub fn passkey_name(typed: &str) -> String {
    let name: String = typed
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    if name.is_empty() {
        "Passkey".into()
    } else {
        name
    }
}

/// Stores a new passkey and records it, in the caller's transaction.
pub async fn insert_passkey(
    conn: &mut AnyConnection,
    backend: content::db::Backend,
    staff_id: &str,
    name: &str,
    passkey: &Passkey,
    now: i64,
) -> sqlx::Result<String> {
    let id = Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO staff_passkeys (id, staff_id, credential_id, name, passkey, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(staff_id)
    .bind(credential_key(passkey))
    .bind(name)
    .bind(serde_json::to_string(passkey).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    ledger::append(
        conn,
        backend,
        &NewEntry {
            kind: kinds::STAFF_PASSKEY_CHANGE,
            actor: Some(staff_id),
            subject: Some(staff_id),
            data: json!({ "change": "added", "passkey_id": id }),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// After a sign-in: the passkey's counter and when it was last used.
pub async fn record_use(db: &Db, id: &str, passkey: &Passkey, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE staff_passkeys SET passkey = $1, last_used_at = $2 WHERE id = $3")
        .bind(serde_json::to_string(passkey).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn rename_passkey(
    db: &Db,
    owner: StaffId<'_>,
    id: &str,
    name: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let staff_id = owner.0;
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query("UPDATE staff_passkeys SET name = $1 WHERE id = $2 AND staff_id = $3")
        .bind(name)
        .bind(id)
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: kinds::STAFF_PASSKEY_CHANGE,
            actor: Some(staff_id),
            subject: Some(staff_id),
            data: json!({ "change": "renamed", "passkey_id": id }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Removed {
    Done,
    NotFound,
    /// The only passkey: removing it would lock the person out.
    LastOne,
}

pub async fn remove_passkey(
    db: &Db,
    owner: StaffId<'_>,
    id: &str,
    now: i64,
) -> sqlx::Result<Removed> {
    let staff_id = owner.0;
    let mut tx = db.pool.begin().await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff_passkeys WHERE staff_id = $1")
        .bind(staff_id)
        .fetch_one(&mut *tx)
        .await?;
    let mine: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM staff_passkeys WHERE staff_id = $1 AND id = $2")
            .bind(staff_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if mine == 0 {
        return Ok(Removed::NotFound);
    }
    if count <= 1 {
        return Ok(Removed::LastOne);
    }
    sqlx::query("DELETE FROM staff_passkeys WHERE id = $1 AND staff_id = $2")
        .bind(id)
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: kinds::STAFF_PASSKEY_CHANGE,
            actor: Some(staff_id),
            subject: Some(staff_id),
            data: json!({ "change": "removed", "passkey_id": id }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Removed::Done)
}
