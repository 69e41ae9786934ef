//! Reading a service's settings: a TOML file, then environment variables
//! (`PREFIX_NAME`) over it. A bad or missing setting stops start-up with a
//! message that names it.

use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the settings file {0} does not exist")]
    MissingFile(String),
    #[error("setting `{key}`: {message}")]
    Invalid { key: String, message: String },
}

impl SettingsError {
    pub fn invalid(key: &str, message: impl Into<String>) -> SettingsError {
        SettingsError::Invalid {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// `defaults` fill what neither the file nor the environment sets.
pub fn load<T: DeserializeOwned, D: Serialize>(
    file: Option<&Path>,
    env_prefix: &str,
    defaults: D,
) -> Result<T, SettingsError> {
    let mut figment = Figment::from(Serialized::defaults(defaults));
    if let Some(file) = file {
        if !file.exists() {
            return Err(SettingsError::MissingFile(file.display().to_string()));
        }
        figment = figment.merge(Toml::file(file));
    }
    figment = figment.merge(Env::prefixed(env_prefix));
    figment.extract().map_err(|errors| {
        // Report the first problem by the name a person would set.
        let Some(error) = errors.into_iter().next() else {
            return SettingsError::Invalid {
                key: "settings".into(),
                message: "could not be read".into(),
            };
        };
        let key = match error.path.last() {
            Some(key) => key.clone(),
            None => match &error.kind {
                figment::error::Kind::MissingField(field) => field.to_string(),
                _ => "settings".to_string(),
            },
        };
        let message = match &error.kind {
            figment::error::Kind::MissingField(_) => "is required but not set".to_string(),
            kind => kind.to_string(),
        };
        SettingsError::Invalid { key, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Example {
        name: String,
        port: u16,
    }

    #[derive(Serialize)]
    struct NoDefaults {}

    #[test]
    fn a_missing_setting_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, "name = \"x\"\n").unwrap();
        let err = load::<Example, _>(Some(&file), "FS_TEST_MISSING_", NoDefaults {}).unwrap_err();
        assert_eq!(err.to_string(), "setting `port`: is required but not set");
    }

    #[test]
    fn a_bad_value_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, "name = \"x\"\nport = \"eighty\"\n").unwrap();
        let err = load::<Example, _>(Some(&file), "FS_TEST_BAD_", NoDefaults {}).unwrap_err();
        assert!(err.to_string().starts_with("setting `port`:"), "{err}");
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, "name = \"x\"\nport = 1\n").unwrap();
        std::env::set_var("FS_TEST_OVERRIDE_PORT", "2");
        let example: Example = load(Some(&file), "FS_TEST_OVERRIDE_", NoDefaults {}).unwrap();
        assert_eq!((example.name.as_str(), example.port), ("x", 2));
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = load::<Example, _>(
            Some(Path::new("/nonexistent/x.toml")),
            "FS_TEST_NF_",
            NoDefaults {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.toml"));
    }
}
