//! Discovery endpoints (RFC 7644 §4): served from `schemas/scim/*.json`, parsed once.

use super::ScimState;
use crate::scim::discovery::{Collection, Discovery};
use crate::scim::ScimError;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
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

/// `/Schemas` and `/ResourceTypes` on `router`: each collection listed whole, and one of its
/// documents at `/<collection>/{id}`.
pub fn collection_routes(mut router: Router<ScimState>) -> Router<ScimState> {
    for collection in Collection::ALL {
        let path = collection.path();
        router = router
            .route(path, get(move |state| all(state, collection)))
            .route(
                &format!("{path}/{{id}}"),
                get(move |state, id| one(state, id, collection)),
            );
    }
    router
}

async fn all(State(s): State<ScimState>, collection: Collection) -> Json<Value> {
    list(Discovery::get().all_at(collection, &s.base_url))
}

async fn one(
    State(s): State<ScimState>,
    Path(id): Path<String>,
    collection: Collection,
) -> Result<Json<Value>, ScimError> {
    Discovery::get()
        .one_at(collection, &id, &s.base_url)
        .map(Json)
        .ok_or_else(|| ScimError::not_found(format!("no {} {id}", collection.member())))
}
