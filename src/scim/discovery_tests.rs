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
    let user = d
        .one_at(Collection::ResourceTypes, "user", "https://x/scim/v2")
        .unwrap();
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
    let group = d
        .one_at(Collection::ResourceTypes, "Group", "https://x/scim/v2")
        .unwrap();
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
        .one_at(
            Collection::Schemas,
            "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP",
            "https://x/scim/v2/"
        )
        .is_some());
    assert_eq!(
        d.service_provider_config_at("https://x/scim/v2")["meta"]["location"],
        "https://x/scim/v2/ServiceProviderConfig"
    );
    assert!(d
        .one_at(
            Collection::Schemas,
            crate::scim::attrs::ZSZO_GROUP_SCHEMA,
            "https://x/scim/v2"
        )
        .is_some_and(|s| s["attributes"][0]["mutability"] == "immutable"));
    assert_eq!(Discovery::get().schemas.len(), 5);
}

/// The description of `schema`'s attribute `path` (`name` or `name.sub`) in Schemas.json.
fn description(d: &Discovery, schema: &str, path: &str) -> String {
    let (name, sub) = match path.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (path, None),
    };
    let s = d.schemas.iter().find(|s| s["id"] == schema).unwrap();
    let attr = s["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap();
    let attr = match sub {
        Some(sub) => attr["subAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == sub)
            .unwrap(),
        None => attr,
    };
    attr["description"].as_str().unwrap().to_owned()
}

#[test]
fn every_length_limit_is_advertised_and_is_the_one_enforced() {
    use crate::scim::user::{parse_user, WriteMode};
    use serde_json::json;
    const U: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const E: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const Z: &str = "urn:zszo:params:scim:schemas:extension:zszo:2.0:User";
    let d = Discovery::get();
    // (schema, path, limit, a body holding `value` there)
    type Body = fn(&str) -> serde_json::Value;
    let table: [(&str, &str, usize, Body); 8] = [
        (U, "userName", 256, |v| json!({ "userName": v })),
        (U, "displayName", 256, |v| json!({ "displayName": v })),
        (U, "title", 200, |v| json!({ "title": v })),
        (
            U,
            "name.givenName",
            100,
            |v| json!({"name": {"givenName": v, "familyName": "N"}}),
        ),
        (
            E,
            "employeeNumber",
            64,
            |v| json!({ E: {"employeeNumber": v} }),
        ),
        (E, "department", 200, |v| json!({ E: {"department": v} })),
        (
            Z,
            "primarySchool",
            64,
            |v| json!({ Z: {"primarySchool": v} }),
        ),
        (Z, "schools", 64, |v| json!({ Z: {"schools": [v]} })),
    ];
    for (schema, path, limit, body) in table {
        let text = description(d, schema, path);
        assert!(
            text.contains(&format!("{limit} characters")),
            "{path}: {text}"
        );
        let write = |len: usize| {
            let mut b = json!({
                "schemas": [U, E, Z],
                "userName": "a@b.pl",
                "name": {"givenName": "A", "familyName": "B"}
            });
            for (k, v) in body(&"7".repeat(len)).as_object().unwrap() {
                match (b.get_mut(k), v) {
                    (Some(serde_json::Value::Object(old)), serde_json::Value::Object(new)) => {
                        old.extend(new.clone())
                    }
                    _ => b[k] = v.clone(),
                }
            }
            parse_user(&b, WriteMode::Create)
        };
        assert!(write(limit).is_ok(), "{path}: {limit} must be accepted");
        assert!(
            write(limit + 1).is_err(),
            "{path}: {} must be refused",
            limit + 1
        );
    }
}
