//! A generated city as SCIM Bulk requests, as LDIF for `ldapadd`, and as a bootstrap seed.
//!
//! The LDIF holds exactly the entries the connector writes for the same people: the entry
//! attributes come from the LDAP adapter's own `person_attrs`, the DNs from its `Layout`, and
//! the logins are allocated as the connector does (the first free candidate of the name, in
//! the order the people are listed).

use super::{City, GenPerson};
use crate::domain::{login_candidates, LoginName};
use crate::ldap::person_map::person_attrs;
use crate::ldap::Layout;
use crate::ports::{ContactEmail, NewPerson, PersonProfile};
use crate::scim::attrs::{ENTERPRISE_SCHEMA, USER_SCHEMA, ZSZO_SCHEMA};
use base64::Engine as _;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::fmt::Write as _;

pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// The SCIM User a HR system would POST for this person.
pub fn user_json(p: &GenPerson) -> Value {
    let schools: Vec<&str> = p.employment.all().map(|c| c.as_str()).collect();
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA, ZSZO_SCHEMA],
        "externalId": p.external_id,
        "userName": p.user_name,
        "name": {
            "givenName": p.name.given.as_str(),
            "familyName": p.name.family.as_str(),
        },
        "title": p.position.as_str(),
        "active": true,
        "emails": [{"value": p.user_name, "type": "work", "primary": true}],
        ENTERPRISE_SCHEMA: {"employeeNumber": p.employee_number.as_str()},
        ZSZO_SCHEMA: {
            "schools": schools,
            "primarySchool": p.employment.primary.as_str(),
        },
    })
}

/// The profile the connector derives from [`user_json`].
pub fn profile(p: &GenPerson) -> PersonProfile {
    let mut profile = PersonProfile::new(p.name.clone(), p.employment.clone());
    profile.user_name = Some(p.user_name.clone());
    profile.external_id = Some(p.external_id.clone());
    profile.employee_number = Some(p.employee_number.clone());
    profile.position = Some(p.position.clone());
    profile.emails = vec![ContactEmail {
        value: p.user_name.clone(),
        kind: Some(crate::domain::query::EmailKind::Work),
        primary: true,
    }];
    profile
}

/// Bulk requests (RFC 7644 §3.7) creating every person, in order, each with at most
/// `max_operations` operations and a body below `max_payload` bytes. Person `i` has the
/// `bulkId` `p<i>`.
pub fn bulk_requests(city: &City, max_operations: usize, max_payload: usize) -> Vec<Value> {
    assert!(max_operations > 0, "maxOperations must be positive");
    const ENVELOPE: usize = 200;
    let mut requests = Vec::new();
    let mut ops: Vec<Value> = Vec::new();
    let mut size = ENVELOPE;
    for (i, p) in city.people.iter().enumerate() {
        let op = json!({
            "method": "POST",
            "path": "/Users",
            "bulkId": format!("p{i}"),
            "data": user_json(p),
        });
        let op_size = op.to_string().len() + 1;
        if !ops.is_empty() && (ops.len() == max_operations || size + op_size > max_payload) {
            requests.push(bulk_request(std::mem::take(&mut ops)));
            size = ENVELOPE;
        }
        size += op_size;
        ops.push(op);
    }
    if !ops.is_empty() {
        requests.push(bulk_request(ops));
    }
    requests
}

/// Without `failOnErrors`: every operation is attempted (RFC 7644 §3.7.3).
fn bulk_request(ops: Vec<Value>) -> Value {
    json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": ops})
}

/// The login of each person, allocated as the connector does when the people are created
/// one after another in this order (with concurrency the same set of logins is handed out,
/// possibly to other namesakes).
pub fn logins(city: &City) -> Vec<LoginName> {
    let mut taken: HashSet<LoginName> = HashSet::with_capacity(city.people.len());
    city.people
        .iter()
        .map(|p| {
            let login = login_candidates(&p.name)
                .find(|l| !taken.contains(l))
                .expect("a free login");
            taken.insert(login.clone());
            login
        })
        .collect()
}

/// The people of the city as LDIF change records for `ldapadd` (the schools must exist),
/// attribute values sorted so the text is deterministic.
pub fn people_ldif(city: &City, base_dn: &str, eppn_scope: &str) -> Result<String, String> {
    let layout = Layout::new(base_dn)?;
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let mut out = String::with_capacity(city.people.len() * 1200);
    for (p, login) in city.people.iter().zip(logins(city)) {
        let dn = layout.person_dn(&p.employment.primary, &login);
        let person = NewPerson {
            login,
            profile: profile(p),
            credentials: None,
            created_by: String::new(),
        };
        ldif_line(&mut out, "dn", &dn);
        for (name, values) in person_attrs(&person, &layout, eppn_scope, None, now) {
            let mut values: Vec<String> = values.into_iter().collect();
            values.sort();
            for v in values {
                ldif_line(&mut out, &name, &v);
            }
        }
        out.push('\n');
    }
    Ok(out)
}

/// `name: value`, or `name:: base64` when the value is not a SAFE-STRING (RFC 2849).
fn ldif_line(out: &mut String, name: &str, value: &str) {
    let safe = value
        .bytes()
        .all(|b| b.is_ascii() && b != 0 && b != b'\n' && b != b'\r')
        && !value.starts_with([' ', ':', '<'])
        && !value.ends_with(' ');
    if safe {
        let _ = writeln!(out, "{name}: {value}");
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(value);
        let _ = writeln!(out, "{name}:: {encoded}");
    }
}

/// A bootstrap seed (`zszo-connector bootstrap --seed`) with the city's schools only.
pub fn seed_toml(city: &City) -> String {
    #[derive(serde::Serialize)]
    struct School<'a> {
        code: &'a str,
        name: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Seed<'a> {
        school: Vec<School<'a>>,
    }
    let seed = Seed {
        school: city
            .schools
            .iter()
            .map(|s| School {
                code: s.code.as_str(),
                name: s.name.as_str(),
            })
            .collect(),
    };
    toml::to_string(&seed).expect("a seed serializes")
}
