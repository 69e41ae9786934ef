//! Codes sent by email: to sign in (a 6-digit code and a link with a 128-bit
//! token, either works once), and to prove an address is the person's.
//! Owns the `email_codes` table. Only hashes are stored; a code lasts ten
//! minutes, and five wrong tries spend it.
//!
//! Wrong tries spend the code, never lock the account: a stranger who knows
//! someone's address cannot stop them signing in. Each try first claims one of
//! the code's five in a single `UPDATE ... WHERE tries < 5`, so five is the
//! limit however many guesses arrive at once; with at most
//! [`MAX_PER_HOUR`] codes sent to a person an hour, a guesser gets 25 tries
//! an hour at a million values, and nobody can flood a family's inbox.
//!
//! A 6-digit code has only a million values, so a plain hash of it in a copy
//! of the database would give the code away in a moment. Each code is
//! therefore stored as an HMAC-SHA256 under a random key of its own, and that
//! key is stored sealed to the portal's `key_file` (`content::seal`): the
//! database alone reveals no code, and no key is shared between codes. The
//! link token has 128 random bits, so a plain SHA-256 of it is safe (and lets
//! a link be looked up by its hash).

use content::db::Db;
use content::seal::Sealer;
use content::tokens::{hash_token, new_numeric_code};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

pub const LIFETIME_SECONDS: i64 = 600;
pub const MAX_TRIES: i64 = 5;
/// Codes (of any purpose) sent to one person in an hour, at most.
pub const MAX_PER_HOUR: i64 = 5;

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

/// What is stored for a code: `hmac:<sealed key>:<HMAC of the code, hex>`.
fn keyed_hash(sealer: &Sealer, code: &str) -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let key = hex::encode(key);
    format!("hmac:{}:{}", sealer.seal(&key), mac(&key, code))
}

// HMAC takes a key of any length: this cannot fail.
#[allow(clippy::expect_used)]
fn mac(key: &str, code: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `typed` is the code stored as `stored`. Anything that does not
/// open (another key, a damaged row, an older unkeyed hash) is simply wrong.
fn matches(sealer: &Sealer, stored: &str, typed: &str) -> bool {
    let mut parts = stored.splitn(3, ':');
    let (Some("hmac"), Some(sealed), Some(expected)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(key) = sealer.open(sealed) else {
        return false;
    };
    mac(&key, typed)
        .as_bytes()
        .ct_eq(expected.as_bytes())
        .into()
}

fn link_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new code for `person` at `email`; earlier unspent ones of the same
/// purpose are spent, so only the newest works. None when [`MAX_PER_HOUR`]
/// have been sent to this person in the last hour.
pub async fn issue(
    db: &Db,
    sealer: &Sealer,
    person: Uuid,
    email: &str,
    purpose: Purpose,
    now: i64,
) -> sqlx::Result<Option<Issued>> {
    let issued = Issued {
        code: new_numeric_code(6),
        link_token: link_token(),
    };
    let mut tx = db.pool.begin().await?;
    // Codes for one person are issued one at a time: this takes the
    // person's row lock (PostgreSQL; SQLite has one writer), so the count
    // below sees every code issued before it.
    sqlx::query("UPDATE people SET updated_at = updated_at WHERE id = $1")
        .bind(person.to_string())
        .execute(&mut *tx)
        .await?;
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_codes WHERE person_id = $1 AND expires_at > $2",
    )
    .bind(person.to_string())
    .bind(now - 3600 + LIFETIME_SECONDS)
    .fetch_one(&mut *tx)
    .await?;
    if recent >= MAX_PER_HOUR {
        return Ok(None);
    }
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
    .bind(keyed_hash(sealer, &issued.code))
    .bind(hash_token(&issued.link_token))
    .bind(now + LIFETIME_SECONDS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(issued))
}

/// What a typed code turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Redeemed {
    /// Right: the code is spent; the email it was sent to.
    Right(String),
    /// Wrong: one of the code's tries is gone (the fifth spends it).
    Wrong,
    /// There is no live code to try (none sent, spent, too old).
    NoLiveCode,
}

/// Checks a typed code against the newest live code for this person and
/// purpose. Each try counts against that code only.
pub async fn redeem_code(
    db: &Db,
    sealer: &Sealer,
    person: Uuid,
    purpose: Purpose,
    typed: &str,
    now: i64,
) -> sqlx::Result<Redeemed> {
    let mut tx = db.pool.begin().await?;
    // Claim a try first; the row stays locked until this transaction ends.
    let claimed: Option<(String, String, String, i64)> = sqlx::query_as(
        "UPDATE email_codes SET tries = tries + 1
         WHERE id = (SELECT id FROM email_codes
                     WHERE person_id = $1 AND purpose = $2 AND spent_at IS NULL AND expires_at > $3
                     ORDER BY expires_at DESC LIMIT 1)
           AND spent_at IS NULL AND tries < $4
         RETURNING id, email, code_hash, tries",
    )
    .bind(person.to_string())
    .bind(purpose.as_str())
    .bind(now)
    .bind(MAX_TRIES)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, email, code_hash, tries)) = claimed else {
        return Ok(Redeemed::NoLiveCode);
    };
    let typed: String = typed.chars().filter(|c| c.is_ascii_digit()).collect();
    let right = matches(sealer, &code_hash, &typed);
    if right || tries >= MAX_TRIES {
        sqlx::query("UPDATE email_codes SET spent_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(if right {
        Redeemed::Right(email)
    } else {
        Redeemed::Wrong
    })
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
