//! Security headers on every response of the panel (and later the portal), error pages
//! included (security.md HDR-01..03; ASVS 5.0 3.4.x, 14.3.2).
//!
//! `Cache-Control: no-store` is set unless the handler chose its own (the stylesheet).

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Every header and its value, as set on each response.
pub const HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", CSP),
    ("strict-transport-security", HSTS),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("x-frame-options", "DENY"),
];

/// Middleware: adds the headers to whatever the inner service answered.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.remove(header::SERVER);
    response
}
