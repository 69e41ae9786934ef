//! Codes sent by email: to sign in (a 6-digit code and a link with a 128-bit
//! token, either works once), and to prove an address is the person's.
//! Owns the `email_codes` table. Only hashes are stored; a code lasts ten
//! minutes, and five wrong tries spend it.

use content::db::Db;
use content::tokens::{hash_token, new_numeric_code};
use rand::RngCore;
use subtle::ConstantTimeEq;
use uuid::Uuid;

pub const LIFETIME_SECONDS: i64 = 600;
pub const MAX_TRIES: i64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    VerifyEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign_in",
            Purpose::VerifyEmail => "verify_email",
        }
    }
}

/// What to put in the email; never stored.
pub struct Issued {
    pub code: String,
    pub link_token: String,
}

fn link_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new code for `person` at `email`; earlier unspent ones of the same
/// purpose are spent, so only the newest works.
pub async fn issue(
    db: &Db,
    person: Uuid,
    email: &str,
    purpose: Purpose,
    now: i64,
) -> sqlx::Result<Issued> {
    let issued = Issued {
        code: new_numeric_code(6),
        link_token: link_token(),
    };
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE email_codes SET spent_at = $1 WHERE person_id = $2 AND purpose = $3 AND spent_at IS NULL")
        .bind(now)
        .bind(person.to_string())
        .bind(purpose.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO email_codes (id, person_id, purpose, email, code_hash, link_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(person.to_string())
    .bind(purpose.as_str())
    .bind(email.trim().to_lowercase())
    .bind(hash_token(&issued.code))
    .bind(hash_token(&issued.link_token))
    .bind(now + LIFETIME_SECONDS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(issued)
}

/// Checks a typed code against the newest live code for this person and
/// purpose. Each try counts; the fifth wrong one spends it. Returns the email
/// it was sent to when right.
pub async fn redeem_code(
    db: &Db,
    person: Uuid,
    purpose: Purpose,
    typed: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let mut tx = db.pool.begin().await?;
    let row: Option<(String, String, String, i64)> = sqlx::query_as(
        "SELECT id, email, code_hash, tries FROM email_codes
         WHERE person_id = $1 AND purpose = $2 AND spent_at IS NULL AND expires_at > $3
         ORDER BY expires_at DESC LIMIT 1",
    )
    .bind(person.to_string())
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, email, code_hash, tries)) = row else {
        return Ok(None);
    };
    let typed: String = typed.chars().filter(|c| c.is_ascii_digit()).collect();
    let right: bool = hash_token(&typed)
        .as_bytes()
        .ct_eq(code_hash.as_bytes())
        .into();
    if right {
        sqlx::query("UPDATE email_codes SET spent_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    } else {
        let spent = if tries + 1 >= MAX_TRIES {
            Some(now)
        } else {
            None
        };
        sqlx::query("UPDATE email_codes SET tries = tries + 1, spent_at = $1 WHERE id = $2")
            .bind(spent)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(right.then_some(email))
}

/// Uses a sign-in link once. Returns whose it was.
pub async fn redeem_link(db: &Db, token: &str, now: i64) -> sqlx::Result<Option<Uuid>> {
    let mut tx = db.pool.begin().await?;
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT id, person_id FROM email_codes
         WHERE link_hash = $1 AND purpose = 'sign_in' AND spent_at IS NULL AND expires_at > $2",
    )
    .bind(hash_token(token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, person)) = row else {
        return Ok(None);
    };
    let spent =
        sqlx::query("UPDATE email_codes SET spent_at = $1 WHERE id = $2 AND spent_at IS NULL")
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok((spent.rows_affected() == 1)
        .then(|| person.parse().ok())
        .flatten())
}
