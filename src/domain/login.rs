//! The login (`uid`): a person's identifier in ZSZO, unique across the whole city.
//!
//! Pattern: `given.family`, transliterated to ASCII (ł→l, ż→z, ą→a …), lower case, every run of
//! other characters collapsed to one `-`; on collision a numeric suffix (`jan.kowalski2`, `…3`).
//! The directory enforces uniqueness (`slapo-unique`); this module only proposes candidates.

use super::{ParseError, PersonName};

pub const MIN_LEN: usize = 3;
pub const MAX_LEN: usize = 64;

/// A login that matches `^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$`: safe in a DN and a filter
/// even before escaping (we escape anyway), and easy to read aloud from a hand-over slip.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LoginName(String);

impl LoginName {
    /// Parses a login typed by a person or read from the directory. Case is folded,
    /// surrounding blanks are trimmed; anything else outside the pattern is refused.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let value = raw.trim().to_ascii_lowercase();
        let len = value.len();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(ParseError::new(
                "login",
                format!("must be {MIN_LEN} to {MAX_LEN} characters"),
            ));
        }
        if !value.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        }) {
            return Err(ParseError::new(
                "login",
                "may contain only a-z, 0-9, '.', '_' and '-'",
            ));
        }
        let edge_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        if !edge_ok(value.as_bytes()[0]) || !edge_ok(value.as_bytes()[len - 1]) {
            return Err(ParseError::new(
                "login",
                "must start and end with a letter or digit",
            ));
        }
        Ok(Self(value))
    }
}

str_access!(LoginName);

/// Transliterates one name part to the login alphabet: ASCII lower case, other runs → `-`.
fn login_part(raw: &str) -> String {
    let ascii = deunicode::deunicode(raw).to_ascii_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// The logins to try for a person, best first: `given.family`, then `given.family2`, `…3`, …
/// Yields nothing when the name has no character that survives transliteration.
pub fn login_candidates(name: &PersonName) -> impl Iterator<Item = LoginName> {
    let given = login_part(name.given.as_str());
    let family = login_part(name.family.as_str());
    let mut base = match (given.is_empty(), family.is_empty()) {
        (false, false) => format!("{given}.{family}"),
        (true, false) => family,
        (false, true) => given,
        (true, true) => String::new(),
    };
    // Leave room for a suffix of up to 4 digits.
    base.truncate(MAX_LEN - 4);
    let base = base.trim_end_matches(['-', '.']).to_owned();
    (1..=MAX_SUFFIX).filter_map(move |n| numbered_login(&base, n))
}

/// The largest numeric suffix a candidate gets (4 digits, room kept by the base's length).
pub const MAX_SUFFIX: u32 = 9_999;

/// The `n`-th candidate of a base: the base itself for 1, else the base with `n` appended;
/// `None` when that is not a valid login (an empty or too short base).
pub fn numbered_login(base: &str, n: u32) -> Option<LoginName> {
    if base.is_empty() {
        return None;
    }
    let text = if n == 1 {
        base.to_owned()
    } else {
        format!("{base}{n}")
    };
    LoginName::parse(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FamilyName, GivenName};

    fn name(given: &str, family: &str) -> PersonName {
        PersonName {
            given: GivenName::parse(given).unwrap(),
            family: FamilyName::parse(family).unwrap(),
        }
    }

    fn first(given: &str, family: &str) -> String {
        login_candidates(&name(given, family))
            .next()
            .unwrap()
            .to_string()
    }

    #[test]
    fn polish_letters_are_transliterated() {
        assert_eq!(first("Łukasz", "Nowak"), "lukasz.nowak");
        assert_eq!(first("Żaneta", "Wójcik-Łęcka"), "zaneta.wojcik-lecka");
        assert_eq!(first("Ąę Śćź", "Ńóż"), "ae-scz.noz");
    }

    #[test]
    fn collisions_get_numeric_suffixes() {
        let all: Vec<String> = login_candidates(&name("Jan", "Kowalski"))
            .take(3)
            .map(|l| l.to_string())
            .collect();
        assert_eq!(all, ["jan.kowalski", "jan.kowalski2", "jan.kowalski3"]);
    }

    #[test]
    fn very_long_names_still_fit_with_a_suffix() {
        let long = "a".repeat(100);
        let l: Vec<LoginName> = login_candidates(&name(&long, &long)).take(2).collect();
        assert!(l[1].as_str().len() <= MAX_LEN);
    }

    #[test]
    fn parse_refuses_what_the_pattern_excludes() {
        assert_eq!(
            LoginName::parse(" Jan.Kowalski ").unwrap().as_str(),
            "jan.kowalski"
        );
        for bad in [
            "ab",
            ".jan",
            "jan.",
            "jan kowalski",
            "jan*",
            "uid=x,ou=y",
            "żaneta",
        ] {
            assert!(LoginName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
