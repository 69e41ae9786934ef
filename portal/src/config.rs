//! The portal's settings: `portal.toml`, overridden by `FAMILYSTORY_PORTAL_*`.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use content::settings::{self, SettingsError};
use content::sync::SyncKey;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize)]
pub struct PortalConfig {
    /// Where families' browsers connect.
    pub public_addr: SocketAddr,
    /// The internal API, reachable only by the staff bridge.
    pub internal_addr: SocketAddr,
    /// `sqlite:///path/portal.db?mode=rwc` or `postgres://...`.
    pub database_url: String,
    /// Shared with the bridge; at least 32 characters.
    pub sync_secret: String,
    /// The address families use, e.g. `https://familystory.council.example`:
    /// the passkey relying party and the origin every form must come from.
    pub public_url: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Sign-in, code and invitation endpoints: this many tries at once from
    /// one address, then one more every `rate_limit_seconds`.
    pub rate_limit_burst: u32,
    pub rate_limit_seconds: u64,
    /// The age identity that seals published content at rest: a file
    /// outside the database, created (0600) on first start.
    pub key_file: std::path::PathBuf,
    /// Email for sign-in codes; without it, email sign-in is off.
    #[serde(default)]
    pub mail: Option<content::mail::MailSettings>,
    /// The internal API's TLS certificate chain (PEM), normally from the
    /// council's internal CA; with `internal_tls_key`, the internal listener
    /// speaks only HTTPS. Without both it speaks plain HTTP, which the bridge
    /// accepts only on loopback.
    #[serde(default)]
    pub internal_tls_cert: Option<std::path::PathBuf>,
    /// The private key for `internal_tls_cert` (PEM, mode 0600).
    #[serde(default)]
    pub internal_tls_key: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Defaults {
    public_addr: &'static str,
    internal_addr: &'static str,
    trusted_proxies: Vec<IpAddr>,
    session_idle_minutes: i64,
    session_absolute_hours: i64,
    rate_limit_burst: u32,
    rate_limit_seconds: u64,
}

impl PortalConfig {
    pub fn load(file: Option<&Path>) -> Result<PortalConfig, SettingsError> {
        let config: PortalConfig = settings::load(
            file,
            "FAMILYSTORY_PORTAL_",
            Defaults {
                public_addr: "127.0.0.1:8080",
                internal_addr: "127.0.0.1:8090",
                trusted_proxies: Vec::new(),
                session_idle_minutes: 15,
                session_absolute_hours: 12,
                rate_limit_burst: 10,
                rate_limit_seconds: 6,
            },
        )?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        content::db::Backend::of_url(&self.database_url)
            .map_err(|e| SettingsError::invalid("database_url", e.to_string()))?;
        self.sync_key()?;
        self.public_url()?;
        if self.session_idle_minutes < 1 || self.session_absolute_hours < 1 {
            return Err(SettingsError::invalid(
                "session_idle_minutes",
                "session timeouts must be at least 1",
            ));
        }
        if self.rate_limit_burst == 0 || self.rate_limit_seconds == 0 {
            return Err(SettingsError::invalid(
                "rate_limit_burst",
                "rate limits must be at least 1",
            ));
        }
        if let Some(mail) = &self.mail {
            content::mail::Mailer::new(mail)
                .map_err(|e| SettingsError::invalid("mail", e.to_string()))?;
        }
        if self.internal_tls_cert.is_some() != self.internal_tls_key.is_some() {
            return Err(SettingsError::invalid(
                "internal_tls_cert",
                "internal_tls_cert and internal_tls_key go together: give both or neither",
            ));
        }
        if self.public_addr == self.internal_addr {
            return Err(SettingsError::invalid(
                "internal_addr",
                "must differ from public_addr: the internal API has its own listener",
            ));
        }
        Ok(())
    }

    pub fn sync_key(&self) -> Result<SyncKey, SettingsError> {
        SyncKey::new(&self.sync_secret).ok_or_else(|| {
            SettingsError::invalid(
                "sync_secret",
                format!(
                    "must be at least {} characters",
                    content::sync::MIN_SECRET_LEN
                ),
            )
        })
    }
}

impl PortalConfig {
    pub fn public_url(&self) -> Result<url::Url, SettingsError> {
        let url = url::Url::parse(&self.public_url)
            .map_err(|e| SettingsError::invalid("public_url", format!("is not a URL: {e}")))?;
        if url.host_str().is_none() || !matches!(url.scheme(), "http" | "https") {
            return Err(SettingsError::invalid(
                "public_url",
                "must be an http(s) URL with a host name",
            ));
        }
        Ok(url)
    }

    /// The origin every form must come from, e.g. `https://host`.
    pub fn origin(&self) -> Result<String, SettingsError> {
        Ok(self.public_url()?.origin().ascii_serialization())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_only_what_must_be_said_gets_the_documented_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("portal.toml");
        std::fs::write(
            &file,
            format!(
                "database_url = \"sqlite://{}/portal.db?mode=rwc\"\n\
                 sync_secret = \"0123456789abcdef0123456789abcdef\"\n\
                 public_url = \"https://familystory.council.example\"\n\
                 key_file = \"{}/portal.key\"\n",
                dir.path().display(),
                dir.path().display()
            ),
        )
        .unwrap();
        let config = PortalConfig::load(Some(&file)).unwrap();
        // Families on shared phones: a short idle timeout.
        assert_eq!(config.session_idle_minutes, 15);
        assert_eq!(config.session_absolute_hours, 12);
        assert_eq!(config.public_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.internal_addr.to_string(), "127.0.0.1:8090");
        assert!(config.trusted_proxies.is_empty());
    }
}
