//! Rendering resources to SCIM JSON: `meta` (RFC 7643 §3.1), the User view (§4.1, §4.3 and the
//! ZSZO extension) and attribute projection (`attributes` / `excludedAttributes`,
//! RFC 7644 §3.4.2.5, §3.9).
//!
//! Invariant: no rendering path can emit `password`: [`ScimUserView`] has no such field.
//! `id` and `schemas` survive every projection (they are `returned: always`).

use super::attrs::{
    self, AttrDef, ENTERPRISE_SCHEMA, USER_ATTRS, USER_SCHEMA, USER_SCHEMAS, ZSZO_SCHEMA,
};
use super::draft::{Email, PersonDraft, Phone};
use super::ScimError;
use crate::domain::{AccountState, EmployeeNumber, LoginName, PersonName, Position};
use crate::ports::Employment;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// What `meta` needs besides the resource type and location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMeta {
    pub created: OffsetDateTime,
    pub last_modified: OffsetDateTime,
    /// An opaque version (e.g. the entry's change sequence); rendered as a weak ETag.
    pub version: String,
}

impl ResourceMeta {
    /// `W/"<version>"` (RFC 7644 §3.14), also the value of the `ETag` header.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version.replace(['"', '\\'], ""))
    }

    /// `base_url` is the SCIM root, e.g. `https://zszo.example/scim/v2`.
    pub fn render(&self, resource_type: &str, base_url: &str, id: &str) -> Value {
        let time = |t: &OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        json!({
            "resourceType": resource_type,
            "created": time(&self.created),
            "lastModified": time(&self.last_modified),
            "location": location(base_url, resource_type, id),
            "version": self.etag(),
        })
    }
}

/// `<base>/Users/<id>` or `<base>/Groups/<id>`.
pub fn location(base_url: &str, resource_type: &str, id: &str) -> String {
    format!("{}/{resource_type}s/{id}", base_url.trim_end_matches('/'))
}

/// A reference to another resource, with its display name when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub id: String,
    pub display: Option<String>,
}

/// Everything a rendered User shows. `crate::ports::PersonEntry` lacks the HR attributes
/// (user name, emails, phones, department …), meta and groups, so the directory adapter fills
/// this struct instead; the fields map one-to-one to the catalogue in `attrs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimUserView {
    /// `entryUUID`.
    pub id: String,
    pub user_name: String,
    pub external_id: Option<String>,
    pub login: LoginName,
    pub name: PersonName,
    /// `name.formatted` as the client sent it; rendered as "givenName familyName" when absent.
    pub formatted_name: Option<String>,
    pub display_name: Option<String>,
    pub emails: Vec<Email>,
    pub phones: Vec<Phone>,
    pub title: Option<String>,
    pub active: bool,
    pub employee_number: Option<EmployeeNumber>,
    pub department: Option<String>,
    pub organization: Option<String>,
    pub manager: Option<ResourceRef>,
    pub employment: Employment,
    pub position: Option<Position>,
    pub account_state: AccountState,
    /// A request for an account is pending (the ZSZO `accountRequested`).
    pub account_requested: bool,
    pub groups: Vec<ResourceRef>,
    pub meta: ResourceMeta,
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v);
    }
}

impl ScimUserView {
    /// The draft PATCH starts from: what this view says about the writable attributes.
    pub fn to_draft(&self) -> PersonDraft {
        PersonDraft {
            user_name: Some(self.user_name.clone()),
            external_id: self.external_id.clone(),
            given_name: Some(self.name.given.clone()),
            family_name: Some(self.name.family.clone()),
            formatted_name: self.formatted_name.clone(),
            display_name: self.display_name.clone(),
            emails: self.emails.clone(),
            phones: self.phones.clone(),
            title: self.title.clone(),
            active: self.active,
            employee_number: self.employee_number.clone(),
            department: self.department.clone(),
            organization: self.organization.clone(),
            manager: self.manager.as_ref().map(|m| m.id.clone()),
            schools: self.employment.all().cloned().collect(),
            primary_school: Some(self.employment.primary.clone()),
            position: self.position.clone(),
            account_requested: Some(self.account_requested),
        }
    }

