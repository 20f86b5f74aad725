//! A person's own email address, as typed in the Access Portal (security.md MAIL-07).
//!
//! Parsed by `email_address` (RFC 5322 `addr-spec`, a tested parser, not a regex), then held
//! to stricter rules because the value goes into an SMTP envelope, a header and the
//! directory's `mail`: no whitespace or control characters at all (so no CR/LF header
//! injection), no display name, no quoted local part, no IP-literal domain, at most 254
//! characters, a domain with a dot. The domain is lower-cased (domains are case-insensitive);
//! the local part is kept as typed, because RFC 5321 lets a mail server treat it
//! case-sensitively. Internationalised domains are refused for now (they would need IDNA and
//! SMTPUTF8 end to end); the message says so.

use super::ParseError;
use std::fmt;
use std::str::FromStr;

/// The longest address SMTP can carry in a path (RFC 5321 §4.5.3.1.3, 256 minus `<>`).
const MAX_CHARS: usize = 254;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let err = |reason: &str| ParseError::new("email", reason);
        let value = raw.trim();
        if value.is_empty() {
            return Err(err("must not be empty"));
        }
        if value.chars().count() > MAX_CHARS {
            return Err(err("must be at most 254 characters"));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("must not contain spaces or line breaks"));
        }
        if !value.is_ascii() {
            return Err(err(
                "must use Latin letters without diacritics (internationalised addresses are \
                 not supported yet)",
            ));
        }
        if value.contains(['"', '<', '>', '(', ')', '[', ']', ',', ';', '\\']) {
            return Err(err(
                "must be a plain address such as jan.kowalski@example.pl",
            ));
        }
        let parsed = email_address::EmailAddress::from_str(value)
            .map_err(|_| err("is not a valid address (expected name@domain.pl)"))?;
        let (local, domain) = (parsed.local_part(), parsed.domain());
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(err("must have a domain such as example.pl"));
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// For operational logs (security.md MAIL-08): `j***@example.pl`.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or(("", &self.0));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

str_access!(EmailAddress);

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_are_accepted_with_the_domain_lower_cased() {
        let a = EmailAddress::parse("  Jan.Kowalski+szkola@Example.PL ").unwrap();
        assert_eq!(a.as_str(), "Jan.Kowalski+szkola@example.pl");
        assert_eq!(a.masked(), "J***@example.pl");
        assert!(!format!("{a:?}").contains("Kowalski"));
    }

    #[test]
    fn header_injection_and_odd_forms_are_refused() {
        for bad in [
            "",
            "a@b.pl\r\nBcc: x@y.z",
            "a@b.pl\nBcc: x@y.z",
            "\"x\nSubject: hi\"@b.pl",
            "\"quoted\"@b.pl",
            "Jan <jan@b.pl>",
            "a@b.pl,c@d.pl",
            "jan@localhost",
            "jan@[127.0.0.1]",
            "jan@żółw.pl",
            "jаn@b.pl", // Cyrillic а: a homoglyph
            "no-at-sign.pl",
            "jan@.pl",
            "jan@b.pl.",
            "a b@c.pl",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("{}@example.pl", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }
}
