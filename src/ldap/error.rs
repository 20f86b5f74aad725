//! Maps ldap3 errors and LDAP result codes (RFC 4511 §4.1.9, Appendix A) to `DirectoryError`.
//!
//! Invariant: this is the only place that interprets a result code or reads slapd's
//! diagnostic text; what it decides becomes a `DirectoryError` variant (`AlreadyExists {
//! taken }`, `StateChanged`, `Constraint { code }`, `Unavailable`, `OutcomeUnknown` …), and
//! callers decide by variant only. Contexts carry a DN (never a password) and slapd's text,
//! for the log; `DirectoryError::client_message` is built from the variant.

use crate::ports::{DirectoryError, Unique};
use ldap3::{LdapError, LdapResult};

/// Result codes (RFC 4511 Appendix A.1) this adapter reacts to.
pub mod rc {
    pub const SUCCESS: u32 = 0;
    pub const NO_SUCH_ATTRIBUTE: u32 = 16;
    pub const CONSTRAINT_VIOLATION: u32 = 19;
    pub const ATTRIBUTE_OR_VALUE_EXISTS: u32 = 20;
    pub const INVALID_ATTRIBUTE_SYNTAX: u32 = 21;
    pub const NO_SUCH_OBJECT: u32 = 32;
    pub const INVALID_CREDENTIALS: u32 = 49;
    pub const INSUFFICIENT_ACCESS: u32 = 50;
    pub const BUSY: u32 = 51;
    pub const UNAVAILABLE: u32 = 52;
    pub const UNWILLING_TO_PERFORM: u32 = 53;
    pub const NAMING_VIOLATION: u32 = 64;
    pub const OBJECT_CLASS_VIOLATION: u32 = 65;
    pub const NOT_ALLOWED_ON_RDN: u32 = 67;
    pub const ENTRY_ALREADY_EXISTS: u32 = 68;
    pub const OTHER: u32 = 80;
    /// RFC 4528: the assertion control's filter did not match the entry.
    pub const ASSERTION_FAILED: u32 = 122;
}

/// Describes a result for a message: `constraintViolation (19): <slapd's text>`.
fn describe(result: &LdapResult) -> String {
    let name = match result.rc {
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        11 => "adminLimitExceeded",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        64 => "namingViolation",
        65 => "objectClassViolation",
        66 => "notAllowedOnNonLeaf",
        67 => "notAllowedOnRDN",
        68 => "entryAlreadyExists",
        80 => "other",
        122 => "assertionFailed",
        _ => "result",
    };
    if result.text.is_empty() {
        format!("{name} ({})", result.rc)
    } else {
        format!("{name} ({}): {}", result.rc, result.text)
    }
}

/// Maps a non-success result of an operation on `context` (usually the DN).
pub fn from_result(context: &str, result: &LdapResult) -> DirectoryError {
    let detail = format!("{context}: {}", describe(result));
    match result.rc {
        rc::NO_SUCH_OBJECT => DirectoryError::NotFound(context.to_owned()),
        rc::ENTRY_ALREADY_EXISTS => DirectoryError::taken(Unique::Entry, context),
        rc::CONSTRAINT_VIOLATION
        | rc::ATTRIBUTE_OR_VALUE_EXISTS
        | rc::INVALID_ATTRIBUTE_SYNTAX
        | rc::NAMING_VIOLATION
        | rc::OBJECT_CLASS_VIOLATION
        | rc::NOT_ALLOWED_ON_RDN => match unique_clash(result) {
            Some(taken) => DirectoryError::taken(taken, detail),
            None => DirectoryError::Constraint {
                code: result.rc,
                detail,
            },
        },
        rc::INVALID_CREDENTIALS => DirectoryError::InvalidCredentials,
        rc::ASSERTION_FAILED => DirectoryError::VersionChanged(context.to_owned()),
        rc::INSUFFICIENT_ACCESS => DirectoryError::InsufficientAccess(detail),
        rc::BUSY | rc::UNAVAILABLE | rc::UNWILLING_TO_PERFORM | rc::OTHER => {
            DirectoryError::Unavailable(detail)
        }
        _ => DirectoryError::Other(detail),
    }
}

/// Maps the error of a write whose request was handed to a connection: a result code via
/// [`from_result`]; a transport failure (timeout, a connection closed before the answer) is
/// `OutcomeUnknown`, since slapd may have applied the write before the connection broke.
pub fn from_ldap_write(context: &str, err: LdapError) -> DirectoryError {
    match from_ldap(context, err) {
        DirectoryError::Unavailable(m) => DirectoryError::OutcomeUnknown(m),
        other => other,
    }
}

/// Maps any ldap3 error: result codes via [`from_result`]; transport failures (I/O, timeout,
/// a closed connection, TLS) are `Unavailable`, i.e. retryable later.
pub fn from_ldap(context: &str, err: LdapError) -> DirectoryError {
    match err {
        LdapError::LdapResult { result } => from_result(context, &result),
        LdapError::Io { .. }
        | LdapError::Timeout { .. }
        | LdapError::OpSend { .. }
        | LdapError::ResultRecv { .. }
        | LdapError::IdScrubSend { .. }
        | LdapError::MiscSend { .. }
        | LdapError::EndOfStream
        | LdapError::Rustls { .. }
        | LdapError::DNSName { .. } => DirectoryError::Unavailable(format!("{context}: {err}")),
        other => DirectoryError::Other(format!("{context}: {other}")),
    }
}

/// Whether a failed operation may succeed if tried again (on a fresh connection).
pub fn is_transient(err: &DirectoryError) -> bool {
    matches!(err, DirectoryError::Unavailable(_))
}

