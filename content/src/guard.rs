//! Defences on sign-in, code and invitation endpoints: the client's address
//! (believing a forwarded-for header only from configured proxies), rate
//! limits by that address, and per-account lockout with backoff. Owns the
//! `lockouts` table, which both services' migrations create.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::IntoResponse;
use governor::middleware::NoOpMiddleware;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use crate::db::Db;
use crate::web::Chrome;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<IpAddr>>);

impl TrustedProxies {
    pub fn new(proxies: Vec<IpAddr>) -> TrustedProxies {
        TrustedProxies(Arc::new(proxies))
    }

    /// The address the request came from: the peer, unless the peer is a
    /// trusted proxy, in which case the nearest untrusted address it reports.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.0.contains(&peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !self.0.contains(ip))
            .unwrap_or(peer)
    }

    /// The client address of a request served with connect info.
    pub fn of_request<T>(&self, request: &Request<T>) -> Option<IpAddr> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()?
            .0
            .ip();
        Some(self.client_ip(peer, request.headers()))
    }
}

/// The key a client is rate limited by: its IPv4 address, or the /64 its
/// IPv6 address is in (one household or phone is given a whole /64, so a
/// limit per IPv6 address would be no limit at all).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl KeyExtractor for TrustedProxies {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        self.of_request(request)
            .map(limit_key)
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// A rate limit by client address: `burst` requests at once, then one more
/// every `replenish`. Over the limit, a friendly 429 page.
pub fn rate_limit(
    proxies: TrustedProxies,
    replenish: Duration,
    burst: u32,
    chrome: &'static Chrome,
) -> GovernorLayer<TrustedProxies, NoOpMiddleware, Body> {
    // The settings refuse a zero burst or period at load, the only ways
    // this can fail, so failing here is a programming error.
    #[allow(clippy::expect_used)]
    let config = GovernorConfigBuilder::default()
        .period(replenish)
        .burst_size(burst)
        .key_extractor(proxies)
        .finish()
        .expect("a rate limit with a non-zero period and burst");
    let limiter = config.limiter().clone();
    // Forget addresses that have gone quiet, so the table stays small.
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            limiter.retain_recent();
        }
    });
    GovernorLayer::new(config).error_handler(move |error| {
        match error {
        GovernorError::TooManyRequests { .. } => chrome.status_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Please wait a moment",
            "There have been too many tries from your connection. Wait a minute, then try again.",
        ),
        _ => chrome.server_error(),
    }
    .into_response()
    })
}

/// Failures allowed before an account is locked.
pub const FAILURES_BEFORE_LOCK: i64 = 5;
const FIRST_LOCK_SECONDS: i64 = 60;
const LONGEST_LOCK_SECONDS: i64 = 3600;

/// When the account may try again, if it is locked now.
pub async fn locked_until(db: &Db, account: &str, now: i64) -> sqlx::Result<Option<i64>> {
    let until: Option<Option<i64>> =
        sqlx::query_scalar("SELECT locked_until FROM lockouts WHERE account = $1")
            .bind(account)
            .fetch_optional(&db.pool)
            .await?;
    Ok(until.flatten().filter(|until| *until > now))
}

/// Counts a failure. From the fifth on, the account locks for a minute,
/// doubling with each further failure up to an hour. Returns the new lock.
pub async fn record_failure(db: &Db, account: &str, now: i64) -> sqlx::Result<Option<i64>> {
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO lockouts (account, failures, locked_until) VALUES ($1, 1, NULL)
         ON CONFLICT (account) DO UPDATE SET failures = lockouts.failures + 1
         RETURNING failures",
    )
    .bind(account)
    .fetch_one(&db.pool)
    .await?;
    if failures < FAILURES_BEFORE_LOCK {
        return Ok(None);
    }
    let doublings = (failures - FAILURES_BEFORE_LOCK).min(6) as u32;
    let until = now + (FIRST_LOCK_SECONDS * 2i64.pow(doublings)).min(LONGEST_LOCK_SECONDS);
    sqlx::query("UPDATE lockouts SET locked_until = $1 WHERE account = $2")
        .bind(until)
        .bind(account)
        .execute(&db.pool)
        .await?;
    Ok(Some(until))
}

/// A success wipes the slate.
pub async fn clear(db: &Db, account: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM lockouts WHERE account = $1")
        .bind(account)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b), "one /64, one limit");
        assert_ne!(limit_key(a), limit_key(other));
        let v4: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(limit_key(v4), v4);
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(limit_key(mapped), v4, "an IPv4 client seen over IPv6");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let proxies = TrustedProxies::new(vec![proxy]);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("198.51.100.1, 203.0.113.9"),
        );
        assert_eq!(
            proxies.client_ip(proxy, &headers),
            client,
            "the nearest untrusted hop"
        );
        let stranger: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(
            proxies.client_ip(stranger, &headers),
            stranger,
            "a stranger cannot claim another address"
        );
        assert_eq!(proxies.client_ip(proxy, &HeaderMap::new()), proxy);
    }
}
