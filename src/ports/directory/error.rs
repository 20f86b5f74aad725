//! The directory's errors in domain terms.

use crate::domain::AccountState;

/// A value the directory keeps unique, named by what a client calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// `uid`, unique across the city: the caller tries the next login candidate.
    Login,
    UserName,
    ExternalId,
    Email,
    /// A group's `displayName` in its school.
    GroupName,
    /// An entry at that DN (LDAP 68) whose value was not named (a school, a layout OU).
    Entry,
}

impl Unique {
    /// The attribute as the SCIM schema and the audit records name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Unique::Login => "login",
            Unique::UserName => "userName",
            Unique::ExternalId => "externalId",
            Unique::Email => "email",
            Unique::GroupName => "displayName",
            Unique::Entry => "entry",
        }
    }
}

impl std::fmt::Display for Unique {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What every directory port method returns (as `std::io::Result` is to `std::io::Error`).
pub type DirectoryResult<T> = Result<T, DirectoryError>;

/// Errors of the directory in domain terms, decided by the adapter (`ldap/error.rs` reads
/// result codes and slapd's text; nothing else does). Callers decide by variant, never by
/// message. `context`/`detail` fields are for the log only: they may hold a DN or slapd's
/// diagnostic text and never reach a client; [`Self::client_message`] is what a client sees.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A unique value is taken (slapo-unique, LDAP 68, or the adapter's own check).
    #[error("already exists: {taken} ({context})")]
    AlreadyExists { taken: Unique, context: String },
    /// A compare-and-write found another state than `expected` (the account state changed).
    #[error("the account state changed: it is no longer {expected}")]
    StateChanged { expected: AccountState },
    /// A schema or value constraint refused the change (LDAP 19, 20, 21, 64, 65, 67), or a
    /// value the adapter refused before writing (`code` 0; `detail` is then client-safe).
    #[error("refused by the directory: {detail}")]
    Constraint { code: u32, detail: String },
    #[error("the directory refused the credentials")]
    InvalidCredentials,
    #[error("the directory denied access: {0}")]
    InsufficientAccess(String),
    /// The server is down, unreachable or timed out before a write was sent: nothing
    /// happened, retryable later.
    #[error("the directory is unavailable: {0}")]
    Unavailable(String),
    /// The connection failed after a write was sent: it may or may not have happened. The
    /// use case reads back before answering (issue 14).
    #[error("the outcome of a directory write is unknown: {0}")]
    OutcomeUnknown(String),
    #[error("unexpected directory error: {0}")]
    Other(String),
    /// The entry is no longer at the version the write was conditional on (another writer
    /// changed it in between; RFC 4528 assertion failed).
    #[error("the entry changed in the meantime: {0}")]
    VersionChanged(String),
}

impl DirectoryError {
    /// `AlreadyExists` for `taken`, with a context for the log.
    pub fn taken(taken: Unique, context: impl Into<String>) -> Self {
        DirectoryError::AlreadyExists {
            taken,
            context: context.into(),
        }
    }

    /// Whether this refusal means "this login is taken" (try the next candidate) rather than
    /// another uniqueness clash, which no other login would cure.
    pub fn is_login_taken(&self) -> bool {
        matches!(
            self,
            DirectoryError::AlreadyExists {
                taken: Unique::Login,
                ..
            }
        )
    }

    /// What a client may read: built from the variant, never from a DN or slapd's text
    /// (except a `Constraint` the adapter raised itself, `code` 0, whose detail is its own).
    pub fn client_message(&self) -> String {
        match self {
            DirectoryError::NotFound(_) => "not found".into(),
            DirectoryError::AlreadyExists { taken, .. } => match taken {
                Unique::Entry => "the entry exists already".into(),
                Unique::GroupName => "the school has a group of that name".into(),
                other => format!("{other} is taken"),
            },
            DirectoryError::StateChanged { expected } => {
                format!("the account state changed: it is no longer {expected}")
            }
            DirectoryError::Constraint { code: 0, detail } => detail.clone(),
            DirectoryError::Constraint { code, .. } => {
                format!("the directory refused a value ({})", result_name(*code))
            }
            DirectoryError::InvalidCredentials => "invalid credentials".into(),
            DirectoryError::InsufficientAccess(_) => "not allowed".into(),
            DirectoryError::Unavailable(_) | DirectoryError::OutcomeUnknown(_) => {
                "the directory is unavailable".into()
            }
            DirectoryError::VersionChanged(_) => "the resource changed in the meantime".into(),
            DirectoryError::Other(_) => "internal error".into(),
        }
    }
}

/// RFC 4511 Appendix A names of the constraint codes a client may be told about.
pub fn result_name(code: u32) -> &'static str {
    match code {
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        64 => "namingViolation",
        65 => "objectClassViolation",
        67 => "notAllowedOnRDN",
        _ => "constraint",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_come_from_the_variant_not_the_context() {
        let e = DirectoryError::taken(Unique::UserName, "uid=x,ou=pracownicy,dc=y");
        // The whole message, so nothing of the context (the DN) can be in it.
        assert_eq!(e.client_message(), "userName is taken");
        let c = DirectoryError::Constraint {
            code: 65,
            detail: "uid=x: object class 'zszoPerson' requires attribute 'sn'".into(),
        };
        assert_eq!(
            c.client_message(),
            "the directory refused a value (objectClassViolation)"
        );
        assert!(DirectoryError::taken(Unique::Login, "x").is_login_taken());
        assert!(!DirectoryError::taken(Unique::Email, "x").is_login_taken());
        assert_eq!(
            DirectoryError::OutcomeUnknown("uid=x".into()).client_message(),
            "the directory is unavailable"
        );
    }
}
