//! SCIM error responses (RFC 7644 §3.12).
//!
//! Every failure the SCIM edge reports is a [`ScimError`]: an HTTP status, an optional
//! `scimType` keyword and a detail that is safe to show to the client (no internals, no
//! secrets). It renders as the RFC's JSON body with `Content-Type: application/scim+json`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim_v2::models::errors::ScimHttpError;
use std::fmt;

/// The media type of every SCIM response (RFC 7644 §3.1).
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// What the SCIM edge's fallible steps return (as `std::io::Result`).
pub type ScimResult<T> = Result<T, ScimError>;

/// The `scimType` keywords of RFC 7644 §3.12, Table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    InvalidVers,
    Sensitive,
}

impl ScimType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One constructor per kind of error: its name, HTTP status and `scimType` (RFC 7644 §3.12),
/// read as a table.
macro_rules! constructors {
    ($($(#[$doc:meta])* $name:ident => $status:literal, $scim_type:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(detail: impl Into<String>) -> Self {
                Self::new($status, $scim_type, detail)
            }
        )*
    };
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SCIM {status}{}: {detail}", scim_type.map(|t| format!(" {t}")).unwrap_or_default())]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<ScimType>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    constructors! {
        invalid_filter => 400, Some(ScimType::InvalidFilter);
        invalid_syntax => 400, Some(ScimType::InvalidSyntax);
        invalid_path => 400, Some(ScimType::InvalidPath);
        invalid_value => 400, Some(ScimType::InvalidValue);
        no_target => 400, Some(ScimType::NoTarget);
        mutability => 400, Some(ScimType::Mutability);
        too_many => 400, Some(ScimType::TooMany);
        invalid_version => 400, Some(ScimType::InvalidVers);
        /// 403 `sensitive`: e.g. personal data in a GET query string (security.md SCIM-02).
        sensitive => 403, Some(ScimType::Sensitive);
        /// 409 `uniqueness` (RFC 7644 §3.3: a duplicate on create).
        uniqueness => 409, Some(ScimType::Uniqueness);
        unauthorized => 401, None;
        forbidden => 403, None;
        not_found => 404, None;
        method_not_allowed => 405, None;
        /// 409 without a `scimType`: e.g. the same `Idempotency-Key` still in flight.
        conflict => 409, None;
        /// 412: the `If-Match` version is stale (RFC 7644 §3.14).
        precondition_failed => 412, None;
        payload_too_large => 413, None;
        /// 422: e.g. an `Idempotency-Key` reused for a different request.
        unprocessable => 422, None;
        internal => 500, None;
        /// 503: the directory is down; the HTTP layer adds `Retry-After`.
        unavailable => 503, None;
    }

    /// The RFC 7644 §3.12 body; `status` is a string, as the RFC's examples show.
    pub fn body(&self) -> serde_json::Value {
        let body = ScimHttpError {
            schemas: vec![scim_v2::schema_urns::ERROR.to_owned()],
            scim_type: self.scim_type.map(|t| t.as_str().to_owned().into()),
            detail: Some(self.detail.clone()),
            status: self.status.to_string(),
        };
        serde_json::to_value(body).unwrap_or_else(|_| serde_json::json!({}))
    }
}

impl From<crate::domain::ParseError> for ScimError {
    fn from(e: crate::domain::ParseError) -> Self {
        ScimError::invalid_value(e.to_string())
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body().to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_CONTENT_TYPE),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_follows_rfc_7644_section_3_12() {
        let e = ScimError::invalid_filter("unsupported attribute \"nickName\"");
        assert_eq!(
            e.body(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "unsupported attribute \"nickName\""
            })
        );
    }

    #[test]
    fn errors_without_a_scim_type_omit_the_member() {
        let body = ScimError::not_found("no such user").body();
        assert_eq!(body["status"], "404");
        assert!(body.get("scimType").is_none());
    }

    #[test]
    fn every_scim_type_has_its_rfc_keyword() {
        let table = [
            (ScimType::InvalidFilter, "invalidFilter"),
            (ScimType::TooMany, "tooMany"),
            (ScimType::Uniqueness, "uniqueness"),
            (ScimType::Mutability, "mutability"),
            (ScimType::InvalidSyntax, "invalidSyntax"),
            (ScimType::InvalidPath, "invalidPath"),
            (ScimType::NoTarget, "noTarget"),
            (ScimType::InvalidValue, "invalidValue"),
            (ScimType::InvalidVers, "invalidVers"),
            (ScimType::Sensitive, "sensitive"),
        ];
        for (t, keyword) in table {
            assert_eq!(t.as_str(), keyword);
        }
    }

    #[test]
    fn domain_parse_errors_become_invalid_value() {
        let e: ScimError = crate::domain::SchoolCode::parse("a,b").unwrap_err().into();
        assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
        assert!(e.detail.contains("school code"));
    }

    #[tokio::test]
    async fn response_has_status_and_scim_content_type() {
        let response = ScimError::uniqueness("userName is taken").into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/scim+json"
        );
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["scimType"], "uniqueness");
        assert_eq!(body["status"], "409");
    }
}
