//! The bridge's settings: `bridge.toml`, overridden by `FAMILYSTORY_BRIDGE_*`.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use content::settings::{self, SettingsError};
use content::sync::SyncKey;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize)]
pub struct BridgeConfig {
    /// Where staff browsers (and the case system's import) connect.
    pub addr: SocketAddr,
    /// `sqlite:///path/bridge.db?mode=rwc` or `postgres://...`.
    pub database_url: String,
    /// The age identity that seals record text in the bridge's database
    /// (imported documents, drafts, the push queue); created with mode 0600
    /// on first start. Keep it off the database's disk and back it up.
    pub key_file: std::path::PathBuf,
    /// The portal's internal API, e.g. `https://portal-internal.council.internal:8090`.
    /// `http://` only to a loopback address (the demo, a portal on this machine).
    pub portal_internal_url: String,
    /// The CA certificate(s) (PEM) that issued the portal's internal
    /// certificate, normally the council's internal CA: the only roots the
    /// sync trusts. Needed with an `https://` `portal_internal_url`.
    #[serde(default)]
    pub portal_ca_file: Option<std::path::PathBuf>,
    /// Shared with the portal; at least 32 characters.
    pub sync_secret: String,
    /// Bearer token the case system uses for `POST /api/v1/cases`; when unset,
    /// that endpoint is off and import is by the command line only.
    #[serde(default)]
    pub import_token: Option<String>,
    /// How often the bridge pushes and pulls when nothing prompts it.
    pub sync_interval_ms: u64,
    /// The address staff use, e.g. `https://familystory-staff.council.internal`:
    /// the passkey relying party and the origin every form must come from.
    pub public_url: String,
    /// Where invitation links send families: the portal's public address.
    pub portal_public_url: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// How long a family invitation code lasts.
    pub invitation_days: i64,
    /// Sign-in and enrolment endpoints: this many tries at once from one
    /// address, then one more every `rate_limit_seconds`.
    pub rate_limit_burst: u32,
    pub rate_limit_seconds: u64,
    /// Email for enrolment links and invitations; without it, links are
    /// printed or shown instead.
    #[serde(default)]
    pub mail: Option<content::mail::MailSettings>,
    /// Kinds of document that need a manager's approval before they are
    /// published: any of plan, meeting_record, assessment_summary, letter,
    /// worker_card, meeting_invitation; and `message` for workers' messages
    /// to family members. Default: every kind of document, not messages.
    pub approval_kinds: Vec<String>,
}

#[derive(Serialize)]
struct Defaults {
    addr: &'static str,
    sync_interval_ms: u64,
    trusted_proxies: Vec<IpAddr>,
    session_idle_minutes: i64,
    session_absolute_hours: i64,
    invitation_days: i64,
    rate_limit_burst: u32,
    rate_limit_seconds: u64,
    approval_kinds: Vec<String>,
}

/// Every kind of document needs approval unless `approval_kinds` says otherwise.
pub fn default_approval_kinds() -> Vec<String> {
    crate::publishing::rules::Kind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect()
}

/// The shortest import token accepted.
pub const MIN_TOKEN_LEN: usize = 32;

