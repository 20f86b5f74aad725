//! One-time passwords and the password policy (security.md INIT-01, INIT-02, PWD-01).
//!
//! **The one-time password** is 20 characters drawn uniformly by the OS CSPRNG
//! ([`secret_rng`]) from an alphabet of 33 symbols that cannot be mistaken for one another
//! when read from paper or aloud: lower-case letters without `l` and digits without `0` and
//! `1` (there are no capitals, so no `O` or `I` either). They are written in five groups of
//! four joined by `-` (`k7dm-2xqa-…`); the dashes are part of the password, exactly as the
//! hand-over slip prints it. Entropy: 20 × log2(33) ≈ 100.9 bits (≥ 80 required).
//!
//! **The policy** ([`policy`]; the same for generated and for user-chosen passwords): 15 to
//! 128 characters counted in Unicode code points after NFKC normalisation, not a common
//! password ([`common`]), not made of context words, not containing the login or a part of
//! the person's name, and not the person's one-time password.
//!
//! Pure: no I/O. The only randomness comes from `OsRng` through [`secret_rng`].

mod common;
mod policy;

pub use policy::{
    normalize, one_time_password_digest, PasswordPolicy, PolicyContext, PolicyViolation, Strength,
};

use rand::rngs::OsRng;
use rand::Rng;
use secrecy::SecretString;

/// The generator's alphabet: no `0`, `O`, `1`, `l`, `I` (and no capitals at all).
pub const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyz23456789";
/// Random symbols in a one-time password (the dashes between groups are not counted).
pub const RANDOM_SYMBOLS: usize = 20;
/// Symbols per dash-separated group.
pub const GROUP: usize = 4;
/// The shortest password the policy accepts, in code points.
pub const MIN_CHARS: usize = 15;
/// The longest password the policy accepts, in code points.
pub const MAX_CHARS: usize = 128;

/// The only source of randomness for secrets: the operating system's CSPRNG.
pub fn secret_rng() -> OsRng {
    OsRng
}

/// Entropy of a generated one-time password in bits: `len × log2(alphabet)`.
pub fn generated_entropy_bits() -> f64 {
    RANDOM_SYMBOLS as f64 * (ALPHABET.len() as f64).log2()
}

/// A generated one-time password (the type only names the generator; the value is a
/// [`SecretString`], which never prints).
pub struct OneTimePassword;

impl OneTimePassword {
    /// A new one-time password from [`secret_rng`], e.g. `k7dm-2xqa-pv9e-h3ct-wz4n`.
    pub fn generate() -> SecretString {
        let mut rng = secret_rng();
        let mut out = String::with_capacity(RANDOM_SYMBOLS + RANDOM_SYMBOLS / GROUP);
        for i in 0..RANDOM_SYMBOLS {
            if i > 0 && i % GROUP == 0 {
                out.push('-');
            }
            // `gen_range` samples uniformly (rejection sampling, no modulo bias).
            out.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
        }
        SecretString::from(out)
    }

