//! CSRF protection of every panel form (security.md SESS-06; OWASP CSRF Prevention CS).
//!
//! - Signed in: a synchronizer token per session (256 random bits kept in the session record),
//!   in a hidden field `csrf` of every form.
//! - Not signed in (the sign-in form): a pre-session token in the `__Host-zszo-pre` cookie and
//!   the same value in the hidden field (double submit; the `__Host-` prefix keeps other hosts
//!   from planting the cookie). It is deleted at sign-in, so it never becomes a session.
//! - The panel's request middleware (`web::context_layer`) checks every POST before any handler
//!   runs: the field must equal the expected token (constant-time), and a browser's
//!   `Sec-Fetch-Site: cross-site` is refused too. A failure answers 403 and nothing happens.
//!   Handlers therefore need no check of their own; their `Form` types may ignore `csrf`.

use super::error::WebError;
use super::session::Session;
use maud::{html, Markup};
use subtle::ConstantTimeEq;

/// The form field name.
pub const FIELD: &str = "csrf";

/// A token to put in a form. Its value is never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct CsrfToken(String);

impl CsrfToken {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The session's token.
    pub fn of(session: &Session) -> Self {
        Self(session.record.csrf.clone())
    }
}

impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfToken(…)")
    }
}

/// `<input type="hidden" name="csrf" value="…">`, for every form.
pub fn csrf_field(token: &CsrfToken) -> Markup {
    html! { input type="hidden" name=(FIELD) value=(token.as_str()); }
}

/// Constant-time comparison of a submitted value with the expected token.
pub fn verify(expected: &CsrfToken, given: Option<&str>) -> Result<(), WebError> {
    let Some(given) = given else {
        return Err(WebError::Csrf);
    };
    let (a, b) = (expected.0.as_bytes(), given.as_bytes());
    if !a.is_empty() && a.len() == b.len() && bool::from(a.ct_eq(b)) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// The `csrf` value of an `application/x-www-form-urlencoded` body.
pub fn field_of(body: &[u8]) -> Option<String> {
    pairs(body).find(|(k, _)| k == FIELD).map(|(_, v)| v)
}

fn pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&').filter_map(|pair| {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = decode(it.next()?)?;
        let v = decode(it.next().unwrap_or_default())?;
        Some((k, v))
    })
}

/// Percent-decoding with `+` as space (HTML form encoding).
fn decode(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_passes() {
        let t = CsrfToken::new("abc-DEF_123");
        assert!(verify(&t, Some("abc-DEF_123")).is_ok());
        assert!(verify(&t, Some("abc-DEF_124")).is_err());
        assert!(verify(&t, Some("abc")).is_err());
        assert!(verify(&t, Some("")).is_err());
        assert!(verify(&t, None).is_err());
        assert!(verify(&CsrfToken::new(""), Some("")).is_err());
        assert_eq!(format!("{t:?}"), "CsrfToken(…)");
    }

    #[test]
    fn the_field_is_found_in_a_form_body() {
        assert_eq!(
            field_of(b"login=a%2Eb&csrf=x%2By+z&password=p").as_deref(),
            Some("x+y z")
        );
        assert_eq!(field_of(b"login=a"), None);
        assert_eq!(field_of(b"csrf=%zz"), None);
        let html = csrf_field(&CsrfToken::new("t\"<")).into_string();
        assert_eq!(
            html,
            r#"<input type="hidden" name="csrf" value="t&quot;&lt;">"#
        );
    }
}
