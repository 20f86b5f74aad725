//! What every change of one resource starts from (`PUT`, `PATCH`, `DELETE` on `/Users/{id}`
//! and `/Groups/{id}`): a client that may write, the resource's id and the request's
//! `If-Match`, taken in one extractor instead of four arguments and a check in each handler.

use super::conditional::IfMatch;
use super::Client;
use crate::provisioning::{Caller, Precondition};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

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