    /// A one-time password that also passes the policy for this person (a random string can,
    /// very rarely, contain a part of their name: then another is drawn).
    pub fn generate_for(context: &PolicyContext<'_>) -> SecretString {
        loop {
            let candidate = Self::generate();
            if PasswordPolicy::check(&candidate, context).is_ok() {
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FamilyName, GivenName};
    use crate::domain::{LoginName, ParseError, PersonName};
    use secrecy::ExposeSecret;
    use std::collections::{HashMap, HashSet};

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    fn no_context() -> PolicyContext<'static> {
        PolicyContext::default()
    }

    /// A person's name and login (a context borrows them: [`context_of`]).
    fn person(given: &str, family: &str, login: &str) -> (PersonName, LoginName) {
        let name = PersonName {
            given: GivenName::parse(given).unwrap(),
            family: FamilyName::parse(family).unwrap(),
        };
        (name, LoginName::parse(login).unwrap())
    }

    fn context_of<'a>(name: &'a PersonName, login: &'a LoginName) -> PolicyContext<'a> {
        PolicyContext {
            login: Some(login),
            name: Some(name),
            ..Default::default()
        }
    }

    #[test]
    fn the_alphabet_has_no_ambiguous_symbols_and_no_repeats() {
        for c in [b'0', b'O', b'1', b'l', b'I'] {
            assert!(!ALPHABET.contains(&c), "{}", c as char);
        }
        let distinct: HashSet<_> = ALPHABET.iter().collect();
        assert_eq!(distinct.len(), ALPHABET.len());
        assert_eq!(ALPHABET.len(), 33);
        assert!(ALPHABET
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }

    #[test]
    fn secrets_come_from_the_operating_systems_csprng() {
        // INIT-01: one function hands out the RNG for secrets, and it is `OsRng`.
        let rng: OsRng = secret_rng();
        fn is_crypto<R: rand::CryptoRng>(_: &R) {}
        is_crypto(&rng);
    }

    #[test]
    fn a_generated_password_has_at_least_80_bits_of_entropy() {
        // len × log2(alphabet), a constant: 20 × log2(33) ≈ 100.9.
        let bits = generated_entropy_bits();
        assert!(bits >= 80.0, "{bits}");
        assert!((bits - 100.88).abs() < 0.01, "{bits}");
    }

    #[test]
    fn a_generated_password_is_five_groups_of_four_from_the_alphabet() {
        let pw = OneTimePassword::generate();
        let pw = pw.expose_secret();
        assert_eq!(pw.len(), RANDOM_SYMBOLS + RANDOM_SYMBOLS / GROUP - 1);
        let groups: Vec<&str> = pw.split('-').collect();
        assert_eq!(groups.len(), 5, "{}", groups.len());
        for g in groups {
            assert_eq!(g.len(), GROUP);
            assert!(g.bytes().all(|b| ALPHABET.contains(&b)));
        }
    }

    #[test]
    fn ten_thousand_generated_passwords_pass_the_policy_and_are_all_different() {
        let mut seen = HashSet::new();
        let mut counts: HashMap<u8, usize> = HashMap::new();
        for _ in 0..10_000 {
            let pw = OneTimePassword::generate();
            PasswordPolicy::check(&pw, &no_context()).unwrap();
            for b in pw.expose_secret().bytes().filter(|b| *b != b'-') {
                *counts.entry(b).or_default() += 1;
            }
            assert!(seen.insert(pw.expose_secret().to_owned()), "duplicate");
        }
        // Every symbol is used, none wildly more than the others (200,000 draws over 33
        // symbols: ≈ 6,061 each; a uniform generator stays far inside ±15 %).
        assert_eq!(counts.len(), ALPHABET.len());
        let expected = 200_000.0 / ALPHABET.len() as f64;
        for (c, n) in counts {
            let dev = (n as f64 - expected).abs() / expected;
            assert!(dev < 0.15, "{} drawn {n} times", c as char);
        }
    }

    #[test]
    fn a_password_generated_for_a_person_never_contains_their_name() {
        let (name, login) = person("Abcd", "Efgh", "abcd.efgh");
        let ctx = context_of(&name, &login);
        for _ in 0..200 {
            let pw = OneTimePassword::generate_for(&ctx);
            assert!(PasswordPolicy::check(&pw, &ctx).is_ok());
        }
    }

    #[test]
    fn the_length_is_counted_in_characters_not_bytes() {
        // 15 Polish letters are 30 bytes but 15 characters: allowed.
        let ok = "żółćżółćżółćżół";
        assert_eq!(ok.chars().count(), 15);
        assert!(PasswordPolicy::check(&secret(ok), &no_context()).is_ok());
        // 14 two-byte characters (28 bytes) are still too short.
        let short = "żółćżółćżółćżó";
        assert_eq!(
            PasswordPolicy::check(&secret(short), &no_context()),
            Err(PolicyViolation::TooShort)
        );
        assert_eq!(
            PasswordPolicy::check(&secret("short-password"), &no_context()),
            Err(PolicyViolation::TooShort)
        );
        let max = "x7".repeat(64);
        assert!(PasswordPolicy::check(&secret(&max), &no_context()).is_ok());
        let long = format!("{max}y");
        assert_eq!(
            PasswordPolicy::check(&secret(&long), &no_context()),
            Err(PolicyViolation::TooLong)
        );
    }

    #[test]
    fn blank_control_and_blocklisted_passwords_are_refused() {
        let check = |s: &str| PasswordPolicy::check(&secret(s), &no_context());
        assert_eq!(check("                "), Err(PolicyViolation::Unprintable));
        assert_eq!(
            check("tab\tinside-a-password"),
            Err(PolicyViolation::Unprintable)
        );
        assert_eq!(check("Password12345678"), Err(PolicyViolation::OnBlocklist));
        assert_eq!(
            check("password-1234-5678"),
            Err(PolicyViolation::OnBlocklist)
        );
        // A common password typed over again is a common password (issue 16), not
        // "easy words".
        assert_eq!(
            check("Hasło-hasło-hasło"),
            Err(PolicyViolation::OnBlocklist)
        );
        assert_eq!(check("haslo123haslo123"), Err(PolicyViolation::OnBlocklist));
        assert_eq!(
            check("Kraków-szkoła-2025!"),
            Err(PolicyViolation::ContextWordsOnly)
        );
        assert_eq!(
            check("zzzzzzzzzzzzzzzzzz"),
            Err(PolicyViolation::OnBlocklist)
        );
        assert!(check("correct horse battery staple").is_ok());
    }

    #[test]
    fn the_login_and_the_name_are_refused_inside_a_password() {
        let (name, login) = person("Łukasz", "Nowak-Żółć", "lukasz.nowak-zolc");
        let ctx = context_of(&name, &login);
        let check = |s: &str| PasswordPolicy::check(&secret(s), &ctx);
        assert_eq!(
            check("my Lukasz.Nowak-Zolc pw"),
            Err(PolicyViolation::ContainsLogin)
        );
        assert_eq!(
            check("i-am-ŁUKASZ-really"),
            Err(PolicyViolation::ContainsName)
        );
        assert_eq!(
            check("zolc zolc zolc zolc"),
            Err(PolicyViolation::ContainsName)
        );
        assert_eq!(
            check("surname nowak here"),
            Err(PolicyViolation::ContainsName)
        );
        assert!(check("something else entirely").is_ok());
        // Without a context the same passwords are fine.
        assert!(PasswordPolicy::check(&secret("i-am-ŁUKASZ-really"), &no_context()).is_ok());
    }

    #[test]
    fn the_one_time_password_is_refused_as_the_new_one_in_any_spelling() {
        let otp = OneTimePassword::generate();
        let digest = one_time_password_digest(&otp);
        let ctx = PolicyContext {
            one_time_password: Some(&digest),
            ..Default::default()
        };
        let same = |s: String| PasswordPolicy::check(&secret(&s), &ctx);
        let plain = otp.expose_secret().to_owned();
        assert_eq!(
            same(plain.clone()),
            Err(PolicyViolation::SameAsOneTimePassword)
        );
        assert_eq!(
            same(plain.to_uppercase()),
            Err(PolicyViolation::SameAsOneTimePassword)
        );
        assert_eq!(
            same(plain.replace('-', " ")),
            Err(PolicyViolation::SameAsOneTimePassword)
        );
        assert!(same(format!("{plain}x")).is_ok());
    }

    #[test]
    fn passwords_made_only_of_context_words_and_dates_are_refused() {
        let login = LoginName::parse("jan.kowalski").unwrap();
        let ctx = PolicyContext {
            login: Some(&login),
            school_name: Some("Szkoła Podstawowa nr 7 im. Mikołaja Kopernika"),
            ..Default::default()
        };
        let check = |s: &str| PasswordPolicy::check(&secret(s), &ctx);
        assert_eq!(
            check("KrakowZSZO2025!!"),
            Err(PolicyViolation::ContextWordsOnly)
        );
        assert_eq!(
            check("wrzesień-2026-zszo"),
            Err(PolicyViolation::ContextWordsOnly)
        );
        assert_eq!(
            check("Kopernika-Mikołaja-7"),
            Err(PolicyViolation::ContextWordsOnly)
        );
        // A common password repeated is named as such (it is checked first).
        assert_eq!(check("haslohaslohaslo"), Err(PolicyViolation::OnBlocklist));
        assert!(check("kraków zimą pachnie pierogami").is_ok());
    }

    #[test]
    fn composed_and_decomposed_letters_normalise_to_the_same_password() {
        let composed = secret("zielona-\u{f3}wka-nad-wisłą");
        let decomposed = secret("zielona-o\u{301}wka-nad-wisłą");
        assert_ne!(composed.expose_secret(), decomposed.expose_secret());
        assert_eq!(
            normalize(&composed).expose_secret(),
            normalize(&decomposed).expose_secret()
        );
    }

    #[test]
    fn the_strength_hint_ranks_a_passphrase_above_a_keyboard_walk() {
        let weak = PasswordPolicy::strength(&secret("qwertyuiopasdfghjkl"), &no_context());
        let strong =
            PasswordPolicy::strength(&secret("tramwaj smok obwarzanek wawel"), &no_context());
        assert!(weak < strong, "{weak:?} {strong:?}");
        assert_eq!(strong, Strength(4));
    }

    #[test]
    fn a_violation_says_why_without_repeating_the_password() {
        let e: ParseError = PolicyViolation::ContainsLogin.into();
        assert_eq!(e.field, "password");
        assert!(e.to_string().contains("login"));
    }
}
