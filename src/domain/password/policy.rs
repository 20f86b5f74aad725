//! The password policy (security.md PWD-01..05, INIT-02, INIT-04; NIST SP 800-63B-4 §3.1.1.2).
//!
//! Rules, checked in this order so the reason shown is the most useful one:
//! 1. 15 to 128 characters, counted in Unicode code points after NFKC normalisation
//!    ([`normalize`]; the portal normalises on set and on sign-in alike, so `ó` typed
//!    composed or decomposed is the same password). No composition rules.
//! 2. Not blank and no control characters.
//! 3. Not the person's one-time password (compared by digest, dashes and case ignored).
//! 4. Not a common password ([`super::common`]), nor one followed by digits, nor one
//!    character repeated.
//! 5. Not containing the login, nor a part (≥ 4 letters) of the person's name.
//! 6. Not made only of context words (city, system, school name, months, seasons …), digits
//!    and punctuation: after removing them fewer than 4 letters would remain.
//!
//! [`Strength`] (zxcvbn's estimate) is a hint shown to the person, never a rule: the rules
//! above are the documented policy, and an estimator must not turn into composition rules.

use super::common::{fold, is_common, CONTEXT_WORDS};
use super::{MAX_CHARS, MIN_CHARS};
use crate::domain::{LoginName, ParseError, PersonName};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

/// Name parts shorter than this are not searched for in a password (too many false hits).
const MIN_CONTEXT_WORD: usize = 4;
/// Fewer letters than this left after removing context words: the password is only those.
const MIN_OWN_LETTERS: usize = 4;
/// zxcvbn is quadratic in the length; the hint looks at this many characters.
const STRENGTH_PREFIX: usize = 64;

/// The password as it is hashed and bound with: NFKC (security.md PWD-03).
pub fn normalize(password: &SecretString) -> SecretString {
    SecretString::from(password.expose_secret().nfkc().collect::<String>())
}

/// The digest by which a one-time password is recognised later without keeping it: SHA-256
/// of its canonical form (lower case, no dashes or spaces). One-time passwords carry ~101
/// random bits, so the digest cannot be reversed by guessing.
pub fn one_time_password_digest(password: &SecretString) -> [u8; 32] {
    let canonical: String = password
        .expose_secret()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    Sha256::digest(canonical.as_bytes()).into()
}

/// Who the password is for: the policy refuses passwords made of these.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyContext<'a> {
    pub login: Option<&'a LoginName>,
    pub name: Option<&'a PersonName>,
    /// The school's name (its words are context words).
    pub school_name: Option<&'a str>,
    /// [`one_time_password_digest`] of the one-time password being replaced.
    pub one_time_password: Option<&'a [u8; 32]>,
}

/// Why a password was refused; safe to show (it never repeats the password).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyViolation {
    TooShort,
    TooLong,
    /// Whitespace only, or a control character.
    Unprintable,
    SameAsOneTimePassword,
    OnBlocklist,
    ContainsLogin,
    ContainsName,
    /// Only words of the context (city, system, school, months …), digits and punctuation.
    ContextWordsOnly,
}

impl PolicyViolation {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyViolation::TooShort => "too_short",
            PolicyViolation::TooLong => "too_long",
            PolicyViolation::Unprintable => "unprintable",
            PolicyViolation::SameAsOneTimePassword => "same_as_one_time_password",
            PolicyViolation::OnBlocklist => "on_blocklist",
            PolicyViolation::ContainsLogin => "contains_login",
            PolicyViolation::ContainsName => "contains_name",
            PolicyViolation::ContextWordsOnly => "context_words_only",
        }
    }
}

impl From<PolicyViolation> for ParseError {
    fn from(v: PolicyViolation) -> Self {
        let reason = match v {
            PolicyViolation::TooShort => format!("must be at least {MIN_CHARS} characters"),
            PolicyViolation::TooLong => format!("must be at most {MAX_CHARS} characters"),
            PolicyViolation::Unprintable => {
                "must not be blank or contain control characters".into()
            }
            PolicyViolation::SameAsOneTimePassword => {
                "must differ from the one-time password".into()
            }
            PolicyViolation::OnBlocklist => "is too common".into(),
            PolicyViolation::ContainsLogin => "must not contain the login".into(),
            PolicyViolation::ContainsName => "must not contain the person's name".into(),
            PolicyViolation::ContextWordsOnly => {
                "must not consist only of the city's, school's or system's words, dates and \
                 digits"
                    .into()
            }
        };
        ParseError::new("password", reason)
    }
}

