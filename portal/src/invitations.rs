//! Invitations as the bridge sent them: a code's hash, whose it is, and until
//! when. Owns the `invitations` table and the `secrets` row of the key codes
//! are stored under.
//!
//! An invitation code has about 49 bits, so a plain hash of it in a copy of
//! the database could be searched through. What is stored is an HMAC of the
//! bridge's hash under a key of the portal's own, generated once and kept
//! sealed to `key_file` (`content::seal`): the database alone cracks nothing.
//!
//! Five checks of the right code with the wrong details spend it. Each check
//! first claims one of the five in a single `UPDATE ... WHERE failed_checks <
//! 5`, so however many arrive at once, no more than five are ever made.

use content::db::Db;
use content::seal::Sealer;
use content::sync::{InvitationPush, InvitationRevocation};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use uuid::Uuid;

const KEY_NAME: &str = "invitation_code_key";

/// The key invitation codes are stored under: made the first time it is
/// needed (any instance may be first; the database keeps one), sealed.
/// Read first, so the usual check writes nothing.
async fn code_key(db: &Db, sealer: &Sealer) -> sqlx::Result<String> {
    let read = || async {
        sqlx::query_scalar::<_, String>("SELECT value FROM secrets WHERE name = $1")
            .bind(KEY_NAME)
            .fetch_optional(&db.pool)
            .await
    };
    let sealed = match read().await? {
        Some(sealed) => sealed,
        None => {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            sqlx::query(
                "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(KEY_NAME)
            .bind(sealer.seal(&hex::encode(key)))
            .execute(&db.pool)
            .await?;
            // Another instance may have been first: theirs is the key.
            read().await?.ok_or(sqlx::Error::RowNotFound)?
        }
    };
    sealer
        .open(&sealed)
        .map_err(|e| sqlx::Error::Decode(format!("the invitation key does not open: {e}").into()))
}

/// What is stored for a code whose bridge-side hash is `code_hash`.
async fn stored_hash(db: &Db, sealer: &Sealer, code_hash: &str) -> sqlx::Result<String> {
    let key = code_key(db, sealer).await?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .map_err(|e| sqlx::Error::Decode(e.to_string().into()))?;
    mac.update(code_hash.as_bytes());
    Ok(format!("hmac:{}", hex::encode(mac.finalize().into_bytes())))
}

/// How many times the right code with the wrong name or date of birth may be
/// tried before the invitation is spent.
pub const MAX_FAILED_CHECKS: i64 = 5;

pub async fn store(db: &Db, sealer: &Sealer, id: Uuid, push: &InvitationPush) -> sqlx::Result<()> {
    let code_hash = stored_hash(db, sealer, &push.code_hash).await?;
    sqlx::query(
        "INSERT INTO invitations (id, person_id, code_hash, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(push.person_id.to_string())
    .bind(&code_hash)
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
/// match: it cannot be used again. Returns the invitation's and the person's
/// ids. A new invitation used also turns email sign-in back on after a lost
/// phone.
pub async fn redeem(
    db: &Db,
    sealer: &Sealer,
    code_hash: &str,
    first_name: &str,
    date_of_birth: &str,
    now: i64,
) -> sqlx::Result<Result<(Uuid, Uuid), Refusal>> {
    let code_hash = stored_hash(db, sealer, code_hash).await?;
    let mut tx = db.pool.begin().await?;
    // Claim a check: the row is locked until this transaction ends, and a
    // claim past the fifth finds nothing.
    let claimed: Option<(String, String)> = sqlx::query_as(
        "UPDATE invitations SET failed_checks = failed_checks + 1
         WHERE code_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
           AND failed_checks < $3
           AND person_id IN (SELECT id FROM people WHERE removed_at IS NULL)
         RETURNING id, person_id",
    )
    .bind(&code_hash)
    .bind(now)
    .bind(MAX_FAILED_CHECKS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((invitation, person)) = claimed else {
        return Ok(Err(Refusal::NoSuchCode));
    };
    let known: (String, Option<String>) =
        sqlx::query_as("SELECT first_name, date_of_birth FROM people WHERE id = $1")
            .bind(&person)
            .fetch_one(&mut *tx)
            .await?;
    let matches = same_name(&known.0, first_name) && known.1.as_deref() == Some(date_of_birth);
    if !matches {
        tx.commit().await?;
        return Ok(Err(Refusal::DetailsDoNotMatch));
    }
    // The right details: the claimed check was not a failure after all.
    sqlx::query(
        "UPDATE invitations SET used_at = $1, failed_checks = failed_checks - 1 WHERE id = $2",
    )
    .bind(now)
    .bind(&invitation)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE people SET activated_at = COALESCE(activated_at, $1), email_sign_in_stopped_at = NULL
         WHERE id = $2",
    )
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
