//! Conditional requests (RFC 7644 §3.14, RFC 7232 §3.1–§3.2) on Users and Groups.
//!
//! `If-Match` on PUT, PATCH and DELETE is parsed here into a [`Precondition`] that the
//! use case checks against the version it reads (`entryCSN`): a stale one → 412 `Precondition
//! Failed`, `*` matches any existing resource. The check is read-compare-write in the use case,
//! not an atomic LDAP assertion (RFC 4528): a write by another LDAP client between the read and
//! the modify is not detected (see `crate::provisioning::Precondition`).
//!
//! `If-None-Match` on GET is answered by a middleware: when the resource's `ETag` matches one
//! of the tags (or `*`), the answer is 304 with the `ETag` and no body.
//!
//! Our ETags are weak (`W/"<entryCSN>"`) and RFC 7644 §3.14 uses them with `If-Match`, so tags
//! are compared by their opaque value, with or without `W/` (the weak comparison of RFC 7232
//! §2.3.2) for both headers.

use crate::provisioning::Precondition;
use crate::scim::ScimError;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The `If-Match` of a request, for a use case.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(pub Precondition);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfMatch(match tags(&parts.headers, header::IF_MATCH)? {
            None => Precondition::None,
            Some(Tags::Any) => Precondition::Exists,
            Some(Tags::List(v)) => Precondition::VersionIn(v),
        }))
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Tags {
    Any,
    /// Opaque values, without `W/` and quotes.
    List(Vec<String>),
}

/// Parses every `name` header: `*` or a comma-separated list of entity-tags (RFC 7232 §2.3).
fn tags(headers: &HeaderMap, name: header::HeaderName) -> Result<Option<Tags>, ScimError> {
    let mut list = Vec::new();
    let mut seen = false;
    for value in headers.get_all(&name) {
        seen = true;
        let bad = || ScimError::invalid_syntax(format!("malformed {name} header"));
        let text = value.to_str().map_err(|_| bad())?;
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "*" {
                return Ok(Some(Tags::Any));
            }
            let opaque = item.strip_prefix("W/").unwrap_or(item);
            let inner = opaque
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .filter(|s| !s.contains('"'))
                .ok_or_else(bad)?;
            list.push(inner.to_owned());
        }
    }
    Ok(seen.then_some(Tags::List(list)))
}

/// The opaque value of one of our ETags (`W/"v"` → `v`).
fn opaque(etag: &str) -> &str {
    let t = etag.strip_prefix("W/").unwrap_or(etag);
    t.trim_matches('"')
}

/// Answers a GET with 304 when `If-None-Match` matches the resource's `ETag`.
pub async fn not_modified(request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let wanted = match tags(request.headers(), header::IF_NONE_MATCH) {
        Ok(Some(t)) => t,
        Ok(None) => return next.run(request).await,
        Err(e) => return e.into_response(),
    };
    let response = next.run(request).await;
    let Some(etag) = response.headers().get(header::ETAG).cloned() else {
        return response;
    };
    let current = opaque(etag.to_str().unwrap_or(""));
    let matches = match &wanted {
        Tags::Any => true,
        Tags::List(v) => v.iter().any(|t| t == current),
    };
    if response.status() != StatusCode::OK || !matches {
        return response;
    }
    let mut out = StatusCode::NOT_MODIFIED.into_response();
    out.headers_mut().insert(header::ETAG, etag);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn parse(values: &[&str]) -> Result<Option<Tags>, ScimError> {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::IF_MATCH, HeaderValue::from_str(v).unwrap());
        }
        tags(&h, header::IF_MATCH)
    }

    #[test]
    fn entity_tags_are_read_weak_or_strong_across_header_lines() {
        assert_eq!(parse(&[]).unwrap(), None);
        assert_eq!(parse(&["*"]).unwrap(), Some(Tags::Any));
        assert_eq!(
            parse(&["W/\"a\", \"b\"", "W/\"c\""]).unwrap(),
            Some(Tags::List(vec!["a".into(), "b".into(), "c".into()]))
        );
    }

    #[test]
    fn an_unquoted_tag_is_a_syntax_error() {
        assert!(parse(&["abc"]).is_err());
        assert!(parse(&["W/abc"]).is_err());
    }

    #[test]
    fn our_etags_compare_by_their_opaque_value() {
        assert_eq!(
            opaque("W/\"20240101#000000#000#000000\""),
            "20240101#000000#000#000000"
        );
    }
}