impl BridgeConfig {
    pub fn load(file: Option<&Path>) -> Result<BridgeConfig, SettingsError> {
        let config: BridgeConfig = settings::load(
            file,
            "FAMILYSTORY_BRIDGE_",
            Defaults {
                addr: "127.0.0.1:8081",
                sync_interval_ms: 2000,
                trusted_proxies: Vec::new(),
                session_idle_minutes: 30,
                session_absolute_hours: 12,
                invitation_days: 14,
                rate_limit_burst: 10,
                rate_limit_seconds: 6,
                approval_kinds: default_approval_kinds(),
            },
        )?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        content::db::Backend::of_url(&self.database_url)
            .map_err(|e| SettingsError::invalid("database_url", e.to_string()))?;
        self.sync_key()?;
        self.check_portal_transport()?;
        if let Some(token) = &self.import_token {
            if token.len() < MIN_TOKEN_LEN {
                return Err(SettingsError::invalid(
                    "import_token",
                    format!("must be at least {MIN_TOKEN_LEN} characters"),
                ));
            }
        }
        for (key, value) in [
            ("public_url", &self.public_url),
            ("portal_public_url", &self.portal_public_url),
        ] {
            let url = url::Url::parse(value)
                .map_err(|e| SettingsError::invalid(key, format!("is not a URL: {e}")))?;
            if url.host_str().is_none() || !matches!(url.scheme(), "http" | "https") {
                return Err(SettingsError::invalid(
                    key,
                    "must be an http(s) URL with a host name",
                ));
            }
        }
        if self.session_idle_minutes < 1 || self.session_absolute_hours < 1 {
            return Err(SettingsError::invalid(
                "session_idle_minutes",
                "session timeouts must be at least 1",
            ));
        }
        if self.invitation_days < 1 {
            return Err(SettingsError::invalid(
                "invitation_days",
                "must be at least 1",
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
        if let Some(kind) = self
            .approval_kinds
            .iter()
            .find(|k| *k != "message" && crate::publishing::rules::Kind::parse(k).is_none())
        {
            return Err(SettingsError::invalid(
                "approval_kinds",
                format!("{kind:?} is not a kind of document"),
            ));
        }
        if self.sync_interval_ms < 50 {
            return Err(SettingsError::invalid(
                "sync_interval_ms",
                "must be at least 50",
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

impl BridgeConfig {
    /// Names, record text and invitation hashes cross the sync: over the
    /// network only with TLS and a CA to check the portal against.
    fn check_portal_transport(&self) -> Result<(), SettingsError> {
        let key = "portal_internal_url";
        let url = url::Url::parse(&self.portal_internal_url)
            .map_err(|e| SettingsError::invalid(key, format!("is not a URL: {e}")))?;
        match (url.scheme(), &self.portal_ca_file) {
            ("https", Some(_)) => Ok(()),
            ("https", None) => Err(SettingsError::invalid(
                "portal_ca_file",
                "is needed with an https:// portal_internal_url: the PEM file of the CA \
                 that issued the portal's internal certificate",
            )),
            ("http", None) if is_loopback(&url) => Ok(()),
            ("http", Some(_)) => Err(SettingsError::invalid(
                key,
                "is http:// but portal_ca_file is set: use https://",
            )),
            ("http", None) => Err(SettingsError::invalid(
                key,
                format!(
                    "is http:// to {}, which is not this machine: the sync would cross \
                     the network unencrypted. Use https:// with portal_ca_file \
                     (http:// is accepted only for 127.0.0.1, ::1 or localhost)",
                    url.host_str().unwrap_or("?")
                ),
            )),
            _ => Err(SettingsError::invalid(key, "must start with https://")),
        }
    }

    // Loading the settings refuses a public_url that does not parse.
    #[allow(clippy::expect_used)]
    pub fn public_url(&self) -> url::Url {
        url::Url::parse(&self.public_url).expect("validated at load")
    }

    /// The origin every form must come from, e.g. `https://host`.
    pub fn origin(&self) -> String {
        self.public_url().origin().ascii_serialization()
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_only_what_must_be_said_gets_the_documented_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bridge.toml");
        std::fs::write(
            &file,
            format!(
                "database_url = \"sqlite://{}/bridge.db?mode=rwc\"\n\
                 key_file = \"{}/bridge.key\"\n\
                 portal_internal_url = \"http://127.0.0.1:8090\"\n\
                 sync_secret = \"0123456789abcdef0123456789abcdef\"\n\
                 public_url = \"https://familystory-staff.council.example\"\n\
                 portal_public_url = \"https://familystory.council.example\"\n",
                dir.path().display(),
                dir.path().display()
            ),
        )
        .unwrap();
        let config = BridgeConfig::load(Some(&file)).unwrap();
        assert_eq!(config.session_idle_minutes, 30);
        assert_eq!(config.session_absolute_hours, 12);
        assert_eq!(config.invitation_days, 14);
        assert_eq!(config.approval_kinds, default_approval_kinds());
        assert_eq!(config.approval_kinds.len(), 6, "every kind needs approval");
    }

    fn load_with(internal: &str, ca: Option<&str>) -> Result<BridgeConfig, SettingsError> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bridge.toml");
        let ca = ca.map_or(String::new(), |ca| format!("portal_ca_file = {ca:?}\n"));
        std::fs::write(
            &file,
            format!(
                "database_url = \"sqlite://{0}/bridge.db?mode=rwc\"\n\
                 key_file = \"{0}/bridge.key\"\n\
                 portal_internal_url = {internal:?}\n{ca}\
                 sync_secret = \"0123456789abcdef0123456789abcdef\"\n\
                 public_url = \"https://familystory-staff.council.example\"\n\
                 portal_public_url = \"https://familystory.council.example\"\n",
                dir.path().display(),
            ),
        )
        .unwrap();
        BridgeConfig::load(Some(&file))
    }

    #[test]
    fn plain_http_to_the_portal_is_refused_unless_it_is_on_this_machine() {
        for internal in [
            "http://10.0.0.5:8090",
            "http://portal-internal.council.example:8090",
            "http://[2001:db8::5]:8090",
        ] {
            let error = load_with(internal, None).unwrap_err().to_string();
            assert!(
                error.contains("portal_internal_url")
                    && error.contains("unencrypted")
                    && error.contains("https://"),
                "{internal}: {error}"
            );
        }
        for internal in [
            "http://127.0.0.1:8090",
            "http://[::1]:8090",
            "http://localhost:8090",
        ] {
            assert!(load_with(internal, None).is_ok(), "{internal}");
        }
    }

    #[test]
    fn https_needs_the_ca_to_check_the_portal_against() {
        let url = "https://portal-internal.council.example:8090";
        let error = load_with(url, None).unwrap_err().to_string();
        assert!(error.contains("portal_ca_file"), "{error}");
        assert!(load_with(url, Some("/etc/familystory/internal-ca.pem")).is_ok());
        let error = load_with("ftp://portal.example", None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("https://"), "{error}");
    }
}