    /// The full representation (before projection).
    pub fn render(&self, base_url: &str) -> Value {
        let mut core = Map::new();
        core.insert("schemas".into(), json!(USER_SCHEMAS));
        core.insert("id".into(), json!(self.id));
        put(
            &mut core,
            "externalId",
            self.external_id.as_ref().map(|v| json!(v)),
        );
        core.insert("userName".into(), json!(self.user_name));
        core.insert(
            "name".into(),
            json!({
                "formatted": self.formatted_name.clone().unwrap_or_else(|| self.name.full()),
                "familyName": self.name.family.as_str(),
                "givenName": self.name.given.as_str(),
            }),
        );
        core.insert(
            "displayName".into(),
            json!(self
                .display_name
                .clone()
                .unwrap_or_else(|| self.name.full())),
        );
        put(&mut core, "title", self.title.as_ref().map(|v| json!(v)));
        core.insert("active".into(), json!(self.active));
        if !self.emails.is_empty() {
            let emails: Vec<Value> = self
                .emails
                .iter()
                .map(|e| multi(&e.value, e.kind.map(|k| k.as_str()), e.primary))
                .collect();
            core.insert("emails".into(), Value::Array(emails));
        }
        if !self.phones.is_empty() {
            let phones: Vec<Value> = self
                .phones
                .iter()
                .map(|p| multi(&p.value, p.kind.map(|k| k.as_str()), p.primary))
                .collect();
            core.insert("phoneNumbers".into(), Value::Array(phones));
        }
        if !self.groups.is_empty() {
            let groups: Vec<Value> = self
                .groups
                .iter()
                .map(|g| reference(g, base_url, "Group", "display"))
                .collect();
            core.insert("groups".into(), Value::Array(groups));
        }
        let mut enterprise = Map::new();
        put(
            &mut enterprise,
            "employeeNumber",
            self.employee_number.as_ref().map(|v| json!(v.as_str())),
        );
        put(
            &mut enterprise,
            "department",
            self.department.as_ref().map(|v| json!(v)),
        );
        put(
            &mut enterprise,
            "organization",
            self.organization.as_ref().map(|v| json!(v)),
        );
        put(
            &mut enterprise,
            "manager",
            self.manager
                .as_ref()
                .map(|m| reference(m, base_url, "User", "displayName")),
        );
        // Absent when it holds nothing, so a removed extension reads as removed.
        if !enterprise.is_empty() {
            core.insert(ENTERPRISE_SCHEMA.into(), Value::Object(enterprise));
        }
        let schools: Vec<&str> = self.employment.all().map(|c| c.as_str()).collect();
        let mut zszo = Map::new();
        zszo.insert("schools".into(), json!(schools));
        zszo.insert(
            "primarySchool".into(),
            json!(self.employment.primary.as_str()),
        );
        put(
            &mut zszo,
            "position",
            self.position.as_ref().map(|p| json!(p.as_str())),
        );
        zszo.insert("login".into(), json!(self.login.as_str()));
        zszo.insert("accountState".into(), json!(self.account_state.as_str()));
        zszo.insert("accountRequested".into(), json!(self.account_requested));
        core.insert(ZSZO_SCHEMA.into(), Value::Object(zszo));
        core.insert("meta".into(), self.meta.render("User", base_url, &self.id));
        Value::Object(core)
    }
}

fn multi(value: &str, kind: Option<&str>, primary: bool) -> Value {
    let mut m = Map::new();
    m.insert("value".into(), json!(value));
    put(&mut m, "type", kind.map(|k| json!(k)));
    // Always said, so a client that wrote `primary: false` reads back what it wrote.
    m.insert("primary".into(), json!(primary));
    Value::Object(m)
}

fn reference(r: &ResourceRef, base_url: &str, resource_type: &str, display_key: &str) -> Value {
    let mut m = Map::new();
    m.insert("value".into(), json!(r.id));
    m.insert(
        "$ref".into(),
        json!(location(base_url, resource_type, &r.id)),
    );
    put(&mut m, display_key, r.display.as_ref().map(|d| json!(d)));
    Value::Object(m)
}