/// slapo-unique refuses a duplicate with 19 and "non-unique attributes found with (|(uid=…))".
/// Only a clash on `uid` (or 68 on a person's DN, whose RDN is the login) means "login
/// taken"; a clash on another unique attribute is another `Unique` (otherwise the caller
/// would try login candidates forever).
pub fn is_login_taken(result: &LdapResult) -> bool {
    result.rc == rc::ENTRY_ALREADY_EXISTS || unique_clash(result) == Some(Unique::Login)
}

/// Which unique attribute a slapo-unique refusal names (19, "non-unique attributes found
/// with (|(mail=…))").
pub fn unique_clash(result: &LdapResult) -> Option<Unique> {
    if result.rc != rc::CONSTRAINT_VIOLATION || !result.text.contains("non-unique") {
        return None;
    }
    let text = result.text.to_ascii_lowercase();
    [
        ("(uid=", Unique::Login),
        ("(mail=", Unique::Email),
        ("(zszoexternalid=", Unique::ExternalId),
        ("(zszoexternalusername=", Unique::UserName),
    ]
    .into_iter()
    .find(|(needle, _)| text.contains(needle))
    .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.to_owned(),
            refs: Vec::new(),
            ctrls: Vec::new(),
        }
    }

    fn kind(e: &DirectoryError) -> &'static str {
        match e {
            DirectoryError::NotFound(_) => "NotFound",
            DirectoryError::AlreadyExists { .. } => "AlreadyExists",
            DirectoryError::StateChanged { .. } => "StateChanged",
            DirectoryError::Constraint { .. } => "Constraint",
            DirectoryError::OutcomeUnknown(_) => "OutcomeUnknown",
            DirectoryError::InvalidCredentials => "InvalidCredentials",
            DirectoryError::InsufficientAccess(_) => "InsufficientAccess",
            DirectoryError::Unavailable(_) => "Unavailable",
            DirectoryError::Other(_) => "Other",
            DirectoryError::VersionChanged(_) => "VersionChanged",
        }
    }

    #[test]
    fn result_codes_map_to_domain_errors() {
        let table = [
            (32, "NotFound"),
            (122, "VersionChanged"),
            (68, "AlreadyExists"),
            (19, "Constraint"),
            (20, "Constraint"),
            (21, "Constraint"),
            (64, "Constraint"),
            (65, "Constraint"),
            (67, "Constraint"),
            (49, "InvalidCredentials"),
            (50, "InsufficientAccess"),
            (51, "Unavailable"),
            (52, "Unavailable"),
            (53, "Unavailable"),
            (80, "Unavailable"),
            (1, "Other"),
            (34, "Other"),
        ];
        for (code, expected) in table {
            let e = from_ldap("uid=x,dc=y", LdapError::from(result(code, "why")));
            assert_eq!(kind(&e), expected, "rc {code}");
        }
    }

    #[test]
    fn constraint_messages_keep_slapds_diagnostic_text() {
        let e = from_result(
            "uid=x",
            &result(65, "object class 'zszoPerson' requires attribute 'sn'"),
        );
        assert_eq!(
            e.to_string(),
            "refused by the directory: uid=x: objectClassViolation (65): \
             object class 'zszoPerson' requires attribute 'sn'"
        );
    }

    #[test]
    fn a_slapo_unique_refusal_is_already_exists_naming_the_value() {
        let e = from_result(
            "uid=a,dc=y",
            &result(19, "non-unique attributes found with (|(mail=a@b.pl))"),
        );
        assert!(matches!(
            e,
            DirectoryError::AlreadyExists {
                taken: Unique::Email,
                ..
            }
        ));
        let e = from_result("ou=x,dc=y", &result(68, ""));
        assert!(matches!(
            e,
            DirectoryError::AlreadyExists {
                taken: Unique::Entry,
                ..
            }
        ));
    }

    #[test]
    fn a_transport_failure_after_a_write_was_sent_is_an_unknown_outcome() {
        assert_eq!(
            kind(&from_ldap_write("uid=x", LdapError::EndOfStream)),
            "OutcomeUnknown"
        );
        assert_eq!(
            kind(&from_ldap_write("uid=x", LdapError::from(result(68, "")))),
            "AlreadyExists"
        );
    }

    #[test]
    fn transport_failures_are_unavailable() {
        let io = LdapError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(kind(&from_ldap("ldap://x", io)), "Unavailable");
        assert_eq!(
            kind(&from_ldap("ldap://x", LdapError::EndOfStream)),
            "Unavailable"
        );
        assert_eq!(kind(&from_ldap("x", LdapError::FilterParsing)), "Other");
        assert!(is_transient(&DirectoryError::Unavailable(String::new())));
        assert!(!is_transient(&DirectoryError::Other(String::new())));
    }

    #[test]
    fn only_a_uid_clash_means_the_login_is_taken() {
        assert!(is_login_taken(&result(68, "")));
        assert!(is_login_taken(&result(
            19,
            "non-unique attributes found with (|(uid=jan.kowalski))"
        )));
        assert!(!is_login_taken(&result(
            19,
            "non-unique attributes found with (|(employeeNumber=7))"
        )));
        assert!(!is_login_taken(&result(19, "password in history")));
    }

    #[test]
    fn a_unique_clash_names_the_attribute() {
        let clash = |text: &str| unique_clash(&result(19, text));
        assert_eq!(
            clash("non-unique attributes found with (|(uid=a))"),
            Some(Unique::Login)
        );
        assert_eq!(
            clash("non-unique attributes found with (|(zszoExternalUserName=A@x))"),
            Some(Unique::UserName)
        );
        assert_eq!(
            clash("non-unique attributes found with (|(zszoExternalId=7))"),
            Some(Unique::ExternalId)
        );
        assert_eq!(clash("password in history"), None);
        assert_eq!(unique_clash(&result(68, "non-unique (uid=a)")), None);
    }
}
