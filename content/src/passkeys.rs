//! Passkeys with webauthn-rs: the relying party both services build from
//! their public URL, and ceremony state kept in the database between the two
//! halves of a ceremony, so any instance can finish what another started.
//! Owns the `ceremonies` table, which both services' migrations create.

use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;
use webauthn_rs::prelude::WebauthnError;
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::db::Db;
use crate::tokens::{hash_token, new_token};

/// How long a started ceremony may take to finish.
pub const CEREMONY_SECONDS: i64 = 300;

/// The relying party for a service served at `public_url`.
pub fn relying_party(public_url: &Url, name: &str) -> Result<Webauthn, WebauthnError> {
    let rp_id = public_url.host_str().ok_or(WebauthnError::Configuration)?;
    WebauthnBuilder::new(rp_id, public_url)?
        .rp_name(name)
        .build()
}

/// Keeps a ceremony's state; the returned token names it to the browser.
pub async fn save_ceremony<T: Serialize>(
    db: &Db,
    kind: &str,
    subject: Option<&str>,
    state: &T,
    now: i64,
) -> sqlx::Result<String> {
    let token = new_token();
    sqlx::query("DELETE FROM ceremonies WHERE expires_at < $1")
        .bind(now)
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "INSERT INTO ceremonies (id, kind, subject, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_token(&token))
    .bind(kind)
    .bind(subject)
    .bind(serde_json::to_string(state).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
    .bind(now + CEREMONY_SECONDS)
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// Takes a ceremony's state back, once: a second take finds nothing.
pub async fn take_ceremony<T: DeserializeOwned>(
    db: &Db,
    kind: &str,
    token: &str,
    now: i64,
) -> sqlx::Result<Option<(Option<String>, T)>> {
    let id = hash_token(token);
    let row: Option<(Option<String>, String, i64)> = sqlx::query_as(
        "SELECT subject, state, expires_at FROM ceremonies WHERE id = $1 AND kind = $2",
    )
    .bind(&id)
    .bind(kind)
    .fetch_optional(&db.pool)
    .await?;
    let deleted = sqlx::query("DELETE FROM ceremonies WHERE id = $1")
        .bind(&id)
        .execute(&db.pool)
        .await?;
    let Some((subject, state, expires_at)) = row else {
        return Ok(None);
    };
    if deleted.rows_affected() == 0 || expires_at < now {
        return Ok(None);
    }
    Ok(serde_json::from_str(&state)
        .ok()
        .map(|state| (subject, state)))
}