/// `attributes` or `excludedAttributes`, resolved against a resource type's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Projection {
    #[default]
    Default,
    Only(Vec<&'static AttrDef>),
    Except(Vec<&'static AttrDef>),
}

impl Projection {
    /// Parses the comma-separated query parameters (or `.search` lists joined by commas).
    /// Names outside the catalogue select nothing; giving both parameters is `invalidValue`.
    pub fn parse(
        table: &'static [AttrDef],
        schemas: &[&'static str],
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Self, ScimError> {
        let names = |raw: &str| -> Vec<&'static AttrDef> {
            raw.split(',')
                .filter(|n| !n.trim().is_empty())
                .filter_map(|n| attrs::parse_name(n).ok())
                .filter_map(|p| attrs::resolve(table, schemas, &p).ok())
                .collect()
        };
        let attributes = attributes.filter(|s| !s.trim().is_empty());
        let excluded = excluded.filter(|s| !s.trim().is_empty());
        match (attributes, excluded) {
            (Some(_), Some(_)) => Err(ScimError::invalid_value(
                "attributes and excludedAttributes are mutually exclusive (RFC 7644 §3.9)",
            )),
            (Some(a), None) => Ok(Projection::Only(names(a))),
            (None, Some(e)) => Ok(Projection::Except(names(e))),
            (None, None) => Ok(Projection::Default),
        }
    }

    /// For Users.
    pub fn for_users(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ScimError> {
        Self::parse(&USER_ATTRS, &USER_SCHEMAS, attributes, excluded)
    }

    /// Applies the projection to a rendered resource.
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(full) = resource else {
            return resource;
        };
        match self {
            Projection::Default => Value::Object(full),
            Projection::Only(defs) => {
                let mut out = Map::new();
                for key in ["schemas", "id"] {
                    if let Some(v) = full.get(key) {
                        out.insert(key.into(), v.clone());
                    }
                }
                for def in defs {
                    copy(&full, &mut out, def);
                }
                Value::Object(out)
            }
            Projection::Except(defs) => {
                let mut out = full;
                for def in defs.iter().filter(|d| !d.is("id", None)) {
                    remove(&mut out, def);
                }
                Value::Object(out)
            }
        }
    }
}

fn container_key(def: &AttrDef) -> Option<&'static str> {
    (def.schema != USER_SCHEMA && def.schema != attrs::GROUP_SCHEMA).then_some(def.schema)
}

fn copy(from: &Map<String, Value>, to: &mut Map<String, Value>, def: &AttrDef) {
    let (src, dst) = match container_key(def) {
        Some(urn) => {
            let Some(Value::Object(src)) = from.get(urn) else {
                return;
            };
            let dst = to.entry(urn).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(dst) = dst else { return };
            (src, dst)
        }
        None => (from, to),
    };
    let Some(value) = src.get(def.name) else {
        return;
    };
    match (def.sub, value) {
        (None, v) => {
            dst.insert(def.name.into(), v.clone());
        }
        (Some(sub), Value::Object(obj)) => {
            if let Some(v) = obj.get(sub) {
                let slot = dst
                    .entry(def.name)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(slot) = slot {
                    slot.insert(sub.into(), v.clone());
                }
            }
        }
        (Some(sub), Value::Array(items)) => {
            let picked: Vec<Value> = items
                .iter()
                .filter_map(|i| {
                    i.get(sub).map(|v| {
                        let mut m = Map::new();
                        m.insert(sub.to_owned(), v.clone());
                        Value::Object(m)
                    })
                })
                .collect();
            match dst.get_mut(def.name) {
                Some(Value::Array(existing)) if existing.len() == picked.len() => {
                    for (e, p) in existing.iter_mut().zip(picked) {
                        if let (Value::Object(e), Value::Object(p)) = (e, p) {
                            e.extend(p);
                        }
                    }
                }
                _ => {
                    dst.insert(def.name.into(), Value::Array(picked));
                }
            }
        }
        _ => {}
    }
}

fn remove(from: &mut Map<String, Value>, def: &AttrDef) {
    let target = match container_key(def) {
        Some(urn) => match from.get_mut(urn) {
            Some(Value::Object(m)) => m,
            _ => return,
        },
        None => from,
    };
    match def.sub {
        None => {
            target.remove(def.name);
        }
        Some(sub) => match target.get_mut(def.name) {
            Some(Value::Object(obj)) => {
                obj.remove(sub);
            }
            Some(Value::Array(items)) => items.iter_mut().for_each(|i| {
                if let Value::Object(obj) = i {
                    obj.remove(sub);
                }
            }),
            _ => {}
        },
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
