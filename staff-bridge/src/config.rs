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
    /// The portal's internal API, e.g. `http://10.0.0.5:8090`.
    pub portal_internal_url: String,
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
    /// worker_card, meeting_invitation. Default: all of them.
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
        if !(self.portal_internal_url.starts_with("http://")
            || self.portal_internal_url.starts_with("https://"))
        {
            return Err(SettingsError::invalid(
                "portal_internal_url",
                "must start with http:// or https://",
            ));
        }
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
            .find(|k| crate::publishing::rules::Kind::parse(k).is_none())
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
    pub fn public_url(&self) -> url::Url {
        url::Url::parse(&self.public_url).expect("validated at load")
    }

    /// The origin every form must come from, e.g. `https://host`.
    pub fn origin(&self) -> String {
        self.public_url().origin().ascii_serialization()
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
}
