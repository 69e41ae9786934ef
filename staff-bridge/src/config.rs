//! The bridge's settings: `bridge.toml`, overridden by `FAMILYSTORY_BRIDGE_*`.

use std::net::SocketAddr;
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
}

#[derive(Serialize)]
struct Defaults {
    addr: &'static str,
    sync_interval_ms: u64,
}

/// The shortest import token accepted.
pub const MIN_TOKEN_LEN: usize = 32;

impl BridgeConfig {
    pub fn load(file: Option<&Path>) -> Result<BridgeConfig, SettingsError> {
        let config: BridgeConfig = settings::load(
            file,
            "FAMILYSTORY_BRIDGE_",
            Defaults { addr: "127.0.0.1:8081", sync_interval_ms: 2000 },
        )?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        content::db::Backend::of_url(&self.database_url)
            .map_err(|e| SettingsError::invalid("database_url", e.to_string()))?;
        self.sync_key()?;
        if !(self.portal_internal_url.starts_with("http://") || self.portal_internal_url.starts_with("https://")) {
            return Err(SettingsError::invalid("portal_internal_url", "must start with http:// or https://"));
        }
        if let Some(token) = &self.import_token {
            if token.len() < MIN_TOKEN_LEN {
                return Err(SettingsError::invalid(
                    "import_token",
                    format!("must be at least {MIN_TOKEN_LEN} characters"),
                ));
            }
        }
        if self.sync_interval_ms < 50 {
            return Err(SettingsError::invalid("sync_interval_ms", "must be at least 50"));
        }
        Ok(())
    }

    pub fn sync_key(&self) -> Result<SyncKey, SettingsError> {
        SyncKey::new(&self.sync_secret).ok_or_else(|| {
            SettingsError::invalid(
                "sync_secret",
                format!("must be at least {} characters", content::sync::MIN_SECRET_LEN),
            )
        })
    }
}
