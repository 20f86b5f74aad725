use super::*;
use crate::scim::attrs::{AttrDef, GROUP_ATTRS, GROUP_SCHEMAS, USER_ATTRS, USER_SCHEMAS};
use scim_v2::Validate;
use std::collections::BTreeSet;

type Entry = (String, String, Option<String>, String);

/// (schema, attribute, sub-attribute, mutability) for every attribute Schemas.json describes.
fn described(d: &Discovery) -> BTreeSet<Entry> {
    let mut out = BTreeSet::new();
    for schema in &d.schemas {
        let id = schema["id"].as_str().unwrap().to_owned();
        for attr in schema["attributes"].as_array().unwrap() {
            let name = attr["name"].as_str().unwrap().to_owned();
            let m = attr["mutability"].as_str().unwrap().to_owned();
            out.insert((id.clone(), name.clone(), None, m));
            for sub in attr["subAttributes"].as_array().into_iter().flatten() {
                out.insert((
                    id.clone(),
                    name.clone(),
                    Some(sub["name"].as_str().unwrap().to_owned()),
                    sub["mutability"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    out
}

fn catalogued(tables: &[&[AttrDef]]) -> BTreeSet<Entry> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .filter(|d| !d.common)
        .map(|d| {
            (
                d.schema.to_owned(),
                d.name.to_owned(),
                d.sub.map(str::to_owned),
                d.mutability.as_str().to_owned(),
            )
        })
        .collect()
}

#[test]
fn schemas_json_describes_exactly_the_attributes_the_parsers_accept() {
    let d = Discovery::load().unwrap();
    let served = described(&d);
    let mapped = catalogued(&[&USER_ATTRS, &GROUP_ATTRS]);
    let only_served: Vec<_> = served.difference(&mapped).collect();
    let only_mapped: Vec<_> = mapped.difference(&served).collect();
    assert!(
        only_served.is_empty() && only_mapped.is_empty(),
        "served but not mapped: {only_served:#?}\nmapped but not served: {only_mapped:#?}"
    );
}

#[test]
fn every_described_attribute_resolves_and_password_is_not_described() {
    let d = Discovery::load().unwrap();
    for (schema, name, sub, _) in described(&d) {
        let raw = match &sub {
            Some(s) => format!("{schema}:{name}.{s}"),
            None => format!("{schema}:{name}"),
        };
        let path = crate::scim::attrs::parse_name(&raw).unwrap();
        let (table, schemas): (&'static [AttrDef], &[&'static str]) =
            if GROUP_SCHEMAS.contains(&schema.as_str()) {
                (&GROUP_ATTRS, &GROUP_SCHEMAS)
            } else {
                (&USER_ATTRS, &USER_SCHEMAS)
            };
        assert!(
            crate::scim::attrs::resolve(table, schemas, &path).is_ok(),
            "{raw}"
        );
    }
    assert!(!SCHEMAS.to_lowercase().contains("password"));
}

#[test]
fn service_provider_config_is_complete() {
    let d = Discovery::load().unwrap();
    let spc = &d.service_provider_config;
    assert_eq!(spc["patch"]["supported"], true);
    for key in ["supported", "maxOperations", "maxPayloadSize"] {
        assert!(!spc["bulk"][key].is_null(), "bulk.{key}");
    }
    assert_eq!(spc["filter"]["supported"], true);
    assert!(spc["filter"]["maxResults"].as_u64().unwrap() > 0);
    assert_eq!(spc["changePassword"]["supported"], false);
    assert!(!spc["sort"]["supported"].is_null());
    assert_eq!(spc["etag"]["supported"], true);
    let schemes = spc["authenticationSchemes"].as_array().unwrap();
    assert_eq!(schemes[0]["type"], "oauthbearertoken");
    assert_eq!(d.max_results(), 200);
    assert_eq!(d.max_payload_size(), 1 << 20);
}

#[test]
fn the_documents_validate_as_scim_v2_models() {
    let d = Discovery::load().unwrap();
    let spc: scim_v2::models::service_provider_config::ServiceProviderConfig =
        serde_json::from_value(d.service_provider_config.clone()).unwrap();
    spc.validate().unwrap();
    for s in &d.schemas {
        let schema: scim_v2::models::scim_schema::Schema =
            serde_json::from_value(s.clone()).unwrap();
        schema
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e:?}", s["id"]));
    }
    for r in &d.resource_types {
        let rt: scim_v2::models::resource_types::ResourceType =
            serde_json::from_value(r.clone()).unwrap();
        rt.validate()
            .unwrap_or_else(|e| panic!("{}: {e:?}", r["id"]));
    }
}

#[test]
fn resource_types_name_the_served_schemas_and_extensions() {
    let d = Discovery::load().unwrap();
    let ids: BTreeSet<&str> = d.schemas.iter().filter_map(|s| s["id"].as_str()).collect();
    let user = d.resource_type_at("user", "https://x/scim/v2").unwrap();
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(
        user["meta"]["location"],
        "https://x/scim/v2/ResourceTypes/User"
    );
    let ext: Vec<&str> = user["schemaExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["schema"].as_str())
        .collect();
    assert_eq!(ext, USER_SCHEMAS[1..]);
    let group = d.resource_type_at("Group", "https://x/scim/v2").unwrap();
    let ext: Vec<(&str, bool)> = group["schemaExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["schema"].as_str().unwrap(), e["required"] == true))
        .collect();
    assert_eq!(ext, [(GROUP_SCHEMAS[1], false)]);
    for rt in &d.resource_types {
        assert!(ids.contains(rt["schema"].as_str().unwrap()));
    }
    assert!(d
        .schema_at(
            "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP",
            "https://x/scim/v2/"
        )
        .is_some());
    assert_eq!(
        d.service_provider_config_at("https://x/scim/v2")["meta"]["location"],
        "https://x/scim/v2/ServiceProviderConfig"
    );
    assert!(d
        .schema_at(crate::scim::attrs::ZSZO_GROUP_SCHEMA, "https://x/scim/v2")
        .is_some_and(|s| s["attributes"][0]["mutability"] == "immutable"));
    assert_eq!(Discovery::get().schemas.len(), 5);
}
