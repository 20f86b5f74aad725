//! The SCIM 2.0 HTTP API under `/scim/v2` (RFC 7644 §3): routes, bearer authentication,
//! request bodies and the mapping of every failure to an RFC 7644 §3.12 error.
//!
//! Handlers stay thin: parse with `crate::scim`, call `crate::provisioning` (writes) or the
//! `Directory` port (reads), render. Invariant: every response under `/scim/v2` — including
//! 401, 404, 405, 413, 415 and timeouts produced by middleware — is `application/scim+json`.

mod auth;
mod body;
mod bulk;
pub mod conditional;
mod convert;
mod discovery;
mod groups;
pub mod idempotency;
mod resources;
mod root_search;
mod users;
mod write;

pub use auth::Client;

use crate::clients::ClientRegistry;
use crate::ports::Directory;
use crate::provisioning::{Provisioning, ProvisioningError};
use crate::scim::{ScimError, SCIM_CONTENT_TYPE};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, MethodRouter};
use axum::Router;
use std::sync::Arc;

/// The ZSZO extension of Group (defined with the attribute catalogue).
pub use crate::scim::attrs::ZSZO_GROUP_SCHEMA;

/// What every SCIM handler needs, shared behind one `Arc`: axum clones the state for every
/// request (and each layer), and cloning the parts themselves (a dozen `Arc`s and the base
/// URL) showed in the profile of a SCIM GET (issue 17).
#[derive(Clone)]
pub struct ScimState(Arc<ScimParts>);

