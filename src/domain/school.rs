//! A school (placówka): identified by a stable code such as its RSPO number, shown by its name.

use super::{parse_code, parse_text, ParseError};

/// The stable identifier of a school, e.g. its RSPO (national school registry) number.
/// 1–[`SchoolCode::MAX_LEN`] characters of ASCII letters, digits and `-`; it becomes the
/// school's OU name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchoolCode(String);

impl SchoolCode {
    /// Generated identifiers (a UUID is 36 characters) fit; the directory schema's bound on
    /// `zszoSchoolCode` is the same (`ldap` tests compare them).
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-';
        let alphabet = "ASCII letters, digits and '-'";
        parse_code("school code", raw, Self::MAX_LEN, allowed, alphabet).map(Self)
    }
}

str_access!(SchoolCode);

/// The human name of a school, e.g. "Szkoła Podstawowa nr 1 im. Jana Matejki".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolName(String);

impl SchoolName {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        parse_text("school name", raw, 200).map(Self)
    }
}

str_access!(SchoolName);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub code: SchoolCode,
    pub name: SchoolName,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_code_accepts_rspo_numbers_and_refuses_dn_syntax() {
        assert_eq!(SchoolCode::parse(" 12345 ").unwrap().as_str(), "12345");
        assert!(SchoolCode::parse("SP-1").is_ok());
        let uuid = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";
        assert!(SchoolCode::parse(uuid).is_ok());
        assert!(SchoolCode::parse(&"1".repeat(64)).is_ok());
        for bad in ["", "a,b", "ou=x", "12 34", "ł", &"1".repeat(65)] {
            assert!(SchoolCode::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn school_name_is_trimmed_and_bounded() {
        assert_eq!(
            SchoolName::parse("  Szkoła Podstawowa nr 1 ")
                .unwrap()
                .as_str(),
            "Szkoła Podstawowa nr 1"
        );
        assert!(SchoolName::parse("   ").is_err());
        assert!(SchoolName::parse("a\nb").is_err());
    }
}
