//! The audit chain's HMAC key: loaded from a file kept **outside** the redb file (AUD-04), or
//! generated into one for `audit init-key` and dev mode.
//!
//! Invariant: the key's bytes never leave this type except into the MAC computation; `Debug`
//! prints only the length, and the bytes are zeroised on drop (held in a `secrecy` box).
//!
//! File format: the key as hex (what `generate_to` writes) or standard base64, optionally
//! surrounded by whitespace; at least 32 bytes once decoded. A file readable by "others" is
//! refused by [`HmacKey::load`] with [`KeyError::WorldReadable`]; callers that want to accept
//! it with a warning use [`HmacKey::load_permissive`].

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretSlice};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The smallest key accepted, in bytes (the HMAC-SHA256 output size).
pub const MIN_KEY_LEN: usize = 32;

/// Why a key file could not be used. Messages name the path, never the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("audit HMAC key file {path} does not exist (create one with `audit init-key`)")]
    Missing { path: PathBuf },
    #[error("cannot read audit HMAC key file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("audit HMAC key in {path} is {len} bytes; at least {MIN_KEY_LEN} are required")]
    TooShort { path: PathBuf, len: usize },
    #[error("audit HMAC key in {path} is neither hex nor base64")]
    BadEncoding { path: PathBuf },
    /// The file is readable by other users. Worth a warning at least; `load` refuses it.
    #[error("audit HMAC key file {path} is readable by other users (mode {mode:o}); run `chmod 600` on it")]
    WorldReadable { path: PathBuf, mode: u32 },
    #[error("audit HMAC key file {path} already exists; refusing to overwrite it")]
    AlreadyExists { path: PathBuf },
    #[error("cannot write audit HMAC key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The secret key of the audit chain.
pub struct HmacKey(SecretSlice<u8>);

impl HmacKey {
    /// Loads the key, refusing a file that other users can read.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let (key, warning) = Self::load_permissive(path)?;
        match warning {
            Some(w) => Err(w),
            None => Ok(key),
        }
    }

    /// Loads the key; a world-readable file is accepted and reported as the second value
    /// ([`KeyError::WorldReadable`]) so the caller can log a warning.
    pub fn load_permissive(path: impl AsRef<Path>) -> Result<(Self, Option<KeyError>), KeyError> {
        let path = path.as_ref();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::Missing {
                    path: path.to_owned(),
                })
            }
            Err(e) => {
                return Err(KeyError::Unreadable {
                    path: path.to_owned(),
                    source: e,
                })
            }
        };
        let bytes = decode(text.trim()).ok_or_else(|| KeyError::BadEncoding {
            path: path.to_owned(),
        })?;
        if bytes.len() < MIN_KEY_LEN {
            return Err(KeyError::TooShort {
                path: path.to_owned(),
                len: bytes.len(),
            });
        }
        let warning = world_readable(path);
        Ok((Self::from_bytes(bytes), warning))
    }

    /// Writes a fresh random 32-byte key (OS RNG) as hex to a new file with mode 0600 and
    /// returns it. Refuses to overwrite an existing file: replacing the key would make every
    /// existing record fail verification.
    pub fn generate_to(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        use rand::RngCore as _;
        let path = path.as_ref();
        let mut bytes = vec![0u8; MIN_KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let write_err = |source| KeyError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(write_err)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = match options.open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(KeyError::AlreadyExists {
                    path: path.to_owned(),
                })
            }
            Err(e) => return Err(write_err(e)),
        };
        let mut text = hex::encode(&bytes);
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(write_err)?;
        file.sync_all().map_err(write_err)?;
        Ok(Self::from_bytes(bytes))
    }

    /// A key from raw bytes (tests, secrets managers). Panics never; short keys are allowed
    /// here because the caller vouches for them.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(SecretSlice::from(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl Clone for HmacKey {
    fn clone(&self) -> Self {
        Self::from_bytes(self.bytes().to_vec())
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacKey({} bytes, redacted)", self.bytes().len())
    }
}

fn decode(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() {
        return None;
    }
    if text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(text).ok();
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    b64.decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .ok()
}

#[cfg(unix)]
fn world_readable(path: &Path) -> Option<KeyError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o004 != 0).then(|| KeyError::WorldReadable {
        path: path.to_owned(),
        mode,
    })
}

#[cfg(not(unix))]
fn world_readable(_path: &Path) -> Option<KeyError> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn generated_key_is_private_and_loads_back() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/audit.key");
        let key = HmacKey::generate_to(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(HmacKey::load(&path).unwrap().bytes(), key.bytes());
        assert!(matches!(
            HmacKey::generate_to(&path),
            Err(KeyError::AlreadyExists { .. })
        ));
    }

    #[test]
    fn hex_and_base64_keys_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let raw = [7u8; 40];
        let hex_path = write(dir.path(), "h", &format!(" {}\n", hex::encode(raw)), 0o600);
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        let b64_path = write(dir.path(), "b", &b64, 0o600);
        assert_eq!(HmacKey::load(hex_path).unwrap().bytes(), raw);
        assert_eq!(HmacKey::load(b64_path).unwrap().bytes(), raw);
    }

    #[test]
    fn bad_key_files_give_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            HmacKey::load(dir.path().join("nope")),
            Err(KeyError::Missing { .. })
        ));
        let short = write(dir.path(), "s", &hex::encode([1u8; 16]), 0o600);
        assert!(matches!(
            HmacKey::load(short),
            Err(KeyError::TooShort { len: 16, .. })
        ));
        let junk = write(dir.path(), "j", "not a key!", 0o600);
        assert!(matches!(
            HmacKey::load(junk),
            Err(KeyError::BadEncoding { .. })
        ));
        let open = write(dir.path(), "o", &hex::encode([1u8; 32]), 0o644);
        assert!(matches!(
            HmacKey::load(&open),
            Err(KeyError::WorldReadable { mode: 0o644, .. })
        ));
        let (_, warning) = HmacKey::load_permissive(&open).unwrap();
        assert!(matches!(warning, Some(KeyError::WorldReadable { .. })));
    }

    #[test]
    fn debug_never_prints_the_key() {
        let key = HmacKey::from_bytes(vec![0xab; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.contains("ab"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }
}