/// How hard a password would be to guess (zxcvbn's score 0–4): a hint, not a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Strength(pub u8);

/// The password rules, shared by the generator, the portal and the panel.
pub struct PasswordPolicy;

impl PasswordPolicy {
    /// `Ok` when the (already [`normalize`]d) password may be used by this person.
    pub fn check(
        password: &SecretString,
        context: &PolicyContext<'_>,
    ) -> Result<(), PolicyViolation> {
        let pw = password.expose_secret();
        let chars = pw.chars().count();
        if chars < MIN_CHARS {
            return Err(PolicyViolation::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PolicyViolation::TooLong);
        }
        if pw.trim().is_empty() || pw.chars().any(char::is_control) {
            return Err(PolicyViolation::Unprintable);
        }
        if let Some(otp) = context.one_time_password {
            let same: bool =
                subtle::ConstantTimeEq::ct_eq(&one_time_password_digest(password)[..], &otp[..])
                    .into();
            if same {
                return Err(PolicyViolation::SameAsOneTimePassword);
            }
        }
        let folded = fold(pw);
        if is_common(&folded) || single_repeated(&folded) {
            return Err(PolicyViolation::OnBlocklist);
        }
        if let Some(login) = context.login {
            let l = fold(login.as_str());
            if !l.is_empty() && folded.contains(&l) {
                return Err(PolicyViolation::ContainsLogin);
            }
        }
        let name_words = context
            .name
            .map(|n| words_of(&[n.given.as_str(), n.family.as_str()]))
            .unwrap_or_default();
        if name_words.iter().any(|w| folded.contains(w)) {
            return Err(PolicyViolation::ContainsName);
        }
        if only_context_words(&folded, context) {
            return Err(PolicyViolation::ContextWordsOnly);
        }
        Ok(())
    }

    /// zxcvbn's estimate of the password (its first characters), for the hint.
    pub fn strength(password: &SecretString, context: &PolicyContext<'_>) -> Strength {
        let prefix: String = password
            .expose_secret()
            .chars()
            .take(STRENGTH_PREFIX)
            .collect();
        let mut inputs: Vec<String> = CONTEXT_WORDS.iter().map(|w| (*w).to_owned()).collect();
        if let Some(l) = context.login {
            inputs.push(l.as_str().to_owned());
        }
        if let Some(n) = context.name {
            inputs.push(n.given.as_str().to_owned());
            inputs.push(n.family.as_str().to_owned());
        }
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        Strength(u8::from(zxcvbn::zxcvbn(&prefix, &inputs).score()))
    }
}

/// The folded words (≥ [`MIN_CONTEXT_WORD`] characters) of free-text values.
fn words_of(values: &[&str]) -> Vec<String> {
    values
        .iter()
        .flat_map(|p| p.split(|c: char| !c.is_alphanumeric()))
        .map(fold)
        .filter(|w| w.chars().count() >= MIN_CONTEXT_WORD)
        .collect()
}

/// Whether removing every context word, digit and punctuation leaves almost nothing.
fn only_context_words(folded: &str, context: &PolicyContext<'_>) -> bool {
    let mut words: Vec<String> = CONTEXT_WORDS.iter().map(|w| (*w).to_owned()).collect();
    if let Some(school) = context.school_name {
        words.extend(words_of(&[school]));
    }
    if let Some(login) = context.login {
        words.extend(words_of(&[login.as_str()]));
    }
    // Longest first, so `krakowski` goes before `krakow` leaves a stray `ski`.
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let mut rest = folded.to_owned();
    for w in &words {
        rest = rest.replace(w.as_str(), "");
    }
    rest.chars().filter(char::is_ascii_alphabetic).count() < MIN_OWN_LETTERS
}

fn single_repeated(folded: &str) -> bool {
    let mut chars = folded.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => false,
    }
}
