//! Pure domain types: every value from outside (config, SCIM JSON, form field, LDAP entry)
//! is parsed into one of these at the edge. Nothing here does I/O, and this module imports
//! no axum, ldap3, redb or lettre.

/// `as_str` and `Display` of a newtype over the `String` it was parsed into: the text as
/// checked, nothing added (one definition for every such type, written out six times before).
macro_rules! str_access {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

mod account;
pub mod audit;
pub mod calendar;
mod email;
pub mod forms;
mod login;
pub mod password;
mod person;
pub mod query;
mod school;
mod sso;

pub use account::AccountState;
pub use email::EmailAddress;
pub use login::{login_candidates, numbered_login, LoginName, MAX_SUFFIX};
pub use password::{OneTimePassword, PasswordPolicy, PolicyContext, PolicyViolation, Strength};
pub use person::{EmployeeNumber, FamilyName, GivenName, PersonName, Position};
pub use school::{School, SchoolCode, SchoolName};
pub use sso::{SsoClientName, SsoScope};

/// Why an outside value was refused. The message is safe to show to the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ParseError {
    pub field: &'static str,
    pub reason: String,
}

impl ParseError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// A code-like value (a school code, an employee number): trimmed, 1 to `max_len` bytes,
/// every character `allowed`; `alphabet` says which ones in the refusal.
pub(crate) fn parse_code(
    field: &'static str,
    raw: &str,
    max_len: usize,
    allowed: fn(char) -> bool,
    alphabet: &str,
) -> Result<String, ParseError> {
    let value = raw.trim();
    if value.is_empty() || value.len() > max_len {
        return Err(ParseError::new(
            field,
            format!("must be 1 to {max_len} characters"),
        ));
    }
    if !value.chars().all(allowed) {
        return Err(ParseError::new(
            field,
            format!("may contain only {alphabet}"),
        ));
    }
    Ok(value.to_owned())
}

/// Trims a free-text value and refuses empty, over-long or control-character input.
/// Shared by names, positions and display names so they all follow one rule.
pub(crate) fn parse_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, ParseError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(ParseError::new(field, "must not be empty"));
    }
    if value.chars().count() > max_chars {
        return Err(ParseError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(ParseError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}