impl ScimState {
    pub fn new(parts: ScimParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for ScimState {
    type Target = ScimParts;

    fn deref(&self) -> &ScimParts {
        &self.0
    }
}

#[derive(Clone)]
pub struct ScimParts {
    pub provisioning: Provisioning,
    pub directory: Arc<dyn Directory>,
    pub clients: Arc<ClientRegistry>,
    /// Audit of refused tokens and out-of-scope reads.
    pub refusals: Arc<crate::provisioning::refusals::RefusalAudit>,
    /// The public SCIM root, e.g. `https://zszo.example/scim/v2`: `location` and `$ref` use it.
    pub base_url: String,
    pub body_limit: usize,
    /// `Idempotency-Key` records (state store), clock and expiry policy.
    pub idempotency: idempotency::Idempotency,
}

/// The router to nest at `/scim/v2`; `limits` (body size, timeout) are applied inside the
/// error conversion so their refusals are SCIM errors too.
pub fn router<L>(state: ScimState, limits: L) -> Router
where
    L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
    L::Service:
        tower::Service<Request, Error = std::convert::Infallible> + Clone + Send + Sync + 'static,
    <L::Service as tower::Service<Request>>::Response: IntoResponse + 'static,
    <L::Service as tower::Service<Request>>::Future: Send + 'static,
{
    use crate::ports::{GroupEntry as Group, PersonEntry as Person};
    let discovery = discovery::collection_routes(Router::new().route(
        "/ServiceProviderConfig",
        get(discovery::service_provider_config),
    ));
    let resources = resource_routes::<Person>(discovery, patch(users::patch).delete(users::delete));
    resource_routes::<Group>(resources, patch(groups::patch).delete(groups::delete))
        .route("/.search", post(root_search::search))
        .route("/Bulk", post(bulk::bulk))
        .fallback(|| async { ScimError::not_found("no such SCIM endpoint") })
        .method_not_allowed_fallback(|| async {
            ScimError::method_not_allowed("this method is not supported on this endpoint")
        })
        .layer(middleware::from_fn_with_state(state.clone(), scim_request))
        .layer(limits)
        .layer(middleware::from_fn(scim_errors_only))
        .with_state(state)
}

/// One resource type's routes on `router`: list and create at `/Users`, `.search`, and get
/// and replace at `/Users/{id}` with the type's own `changes` (PATCH, DELETE); likewise
/// `/Groups`.
fn resource_routes<R: write::Writable>(
    router: Router<ScimState>,
    changes: MethodRouter<ScimState>,
) -> Router<ScimState> {
    let base = format!("/{}s", R::TYPE);
    router
        .route(&base, get(resources::list::<R>).post(write::create::<R>))
        .route(&format!("{base}/.search"), post(resources::search::<R>))
        .route(
            &format!("{base}/{{id}}"),
            get(resources::get::<R>)
                .put(write::replace::<R>)
                .merge(changes),
        )
}

/// Every request's steps before its handler, in one layer (issue 17: each `from_fn` layer
/// cost a boxed future and a service clone per request): bearer authentication; then a GET's
/// `If-None-Match` (→ 304), or for anything else its `Idempotency-Key` (replayed answers
/// skip the rest) and the audit gate.
async fn scim_request(State(state): State<ScimState>, request: Request, next: Next) -> Response {
    let request = match auth::authenticate(&state, request).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    if request.method() == Method::GET {
        return conditional::not_modified(request, next).await;
    }
    idempotency::guard(&state, request, |request| audit_gate(&state, request, next)).await
}

/// Fail closed (issue 14): no request that may write starts while the audit store cannot
/// append; 503 with `Retry-After` (added below), nothing changed.
async fn audit_gate(state: &ScimState, request: Request, next: Next) -> Response {
    let reads = matches!(*request.method(), Method::GET | Method::HEAD)
        || request.uri().path().ends_with(".search");
    if !reads && !state.provisioning.audit.ready_for_writes().await {
        return ScimError::unavailable(
            "the audit store cannot record changes; nothing was changed, retry later",
        )
        .into_response();
    }
    next.run(request).await
}

/// Turns any error answer that is not already SCIM JSON (the body limit's 413, a timeout's
/// 503, an extractor's rejection) into one, so clients always get the RFC's error format.
/// Every SCIM answer, errors included, also carries `Cache-Control: no-store`: they hold
/// personal data, which no proxy or client cache should keep (RFC 9111 §5.2.2.5).
async fn scim_errors_only(request: Request, next: Next) -> Response {
    let mut response = scim_errors_as_json(next.run(request).await);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn scim_errors_as_json(mut response: Response) -> Response {
    let status = response.status();
    if status.as_u16() == 503 && !response.headers().contains_key(header::RETRY_AFTER) {
        // Entra and Okta back off on Retry-After instead of quarantining the endpoint.
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    let is_scim = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(SCIM_CONTENT_TYPE.as_bytes()));
    if is_scim {
        return response;
    }
    if status.is_client_error() || status.is_server_error() {
        let detail = match status.as_u16() {
            413 => "the request body is too large".to_owned(),
            408 | 503 => "the server is busy; retry later".to_owned(),
            _ => status
                .canonical_reason()
                .unwrap_or("request refused")
                .to_owned(),
        };
        let mut out = ScimError::new(status.as_u16(), None, detail).into_response();
        for name in [header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
            if let Some(v) = response.headers().get(&name) {
                out.headers_mut().insert(name, v.clone());
            }
        }
        return out;
    }
    if status.is_success() && response.headers().get(header::CONTENT_TYPE).is_some() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_CONTENT_TYPE),
        );
    }
    response
}

impl From<ProvisioningError> for ScimError {
    fn from(e: ProvisioningError) -> Self {
        match e {
            ProvisioningError::NotFound => ScimError::not_found("no such resource"),
            ProvisioningError::OutOfScope(m) | ProvisioningError::Forbidden(m) => {
                ScimError::forbidden(m)
            }
            ProvisioningError::Conflict(m) => ScimError::uniqueness(m),
            ProvisioningError::Invalid(m) => ScimError::invalid_value(m),
            ProvisioningError::PreconditionFailed => ScimError::precondition_failed(
                "the resource has changed since the version in If-Match",
            ),
            // 409 without scimType, deliberately: see `provisioning/guard.rs`.
            ProvisioningError::Held(h) => ScimError::new(
                409,
                None,
                format!(
                    "not applied: held for review by a system administrator as held operation \
                     {}, because {}. Re-sending it changes nothing; it is applied only if \
                     released (zszo-connector held release {}).",
                    h.id, h.reason, h.id
                ),
            ),
            ProvisioningError::Unavailable | ProvisioningError::OutcomeUnknown => {
                ScimError::unavailable("the directory is unavailable; retry later")
            }
            ProvisioningError::Internal => ScimError::internal("internal error"),
        }
    }
}

impl From<crate::ports::DirectoryError> for ScimError {
    fn from(e: crate::ports::DirectoryError) -> Self {
        ProvisioningError::from(e).into()
    }
}
