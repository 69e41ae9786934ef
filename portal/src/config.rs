//! The portal's settings: `portal.toml`, overridden by `FAMILYSTORY_PORTAL_*`.

use std::net::SocketAddr;
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
}

#[derive(Serialize)]
struct Defaults {
    public_addr: &'static str,
    internal_addr: &'static str,
}

impl PortalConfig {
    pub fn load(file: Option<&Path>) -> Result<PortalConfig, SettingsError> {
        let config: PortalConfig = settings::load(
            file,
            "FAMILYSTORY_PORTAL_",
            Defaults { public_addr: "127.0.0.1:8080", internal_addr: "127.0.0.1:8090" },
        )?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        content::db::Backend::of_url(&self.database_url)
            .map_err(|e| SettingsError::invalid("database_url", e.to_string()))?;
        self.sync_key()?;
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
                format!("must be at least {} characters", content::sync::MIN_SECRET_LEN),
            )
        })
    }
}
