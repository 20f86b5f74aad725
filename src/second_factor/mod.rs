//! The panel's second factor (issue 12 item 4; ASVS 5.0 V6.5/V6.6): TOTP as authenticator
//! apps expect it (RFC 6238: HMAC-SHA-1, 30 s steps, 6 digits, one step of clock drift either
//! way), single-use recovery codes, and the key that encrypts the TOTP secrets at rest.
//!
//! Pure functions and the key; no I/O but reading or creating the key file. Where things live:
//! the encrypted secret, the recovery codes' hashes and the last accepted step are in the
//! person's directory entry (`ldap::second_factor`, readable by the service identity only),
//! so a standby daemon with the same key file finds them; the key is in its own file
//! (`panel.second_factor_key_file`, 0600), so neither a directory dump nor the key alone
//! gives a secret.

pub mod qr;

use crate::onboarding::links::FileKey;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// RFC 6238 time step, seconds.
pub const STEP_SECS: u64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;
/// The issuer shown by authenticator apps.
pub const ISSUER: &str = "ZSZO Krakow";

/// Encrypts and decrypts TOTP secrets (XChaCha20-Poly1305, a random 192-bit nonce each).
#[derive(Debug)]
pub struct SecretBox(FileKey);

impl SecretBox {
    pub fn new(key: FileKey) -> Self {
        Self(key)
    }

    /// base64url(nonce ‖ ciphertext) of `secret`, bound to the person (`person_id` is the
    /// associated data, so a value copied onto another entry does not decrypt).
    pub fn seal(&self, person_id: &str, secret: &TotpSecret) -> String {
        let cipher = XChaCha20Poly1305::new(self.0.bytes().into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                chacha20poly1305::aead::Payload {
                    msg: secret.0.expose_secret(),
                    aad: person_id.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any length we use");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    /// The secret sealed by [`SecretBox::seal`] for `person_id`; `None` when it does not
    /// open (another key, another person, a damaged value).
    pub fn open(&self, person_id: &str, sealed: &str) -> Option<TotpSecret> {
        let bytes = B64.decode(sealed).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new(self.0.bytes().into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                chacha20poly1305::aead::Payload {
                    msg: ciphertext,
                    aad: person_id.as_bytes(),
                },
            )
            .ok()?;
        Some(TotpSecret(plain.into()))
    }
}

/// A TOTP secret (160 random bits, as RFC 4226 recommends); never printed.
#[derive(Clone)]
pub struct TotpSecret(SecretSlice<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// 160 bits from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes.into())
    }

    /// From the base32 text an authenticator app is given (spaces ignored).
    pub fn from_base32(text: &str) -> Option<Self> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = Secret::Encoded(compact.to_uppercase()).to_bytes().ok()?;
        (bytes.len() >= 16).then(|| Self(bytes.into()))
    }

    /// The base32 text to type into an authenticator app.
    pub fn base32(&self) -> String {
        match Secret::Raw(self.0.expose_secret().to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!("to_encoded gives the encoded form"),
        }
    }

    fn totp(&self) -> TOTP {
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP_SECS,
            self.0.expose_secret().to_vec(),
        )
    }

    /// The code for the step containing `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.totp().generate(unix_secs)
    }

    /// The time step whose code `code` is, within one step of `unix_secs`; `None` otherwise.
    /// The newest matching step wins (replay is refused by the caller: a step is spent once).
    pub fn matching_step(&self, code: &str, unix_secs: u64) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let now = unix_secs / STEP_SECS;
        [now + 1, now, now.saturating_sub(1)]
            .into_iter()
            .find(|step| {
                let expected = self.code_at(step * STEP_SECS);
                constant_time_eq(expected.as_bytes(), code.as_bytes())
            })
    }

    /// The `otpauth://` URI of the QR code (Key Uri Format): issuer, account, secret, and the
    /// parameters spelled out though they are the defaults.
    pub fn otpauth_uri(&self, account: &str) -> String {
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
             &algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            issuer = ISSUER.replace(' ', "%20"),
            account = account,
            secret = self.base32(),
        )
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Ten recovery codes (each 80 random bits as 4 groups of 4 base32 characters) and the hex
/// SHA-256 of each, to store. High-entropy codes need no slow hash (security.md: random
/// secrets as SHA-256).
pub fn recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let text = match Secret::Raw(bytes.to_vec()).to_encoded() {
                Secret::Encoded(s) => s.to_lowercase(),
                Secret::Raw(_) => unreachable!(),
            };
            text.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect();
    let hashes = codes.iter().map(|c| recovery_hash(c)).collect();
    (codes, hashes)
}

/// The stored form of a recovery code as typed (case, spaces and dashes ignored).
pub fn recovery_hash(typed: &str) -> String {
    let normal: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238_appendix_b_for_sha1() {
        // RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890", 8 digits there; the
        // last 6 digits of its values are what a 6-digit generator gives.
        let secret = TotpSecret(b"12345678901234567890".to_vec().into());
        assert_eq!(secret.code_at(59), "287082");
        assert_eq!(secret.code_at(1_111_111_109), "081804");
        assert_eq!(secret.code_at(2_000_000_000), "279037");
        assert_eq!(
            secret.matching_step("081804", 1_111_111_109),
            Some(37_037_036)
        );
        // One step of drift either way, not two.
        assert_eq!(secret.matching_step("287082", 59 + 30), Some(1));
        assert_eq!(secret.matching_step("287082", 59 + 61), None);
        assert_eq!(secret.matching_step("28708", 59), None);
        assert_eq!(secret.matching_step("abcdef", 59), None);
    }

    #[test]
    fn secrets_are_sealed_per_person_and_round_trip_through_base32() {
        let key = SecretBox::new(FileKey::from_bytes([7; 32]));
        let secret = TotpSecret::generate();
        let sealed = key.seal("person-a", &secret);
        assert!(!sealed.contains(&secret.base32()));
        let opened = key.open("person-a", &sealed).unwrap();
        assert_eq!(opened.base32(), secret.base32());
        assert!(key.open("person-b", &sealed).is_none());
        assert!(SecretBox::new(FileKey::from_bytes([8; 32]))
            .open("person-a", &sealed)
            .is_none());
        let again = TotpSecret::from_base32(&secret.base32().to_lowercase()).unwrap();
        assert_eq!(again.code_at(1000), secret.code_at(1000));
        assert!(format!("{secret:?}").contains('…'));
    }

    #[test]
    fn ten_distinct_recovery_codes_hashed_as_typed() {
        let (codes, hashes) = recovery_codes();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert_eq!(
            hashes[0],
            recovery_hash(&codes[0].to_uppercase().replace('-', " "))
        );
        assert_ne!(hashes[0], hashes[1]);
        assert_eq!(hashes[0].len(), 64);
    }
}
