//! Sealing at rest with age: family-visible content and what families write is
//! stored encrypted to the service's own X25519 identity, which lives in a key
//! file outside the database. A copy of a database file alone reveals no
//! record text.

use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

#[derive(Clone)]
pub struct Sealer {
    identity: age::x25519::Identity,
    recipient: age::x25519::Recipient,
    /// Text opened recently, by the SHA-256 of its sealed form: see
    /// [`Sealer::open_cached`].
    opened: std::sync::Arc<std::sync::Mutex<OpenedCache>>,
}

/// The most opened text kept in memory, in bytes.
const OPENED_CACHE_BYTES: usize = 32 * 1024 * 1024;

struct OpenedCache {
    entries: hashlink::LruCache<[u8; 32], std::sync::Arc<str>>,
    bytes: usize,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealer({})", self.recipient)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("key file {0}: {1}")]
    KeyFile(String, String),
    #[error("sealed data could not be opened: it is damaged or was sealed with another key")]
    Open,
}

impl Sealer {
    /// Reads the identity from `path`, or on first start creates it there,
    /// readable by this user alone.
    pub fn load_or_create(path: &Path) -> Result<Sealer, SealError> {
        let shown = path.display().to_string();
        let fail = |e: &dyn std::fmt::Display| SealError::KeyFile(shown.clone(), e.to_string());
        let identity = match std::fs::read_to_string(path) {
            Ok(text) => {
                check_private(path)?;
                let line = text
                    .lines()
                    .find(|l| l.starts_with("AGE-SECRET-KEY-"))
                    .ok_or_else(|| fail(&"holds no age identity"))?;
                age::x25519::Identity::from_str(line.trim()).map_err(|e| fail(&e))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let identity = age::x25519::Identity::generate();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(|e| fail(&e))?;
                writeln!(file, "# FamilyStory sealing key: keep it secret, keep it backed up, apart from the database.")
                    .and_then(|_| writeln!(file, "# public key: {}", identity.to_public()))
                    .and_then(|_| writeln!(file, "{}", identity.to_string().expose_secret()))
                    .map_err(|e| fail(&e))?;
                identity
            }
            Err(e) => return Err(fail(&e)),
        };
        let recipient = identity.to_public();
        Ok(Sealer {
            identity,
            recipient,
            opened: std::sync::Arc::new(std::sync::Mutex::new(OpenedCache {
                entries: hashlink::LruCache::new_unbounded(),
                bytes: 0,
            })),
        })
    }

    /// Seals text; the result is base64 so it fits a TEXT column on both databases.
    pub fn seal(&self, plain: &str) -> String {
        self.seal_bytes(plain.as_bytes())
    }

    /// Seals bytes (an attachment), as base64 like [`Sealer::seal`].
    // age's encryption fails only on a writer error, and it writes to memory.
    #[allow(clippy::expect_used)]
    pub fn seal_bytes(&self, plain: &[u8]) -> String {
        let sealed =
            age::encrypt(&self.recipient, plain).expect("encrypting to our own key cannot fail");
        STANDARD.encode(sealed)
    }

    /// Opens what [`Sealer::seal_bytes`] sealed.
    pub fn open_bytes(&self, sealed: &str) -> Result<Vec<u8>, SealError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| SealError::Open)?;
        age::decrypt(&self.identity, &bytes).map_err(|_| SealError::Open)
    }

    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        String::from_utf8(self.open_bytes(sealed)?).map_err(|_| SealError::Open)
    }

    /// As [`Sealer::open`], remembering the result (up to 32 MiB, least
    /// recently used first out): for text read on every page, such as
    /// publications, which otherwise cost an X25519 agreement each time.
    /// The plain text is then in this process's memory for a while; so is
    /// the key that opens every row, so a memory compromise loses nothing
    /// more (docs/architecture.md, "Data at rest").
    pub fn open_cached(&self, sealed: &str) -> Result<std::sync::Arc<str>, SealError> {
        use sha2::{Digest, Sha256};
        let key: [u8; 32] = Sha256::digest(sealed.as_bytes()).into();
        if let Ok(mut cache) = self.opened.lock() {
            if let Some(hit) = cache.entries.get(&key) {
                return Ok(hit.clone());
            }
        }
        let plain: std::sync::Arc<str> = self.open(sealed)?.into();
        if let Ok(mut cache) = self.opened.lock() {
            if plain.len() <= OPENED_CACHE_BYTES / 64 && cache.entries.get(&key).is_none() {
                cache.bytes += plain.len();
                cache.entries.insert(key, plain.clone());
                while cache.bytes > OPENED_CACHE_BYTES {
                    match cache.entries.remove_lru() {
                        Some((_, gone)) => cache.bytes -= gone.len(),
                        None => break,
                    }
                }
            }
        }
        Ok(plain)
    }
}

/// Refuses a secret file that the group or others may read or write: a key
/// anyone on the machine can copy is no key. (Not checked where the
/// platform has no such permission bits.)
pub fn check_private(path: &Path) -> Result<(), SealError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let shown = path.display().to_string();
        let mode = std::fs::metadata(path)
            .map_err(|e| SealError::KeyFile(shown.clone(), e.to_string()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(SealError::KeyFile(
                shown.clone(),
                format!(
                    "is open to the group or others (mode {:o}); only the service's user may \
                     read it: run `chmod 600 {shown}`",
                    mode & 0o777
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_hides_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/portal.key");
        let sealer = Sealer::load_or_create(&path).unwrap();
        let sealed = sealer.seal("Ellie will see Nan every Saturday.");
        assert!(!sealed.contains("Saturday"));
        assert_eq!(
            sealer.open(&sealed).unwrap(),
            "Ellie will see Nan every Saturday."
        );
        assert_ne!(
            sealer.seal("same"),
            sealer.seal("same"),
            "sealing is randomised"
        );

        let again = Sealer::load_or_create(&path).unwrap();
        assert_eq!(
            again.open(&sealed).unwrap(),
            "Ellie will see Nan every Saturday.",
            "the key persists"
        );
        let other = Sealer::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(other.open(&sealed).is_err());
        assert!(sealer.open("not sealed").is_err());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "only the service's user can read the key"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_with_what_to_do() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.key");
        Sealer::load_or_create(&path).unwrap();
        for mode in [0o644, 0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let error = Sealer::load_or_create(&path).unwrap_err().to_string();
            assert!(
                error.contains(&format!("mode {mode:o}")) && error.contains("chmod 600"),
                "{mode:o}: {error}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(
            Sealer::load_or_create(&path).is_ok(),
            "read-only for the owner is fine"
        );
    }
}
