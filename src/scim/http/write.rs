//! What every change of one resource starts from (`PUT`, `PATCH`, `DELETE` on `/Users/{id}`
//! and `/Groups/{id}`): a client that may write, the resource's id and the request's
//! `If-Match`, taken in one extractor instead of four arguments and a check in each handler;
//! and the handlers Users and Groups share through [`Writable`]: create and replace.

use super::body::ScimJson;
use super::conditional::IfMatch;
use super::resources::{self, Resource};
use super::{Client, ScimState};
use crate::provisioning::{Caller, Precondition};
use crate::scim::{ScimError, ScimResult};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::future::Future;

pub struct ResourceWrite {
    pub client: Client,
    /// The `{id}` of the path.
    pub id: String,
    /// The `If-Match` precondition.
    pub expected: Precondition,
}

impl ResourceWrite {
    pub fn caller(&self) -> Caller {
        self.client.caller()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ResourceWrite {
    type Rejection = Response;

    /// In the order the handlers took them: the client, the path, `If-Match`; then a read-only
    /// client is refused (403) before the body is read.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let client = Client::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let IfMatch(expected) = IfMatch::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        client
            .require_write()
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            client,
            id,
            expected,
        })
    }
}

/// A resource type as the shared write handlers need it: what a body creates or replaces
/// (PATCH and DELETE differ per type and stay in `users` and `groups`).
pub(super) trait Writable: Resource {
    /// A new resource from a POST body, for a client that may write.
    fn create(
        state: &ScimState,
        client: &Client,
        body: &Value,
    ) -> impl Future<Output = ScimResult<Self>> + Send;
    /// The resource `write` names, replaced by a PUT body.
    fn replace(
        state: &ScimState,
        write: &ResourceWrite,
        body: &Value,
    ) -> impl Future<Output = ScimResult<Self>> + Send;
}

/// `POST /Users`, `POST /Groups`: `201` with the resource, its `ETag` and `Location`. A
/// read-only client is refused (403) before the body is parsed.
pub(super) async fn create<R: Writable>(
    State(state): State<ScimState>,
    client: Client,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    client.require_write()?;
    let created = R::create(&state, &client, &body).await?;
    Ok(resources::respond_whole(
        &state,
        &created,
        StatusCode::CREATED,
    ))
}

/// `PUT /Users/{id}`, `PUT /Groups/{id}` (and a Bulk's PUT): `200` with the resource.
pub(super) async fn replace<R: Writable>(
    State(state): State<ScimState>,
    write: ResourceWrite,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let replaced = R::replace(&state, &write, &body).await?;
    Ok(resources::respond_whole(&state, &replaced, StatusCode::OK))
}
