//! Defence in depth for AUD-03 ("never log secrets"): before a record is written, detail
//! values under secret-looking keys, or that look like password hashes, are replaced by
//! `[redacted]`. Callers must not put secrets in details at all; this only limits the damage
//! when one slips through. The key stays, so the record still says *that* something was set.

use crate::domain::audit::NewAuditRecord;

/// What a redacted value becomes.
pub const REDACTED: &str = "[redacted]";

const SECRET_KEY_PARTS: &[&str] = &[
    "password", "passwd", "secret", "token", "cookie", "session", "bearer",
];
const SECRET_VALUE_PREFIXES: &[&str] = &["$argon2", "{argon2}", "{ssha}", "{crypt}", "bearer "];

fn looks_secret(key: &str, value: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let value = value.trim_start().to_ascii_lowercase();
    SECRET_KEY_PARTS.iter().any(|p| key.contains(p))
        || SECRET_VALUE_PREFIXES.iter().any(|p| value.starts_with(p))
        || value.contains("token=")
}

/// Redacts in place; returns the keys whose values were replaced.
pub fn redact_secrets(record: &mut NewAuditRecord) -> Vec<String> {
    let mut redacted = Vec::new();
    for (key, value) in record.details.iter_mut() {
        if value != REDACTED && looks_secret(key, value) {
            *value = REDACTED.to_owned();
            redacted.push(key.clone());
        }
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Actor, Outcome};

    #[test]
    fn secret_looking_details_are_redacted_and_others_kept() {
        let cases = [
            ("initial_password", "Xk3!abc", true),
            ("scim_token", "abc", true),
            ("hash", "$argon2id$v=19$m=19456", true),
            ("link", "https://x/confirm?token=abc", true),
            ("attributes", "userPassword,mail", false),
            ("login", "jan.kowalski", false),
            ("state", "active", false),
        ];
        for (key, value, secret) in cases {
            let mut record = NewAuditRecord::new(Actor::System("t".into()), "x", Outcome::Success)
                .detail(key, value);
            let keys = redact_secrets(&mut record);
            assert_eq!(keys.len() == 1, secret, "{key}={value}");
            let expected = if secret { REDACTED } else { value };
            assert_eq!(record.details[key], expected, "{key}={value}");
        }
    }
}
