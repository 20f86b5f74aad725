//! Static assets of the panel, compiled into the binary: one stylesheet.

use axum::http::header;
use axum::response::IntoResponse;

/// The panel's stylesheet (readable, WCAG 2.1 AA contrast, visible focus, print styles).
pub const CSS: &str = include_str!("zszo.css");

/// `GET /panel/assets/zszo.css`
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}
