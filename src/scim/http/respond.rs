//! The answer carrying one resource (Users and Groups alike): its body, its `ETag` and, on
//! create, its `Location` (RFC 7644 §3.3, §3.14).

use crate::scim::render::{location, ResourceMeta};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// `resource_type` is `User` or `Group`; `body` the (projected) document.
pub(super) fn resource(
    status: StatusCode,
    meta: &ResourceMeta,
    base_url: &str,
    resource_type: &str,
    id: &str,
    body: impl Serialize,
) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&meta.etag()) {
        response.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED {
        if let Ok(v) = HeaderValue::from_str(&location(base_url, resource_type, id)) {
            response.headers_mut().insert(header::LOCATION, v);
        }
    }
    response
}
