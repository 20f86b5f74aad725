//! Discovery endpoints (RFC 7644 §4): served from `schemas/scim/*.json`, parsed once.

use super::ScimState;
use crate::scim::discovery::Discovery;
use crate::scim::ScimError;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

fn list(resources: Vec<Value>) -> Json<Value> {
    Json(json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

pub async fn service_provider_config(State(s): State<ScimState>) -> Json<Value> {
    let mut config = Discovery::get().service_provider_config_at(&s.base_url);
    // The limits Bulk really enforces (the body limit may be below the document's).
    let limits = super::bulk::limits(&s);
    config["bulk"]["maxOperations"] = json!(limits.max_operations);
    config["bulk"]["maxPayloadSize"] = json!(limits.max_payload_size);
    Json(config)
}

pub async fn schemas(State(s): State<ScimState>) -> Json<Value> {
    list(Discovery::get().schemas_at(&s.base_url))
}

pub async fn schema(
    State(s): State<ScimState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ScimError> {
    Discovery::get()
        .schema_at(&id, &s.base_url)
        .map(Json)
        .ok_or_else(|| ScimError::not_found(format!("no schema {id}")))
}

pub async fn resource_types(State(s): State<ScimState>) -> Json<Value> {
    list(Discovery::get().resource_types_at(&s.base_url))
}

pub async fn resource_type(
    State(s): State<ScimState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ScimError> {
    Discovery::get()
        .resource_type_at(&id, &s.base_url)
        .map(Json)
        .ok_or_else(|| ScimError::not_found(format!("no resource type {id}")))
}
