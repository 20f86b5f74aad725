//! Discovery documents (RFC 7643 §5–7, RFC 7644 §4): `/ServiceProviderConfig`, `/Schemas`,
//! `/ResourceTypes`, served from `schemas/scim/*.json` compiled into the binary.
//!
//! Invariant: `Schemas.json` lists exactly the non-common attributes of the catalogue in
//! `attrs` (which the parsers, PATCH and projection use), with the same mutability; a test
//! keeps them in step. Limits the HTTP layer enforces (`filter.maxResults`,
//! `bulk.maxPayloadSize`) are read from the served document, so they cannot disagree.

use serde_json::Value;
use std::sync::OnceLock;

const SERVICE_PROVIDER_CONFIG: &str = include_str!("../../schemas/scim/ServiceProviderConfig.json");
const SCHEMAS: &str = include_str!("../../schemas/scim/Schemas.json");
const RESOURCE_TYPES: &str = include_str!("../../schemas/scim/ResourceTypes.json");

/// The parsed discovery documents. `meta.location` in the files is relative to the SCIM root;
/// the `*_at` methods make it absolute.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub service_provider_config: Value,
    pub schemas: Vec<Value>,
    pub resource_types: Vec<Value>,
}

impl Discovery {
    /// The documents, parsed once. The files are part of the build and covered by tests, so
    /// a parse failure is a build defect; it yields empty documents (the default) rather
    /// than a panic.
    pub fn get() -> &'static Discovery {
        static DISCOVERY: OnceLock<Discovery> = OnceLock::new();
        DISCOVERY.get_or_init(|| Self::load().unwrap_or_default())
    }

    pub fn load() -> Result<Self, serde_json::Error> {
        Ok(Self {
            service_provider_config: serde_json::from_str(SERVICE_PROVIDER_CONFIG)?,
            schemas: serde_json::from_str(SCHEMAS)?,
            resource_types: serde_json::from_str(RESOURCE_TYPES)?,
        })
    }

    /// `filter.maxResults`: the most resources one list response returns.
    pub fn max_results(&self) -> usize {
        self.service_provider_config["filter"]["maxResults"]
            .as_u64()
            .map_or(100, |n| n as usize)
    }

    /// `bulk.maxOperations`: the most operations one Bulk request may carry.
    pub fn max_operations(&self) -> usize {
        self.service_provider_config["bulk"]["maxOperations"]
            .as_u64()
            .map_or(0, |n| n as usize)
    }

    /// `bulk.maxPayloadSize`: also the request body limit of the SCIM routes.
    pub fn max_payload_size(&self) -> usize {
        self.service_provider_config["bulk"]["maxPayloadSize"]
            .as_u64()
            .map_or(1 << 20, |n| n as usize)
    }

    pub fn service_provider_config_at(&self, base_url: &str) -> Value {
        absolute(self.service_provider_config.clone(), base_url)
    }

    fn documents(&self, collection: Collection) -> &[Value] {
        match collection {
            Collection::Schemas => &self.schemas,
            Collection::ResourceTypes => &self.resource_types,
        }
    }

    /// Every document of `collection`, for `/Schemas` and `/ResourceTypes`.
    pub fn all_at(&self, collection: Collection, base_url: &str) -> Vec<Value> {
        self.documents(collection)
            .iter()
            .map(|v| absolute(v.clone(), base_url))
            .collect()
    }

    /// One document of `collection` by its id (case-insensitive): a schema by its URN
    /// (`/Schemas/<urn>`), a resource type by its name (`/ResourceTypes/User`).
    pub fn one_at(&self, collection: Collection, id: &str, base_url: &str) -> Option<Value> {
        find(self.documents(collection), id).map(|v| absolute(v, base_url))
    }
}

/// The discovery documents served as a list and one by one (RFC 7644 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Schemas,
    ResourceTypes,
}

impl Collection {
    pub const ALL: [Collection; 2] = [Collection::Schemas, Collection::ResourceTypes];

    /// Its endpoint under the SCIM root.
    pub fn path(self) -> &'static str {
        match self {
            Collection::Schemas => "/Schemas",
            Collection::ResourceTypes => "/ResourceTypes",
        }
    }

    /// What one of its documents is called (in a 404's detail).
    pub fn member(self) -> &'static str {
        match self {
            Collection::Schemas => "schema",
            Collection::ResourceTypes => "resource type",
        }
    }
}

fn find(list: &[Value], id: &str) -> Option<Value> {
    list.iter()
        .find(|v| v["id"].as_str().is_some_and(|i| i.eq_ignore_ascii_case(id)))
        .cloned()
}

fn absolute(mut doc: Value, base_url: &str) -> Value {
    if let Some(loc) = doc["meta"]["location"].as_str() {
        let abs = format!("{}{loc}", base_url.trim_end_matches('/'));
        doc["meta"]["location"] = Value::String(abs);
    }
    doc
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
