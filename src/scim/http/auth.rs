//! Bearer-token authentication of SCIM clients (RFC 6750 §2.1, §3; RFC 7644 §2).
//!
//! No or a malformed `Authorization` header → 401 with `WWW-Authenticate: Bearer`; an unknown,
//! revoked or expired token → 401 with `error="invalid_token"`. The same answer for all three,
//! so a caller learns nothing about which tokens exist. Tokens are never logged. Each refusal
//! is audited (`scim.token_refused`, rate-limited: `provisioning::refusals`).

use super::ScimState;
use crate::clients::{Access, Authenticated};
use crate::domain::audit::Actor;
use crate::provisioning::Caller;
use crate::scim::ScimError;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;

const REALM: &str = "Bearer realm=\"zszo-connector\"";
/// Longer than any token we issue; refuses absurd headers before hashing them.
const MAX_TOKEN_LEN: usize = 256;

/// The authenticated client, as handlers see it.
#[derive(Debug, Clone)]
pub struct Client {
    pub who: Authenticated,
    pub request_id: Option<String>,
}

impl Client {
    pub fn caller(&self) -> Caller {
        Caller {
            actor: Actor::ScimClient(self.who.name.clone()),
            scope: self.who.scope.clone(),
            request_id: self.request_id.clone(),
        }
    }

    /// Refuses writes from a read-only client (403, RFC 7644 §3.12).
    pub fn require_write(&self) -> Result<(), ScimError> {
        match self.who.access {
            Access::ReadWrite => Ok(()),
            Access::ReadOnly => Err(ScimError::forbidden("this client may only read")),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Client>()
            .cloned()
            .ok_or_else(|| ScimError::unauthorized("authentication required"))
    }
}

fn challenge(error: Option<&str>) -> Response {
    let mut response = ScimError::unauthorized("a valid bearer token is required").into_response();
    let value = match error {
        Some(e) => format!("{REALM}, error=\"{e}\""),
        None => REALM.to_owned(),
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    response
}

/// Authenticates the request's bearer token: the request with its [`Client`] attached, or
/// the 401 to answer.
pub async fn authenticate(state: &ScimState, mut request: Request) -> Result<Request, Response> {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        state.refusals.token_refused("missing", request_id).await;
        return Err(challenge(None));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_LEN);
    let Some(token) = token else {
        state.refusals.token_refused("malformed", request_id).await;
        return Err(challenge(Some("invalid_request")));
    };
    let Some(who) = state
        .clients
        .authenticate(&SecretString::from(token.to_owned()))
    else {
        tracing::info!("SCIM request with an unknown, revoked or expired token");
        state
            .refusals
            .token_refused("invalid_token", request_id)
            .await;
        return Err(challenge(Some("invalid_token")));
    };
    tracing::Span::current().record("client", who.name.as_str());
    request.extensions_mut().insert(Client { who, request_id });
    Ok(request)
}
