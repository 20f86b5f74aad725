//! A person's names and HR identifiers.

use super::{parse_code, parse_text, ParseError};

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                parse_text($field, raw, $max).map(Self)
            }
        }

        str_access!($name);
    };
}

text_newtype!(
    /// First name(s), as written, with diacritics (e.g. "Łukasz").
    GivenName, "given name", 100
);
text_newtype!(
    /// Surname, as written, possibly double-barrelled (e.g. "Nowak-Żuławska").
    FamilyName, "family name", 100
);
text_newtype!(
    /// Job title at the school (e.g. "nauczyciel matematyki").
    Position, "position", 200
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub given: GivenName,
    pub family: FamilyName,
}

impl PersonName {
    /// "Given Family", the `cn` and SCIM `displayName` default.
    pub fn full(&self) -> String {
        format!("{} {}", self.given, self.family)
    }
}

/// The HR system's employee number: what tells two namesakes apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmployeeNumber(String);

impl EmployeeNumber {
    /// What real HR systems send (UUIDs, composite keys) fits; `employeeNumber` has no bound
    /// in the directory schema.
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.');
        let alphabet = "ASCII letters, digits, '-', '/' and '.'";
        parse_code("employee number", raw, Self::MAX_LEN, allowed, alphabet).map(Self)
    }
}

str_access!(EmployeeNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_diacritics_and_refuse_blank() {
        assert_eq!(GivenName::parse(" Łukasz ").unwrap().as_str(), "Łukasz");
        assert!(FamilyName::parse("").is_err());
        assert!(FamilyName::parse(&"ż".repeat(101)).is_err());
    }

    #[test]
    fn employee_number_is_ascii_only() {
        assert!(EmployeeNumber::parse("KR/2024/001").is_ok());
        assert!(EmployeeNumber::parse("1*").is_err());
        assert!(EmployeeNumber::parse("").is_err());
        // What HR systems generate: UUIDs, and up to 64 characters.
        assert!(EmployeeNumber::parse("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef").is_ok());
        assert!(EmployeeNumber::parse(&"7".repeat(64)).is_ok());
        assert!(EmployeeNumber::parse(&"7".repeat(65)).is_err());
    }
}
