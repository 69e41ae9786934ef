//! Sessions, kept in the service's own database so any instance can serve any
//! request. Owns the `sessions` table, which both services' migrations create
//! with the same shape.
//!
//! The browser holds a random 256-bit token in a `__Host-` cookie (HttpOnly,
//! Secure, SameSite=Strict); the database holds only its SHA-256, so a copy of
//! the database cannot be used to take over a session. Each session has its own
//! CSRF token, checked on every state-changing form with the request's Origin.

use crate::tokens::{hash_token, new_token};
use axum::http::header::{COOKIE, ORIGIN, REFERER};
use axum::http::{HeaderMap, HeaderValue};
use subtle::ConstantTimeEq;

use crate::db::Db;

/// How stale a session's `last_seen_at` may get before a request writes it.
pub const TOUCH_SECONDS: i64 = 60;

/// How long sessions last and what their cookie is called.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Must start with `__Host-`.
    pub cookie: &'static str,
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Hash of the cookie's token: the session's id in the database.
    pub id: String,
    /// Who is signed in: a portal person id or a staff id.
    pub subject: String,
    pub csrf: String,
    pub created_at: i64,
}

impl Policy {
    /// Starts a new session (a new id at every sign-in) and returns the cookie
    /// token with it.
    pub async fn create(
        &self,
        db: &Db,
        subject: &str,
        now: i64,
    ) -> sqlx::Result<(String, Session)> {
        let token = new_token();
        let session = Session {
            id: hash_token(&token),
            subject: subject.to_string(),
            csrf: new_token(),
            created_at: now,
        };
        sqlx::query(
            "INSERT INTO sessions (id, subject, csrf, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(&session.id)
        .bind(&session.subject)
        .bind(&session.csrf)
        .bind(now)
        .bind(now + self.absolute_seconds)
        .execute(&db.pool)
        .await?;
        Ok((token, session))
    }

    /// The live session a request's cookie names, if any, and marks it used
    /// (at most every [`TOUCH_SECONDS`]).
    /// A session idle too long or past its absolute limit is ended.
    pub async fn load(
        &self,
        db: &Db,
        headers: &HeaderMap,
        now: i64,
    ) -> sqlx::Result<Option<Session>> {
        let Some(token) = self.token(headers) else {
            return Ok(None);
        };
        let id = hash_token(&token);
        let row: Option<(String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT subject, csrf, created_at, last_seen_at, expires_at FROM sessions WHERE id = $1 AND ended_at IS NULL",
        )
        .bind(&id)
        .fetch_optional(db.reader())
        .await?;
        let Some((subject, csrf, created_at, last_seen_at, expires_at)) = row else {
            return Ok(None);
        };
        if now >= expires_at || now - last_seen_at >= self.idle_seconds {
            end_by_id(db, &id, now).await?;
            return Ok(None);
        }
        // At most once a minute, so reading pages does not queue every
        // request behind the one SQLite writer. The idle limit is counted
        // from the last touch, so it may end a session up to a minute early.
        if now - last_seen_at >= TOUCH_SECONDS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&id)
                .execute(&db.pool)
                .await?;
        }
        Ok(Some(Session {
            id,
            subject,
            csrf,
            created_at,
        }))
    }

    fn token(&self, headers: &HeaderMap) -> Option<String> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name == self.cookie && value.len() == 64).then(|| value.to_string())
            })
    }

    // The cookie name is ours and the token hex: always a valid header value.
    #[allow(clippy::expect_used)]
    pub fn set_cookie(&self, token: &str) -> HeaderValue {
        HeaderValue::from_str(&format!(
            "{}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
            self.cookie, self.absolute_seconds
        ))
        .expect("a token is a valid header value")
    }

    #[allow(clippy::expect_used)] // as set_cookie
    pub fn clear_cookie(&self) -> HeaderValue {
        HeaderValue::from_str(&format!(
            "{}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
            self.cookie
        ))
        .expect("a valid header value")
    }
}

/// Ends one session on the server: its cookie is worthless from now on.
pub async fn end_by_id(db: &Db, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// "Sign out of all devices": ends every session of `subject`.
pub async fn end_all(db: &Db, subject: &str, now: i64) -> sqlx::Result<u64> {
    let done =
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE subject = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(subject)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error("the request did not come from this site")]
    WrongOrigin,
    #[error("the form's security token is missing or wrong")]
    WrongToken,
}

/// A state-changing request must come from our own origin (by its Origin
/// header, or failing that its Referer) and carry the session's CSRF token.
pub fn check_csrf(
    headers: &HeaderMap,
    expected_origin: &str,
    session_csrf: &str,
    given: &str,
) -> Result<(), CsrfError> {
    check_origin(headers, expected_origin)?;
    if given.as_bytes().ct_eq(session_csrf.as_bytes()).into() && !given.is_empty() {
        Ok(())
    } else {
        Err(CsrfError::WrongToken)
    }
}

/// The Origin check alone, for forms used before there is a session.
pub fn check_origin(headers: &HeaderMap, expected_origin: &str) -> Result<(), CsrfError> {
    let expected = expected_origin.trim_end_matches('/');
    if let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        return if origin == expected {
            Ok(())
        } else {
            Err(CsrfError::WrongOrigin)
        };
    }
    match headers.get(REFERER).and_then(|v| v.to_str().ok()) {
        Some(referer) if referer == expected || referer.starts_with(&format!("{expected}/")) => {
            Ok(())
        }
        _ => Err(CsrfError::WrongOrigin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn csrf_needs_our_origin_and_the_session_token() {
        let ours = "http://localhost:8080";
        let ok = headers(&[("origin", ours)]);
        assert_eq!(check_csrf(&ok, ours, "abc", "abc"), Ok(()));
        assert_eq!(
            check_csrf(&ok, ours, "abc", "abd"),
            Err(CsrfError::WrongToken)
        );
        assert_eq!(check_csrf(&ok, ours, "abc", ""), Err(CsrfError::WrongToken));
        let evil = headers(&[("origin", "https://evil.example")]);
        assert_eq!(
            check_csrf(&evil, ours, "abc", "abc"),
            Err(CsrfError::WrongOrigin)
        );
        let referer = headers(&[("referer", "http://localhost:8080/sign-in")]);
        assert_eq!(check_origin(&referer, ours), Ok(()));
        let lookalike = headers(&[("referer", "http://localhost:8080.evil.example/")]);
        assert_eq!(check_origin(&lookalike, ours), Err(CsrfError::WrongOrigin));
        assert_eq!(
            check_origin(&HeaderMap::new(), ours),
            Err(CsrfError::WrongOrigin)
        );
    }

    #[test]
    fn the_cookie_is_host_only_secure_and_strict() {
        let policy = Policy {
            cookie: "__Host-test",
            idle_seconds: 900,
            absolute_seconds: 43200,
        };
        let cookie = policy.set_cookie("x");
        let cookie = cookie.to_str().unwrap();
        for part in [
            "__Host-test=x",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
        ] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!cookie.contains("Domain"));
    }

    #[test]
    fn only_a_well_formed_cookie_is_read() {
        let policy = Policy {
            cookie: "__Host-test",
            idle_seconds: 900,
            absolute_seconds: 43200,
        };
        let token = new_token();
        let h = headers(&[("cookie", &format!("other=1; __Host-test={token}"))]);
        assert_eq!(policy.token(&h), Some(token));
        assert_eq!(
            policy.token(&headers(&[("cookie", "__Host-test=short")])),
            None
        );
    }
}
