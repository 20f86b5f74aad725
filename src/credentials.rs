//! Password hashing for the directory: Argon2id PHC strings that slapd's `argon2` module
//! verifies on bind (`userPassword: {ARGON2}$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
//!
//! Argon2 is for passwords only; high-entropy tokens are hashed with SHA-256 elsewhere.
//! Hashing costs tens of milliseconds: call [`hash_password`] from `spawn_blocking`.

use crate::config::PasswordConfig;
use crate::ports::PasswordHash;
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// Hashes with Argon2id at the configured cost and a 16-byte salt from the OS RNG.
pub fn hash_password(
    password: &SecretString,
    cost: &PasswordConfig,
) -> Result<PasswordHash, HashError> {
    let params = Params::new(
        cost.argon2_memory_kib,
        cost.argon2_iterations,
        cost.argon2_parallelism,
        None,
    )
    .map_err(|e| HashError(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    let phc = argon
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(PasswordHash(phc.to_string()))
}

/// The `userPassword` value slapd expects.
pub fn user_password_value(hash: &PasswordHash) -> String {
    format!("{{ARGON2}}{}", hash.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHash as Phc, PasswordVerifier};

    fn cost() -> PasswordConfig {
        PasswordConfig {
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            initial_password_ttl: time::Duration::days(7),
        }
    }

    #[test]
    fn hashes_are_argon2id_at_the_configured_cost_and_verify() {
        let pw = SecretString::from("correct horse battery staple");
        let hash = hash_password(&pw, &cost()).unwrap();
        assert!(
            hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.0
        );
        let parsed = Phc::new(&hash.0).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse battery staple", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
        assert!(user_password_value(&hash).starts_with("{ARGON2}$argon2id$"));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let pw = SecretString::from("same password twice");
        assert_ne!(
            hash_password(&pw, &cost()).unwrap(),
            hash_password(&pw, &cost()).unwrap()
        );
    }
}
