//! Request bodies: JSON sent as `application/scim+json` or `application/json` (RFC 7644
//! §3.1, §8.1), read up to the configured limit and parsed; every failure is a SCIM error.

use super::ScimState;
use crate::scim::ScimError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::Value;

/// A parsed JSON request body.
pub struct ScimJson(pub Value);

impl FromRequest<ScimState> for ScimJson {
    type Rejection = ScimError;

    async fn from_request(request: Request, state: &ScimState) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        if media != "application/scim+json" && media != "application/json" {
            return Err(ScimError::new(
                415,
                None,
                "send the body as application/scim+json (or application/json)",
            ));
        }
        let bytes: Bytes = axum::body::to_bytes(request.into_body(), state.body_limit)
            .await
            .map_err(|_| ScimError::payload_too_large("the request body is too large"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax("the request body is empty"));
        }
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))?;
        if !value.is_object() {
            return Err(ScimError::invalid_syntax("the body must be a JSON object"));
        }
        Ok(ScimJson(value))
    }
}
