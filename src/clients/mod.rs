//! SCIM clients and their bearer tokens (RFC 6750, RFC 7644 §2): who may call the SCIM API,
//! for which schools, read-only or read-write, until when.
//!
//! The registry is a TOML file the operator manages with `zszo-connector token …`; it holds
//! only SHA-256 hashes of the tokens (the secret is printed once, at creation). It is a file,
//! not a redb table, so the CLI can change it while the daemon runs: the daemon re-reads it
//! when its modification time changes, so a revocation takes effect on the next request.
//!
//! Tokens carry 256 random bits from the OS RNG, so a single SHA-256 is enough to store them
//! (security.md SCIM-01, HASH-04); the comparison is constant-time.

mod file;
pub mod last_used;
mod registry;

pub use file::{ClientFile, ClientFileError};
pub use registry::{Authenticated, ClientRegistry};

use crate::domain::SchoolCode;
use crate::ports::SchoolScope;
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The visible prefix of every token, so leaked ones are easy to find in logs and repositories.
pub const TOKEN_PREFIX: &str = "zszo_";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// One SCIM client as stored in the registry file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRecord {
    /// Unique, human-chosen: shows up in the audit log as `scim:<name>`.
    pub name: String,
    /// School codes, or `["*"]` for every school.
    pub schools: Vec<String>,
    pub access: Access,
    /// Hex SHA-256 of the token.
    pub token_sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl ClientRecord {
    /// The schools this client may see and change.
    pub fn scope(&self) -> Result<SchoolScope, String> {
        if self.schools.iter().any(|s| s == "*") {
            return Ok(SchoolScope::All);
        }
        self.schools
            .iter()
            .map(|s| SchoolCode::parse(s).map_err(|e| format!("client {}: {e}", self.name)))
            .collect::<Result<Vec<_>, _>>()
            .map(SchoolScope::Only)
    }

    pub fn is_usable_at(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A new random token: `zszo_` + 43 base64url characters (256 bits).
pub fn generate_token() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    SecretString::from(format!("{TOKEN_PREFIX}{encoded}"))
}

/// Hex SHA-256 of a token, as stored.
pub fn token_hash(token: &SecretString) -> String {
    hex::encode(Sha256::digest(token.expose_secret().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_256_bit_and_distinct() {
        let a = generate_token();
        let b = generate_token();
        assert!(a.expose_secret().starts_with(TOKEN_PREFIX));
        assert_eq!(a.expose_secret().len(), TOKEN_PREFIX.len() + 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
