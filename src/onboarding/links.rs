//! Confirmation links (security.md MAIL-01, MAIL-06): `<public_base_url>/portal/confirm/<token>`.
//!
//! The token is 256 bits: HMAC-SHA256 under the link key of a 256-bit random nonce, base64url
//! (43 characters). The state store keeps the nonce and the SHA-256 of the token (its lookup
//! key), never the token; the key lives in its own file (`portal.link_key_file`, 0600). So the
//! mail sender can render the same link again after a restart, and a copy of the state file
//! alone gives no working link. The base URL is the configured one, never the request's Host.

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::Path;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A 256-bit secret kept in its own file (hex, 0600). Its `Debug` never shows the bytes.
pub struct FileKey([u8; 32]);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(…)")
    }
}

impl FileKey {
    /// Reads the key file, or creates it (0600, 32 random bytes as hex) when it is missing.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        load_or_create_key(path).map(Self)
    }

    /// A key for tests.
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The secret the tokens are derived with.
#[derive(Debug)]
pub struct LinkKey(FileKey);

impl LinkKey {
    pub fn new(key: FileKey) -> Self {
        Self(key)
    }

    /// The token for `nonce`.
    pub fn token(&self, nonce: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(self.0.bytes()).expect("any key length");
        mac.update(b"zszo-connector email confirmation\0");
        mac.update(nonce.as_bytes());
        B64.encode(mac.finalize().into_bytes())
    }
}

/// A 256-bit key kept in its own file: read (hex), or created (0600) when missing.
fn load_or_create_key(path: &Path) -> Result<[u8; 32], String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim())
                .map_err(|_| format!("{}: not a hex key", path.display()))?;
            bytes
                .try_into()
                .map_err(|_| format!("{}: the key must be 32 bytes", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            write_private(path, &hex::encode(key))
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// A fresh nonce: 256 random bits from the OS CSPRNG, base64url.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    B64.encode(bytes)
}

/// The state-store key of a token: hex SHA-256. A value that cannot be a token (wrong length
/// or alphabet) gives `None`, so a probe never reaches the store.
pub fn store_key(token: &str) -> Option<String> {
    let plausible = token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plausible.then(|| hex::encode(Sha256::digest(token.as_bytes())))
}

/// The link in the mail.
pub fn confirm_url(public_base_url: &str, token: &str) -> String {
    format!(
        "{}/portal/confirm/{token}",
        public_base_url.trim_end_matches('/')
    )
}

/// The link of a password reset mail: `<base>/portal/nowe-haslo/<token>`.
pub fn reset_url(public_base_url: &str, token: &str) -> String {
    format!(
        "{}/portal/nowe-haslo/{token}",
        public_base_url.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_derived_per_nonce_and_keyed() {
        let key = LinkKey::new(FileKey::from_bytes([7; 32]));
        let (a, b) = (new_nonce(), new_nonce());
        assert_ne!(a, b);
        let t = key.token(&a);
        assert_eq!(t.len(), 43);
        assert_eq!(key.token(&a), t, "the same nonce gives the same token");
        assert_ne!(key.token(&b), t);
        assert_ne!(LinkKey::new(FileKey::from_bytes([8; 32])).token(&a), t);
        let k = store_key(&t).unwrap();
        assert_eq!(k.len(), 64);
        assert!(!k.contains(&t));
        assert_eq!(store_key("short"), None);
        assert_eq!(store_key(&format!("{}!", &t[..42])), None);
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k/portal-link.key");
        let first = LinkKey::new(FileKey::load_or_create(&path).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = LinkKey::new(FileKey::load_or_create(&path).unwrap());
        assert_eq!(first.token("n"), again.token("n"));
        std::fs::write(&path, "zz").unwrap();
        assert!(FileKey::load_or_create(&path).is_err());
    }

    #[test]
    fn the_link_uses_the_configured_base_url() {
        assert_eq!(
            confirm_url("https://zszo.krakow.pl/", "abc"),
            "https://zszo.krakow.pl/portal/confirm/abc"
        );
    }
}
