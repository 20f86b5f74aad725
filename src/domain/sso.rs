//! SSO service accounts: the named, scoped, read-only identities with which a school's single
//! sign-on (or the city's) reads the directory (`zszo-connector sso-client`).

use super::{ParseError, SchoolCode};
use std::fmt;

/// An SSO service account's name: its RDN (`cn=<name>,ou=sso,ou=system,<base>`). Lowercase
/// ASCII letters, digits and '-', 2 to 64 characters, starting with a letter, so that it
/// reads the same in a DN, a shell and a log line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SsoClientName(String);

impl SsoClientName {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let value = raw.trim();
        let field = "SSO client name";
        if !(2..=64).contains(&value.len()) {
            return Err(ParseError::new(field, "must be 2 to 64 characters"));
        }
        if !value.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(ParseError::new(field, "must start with a lowercase letter"));
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ParseError::new(
                field,
                "may contain only lowercase ASCII letters, digits and '-'",
            ));
        }
        Ok(Self(value.to_owned()))
    }
}

str_access!(SsoClientName);

/// Whose people an SSO service account reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoScope {
    /// Every school's (e.g. the city's own single sign-on).
    CityWide,
    /// The people and groups of these schools (never empty).
    Schools(Vec<SchoolCode>),
}

impl fmt::Display for SsoScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SsoScope::CityWide => f.write_str("city-wide"),
            SsoScope::Schools(codes) => {
                let codes: Vec<&str> = codes.iter().map(SchoolCode::as_str).collect();
                f.write_str(&codes.join(","))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_dn_safe_words() {
        assert_eq!(
            SsoClientName::parse(" sso-sp12 ").unwrap().as_str(),
            "sso-sp12"
        );
        for bad in [
            "",
            "a",
            "SSO",
            "1sso",
            "sso,ou=x",
            "sso client",
            "ssó",
            &"a".repeat(65),
        ] {
            assert!(SsoClientName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_scope_prints_as_the_cli_shows_it() {
        let codes = vec![
            SchoolCode::parse("SP1").unwrap(),
            SchoolCode::parse("LO2").unwrap(),
        ];
        assert_eq!(SsoScope::Schools(codes).to_string(), "SP1,LO2");
        assert_eq!(SsoScope::CityWide.to_string(), "city-wide");
    }
}
