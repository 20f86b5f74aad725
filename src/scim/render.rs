//! Rendering resources to SCIM JSON: `meta` (RFC 7643 §3.1), the User view (§4.1, §4.3 and the
//! ZSZO extension) and attribute projection (`attributes` / `excludedAttributes`,
//! RFC 7644 §3.4.2.5, §3.9).
//!
//! Invariant: no rendering path can emit `password`: [`ScimUserView`] has no such field.
//! `id` and `schemas` survive every projection (they are `returned: always`).

use super::attrs::{self, AttrDef, USER_ATTRS, USER_SCHEMA, USER_SCHEMAS};
use super::draft::{Email, PersonDraft, Phone};
use super::ScimError;
use crate::domain::{AccountState, EmployeeNumber, LoginName, PersonName, Position};
use crate::ports::Employment;
use serde_json::{Map, Value};
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

    /// The full representation (before projection), as a `Value`.
    pub fn render(&self, base_url: &str) -> Value {
        use super::document::Rendered;
        super::document::to_value(&self.document(base_url))
    }
}

/// A resource as a response shows it: see [`Projection::project`].
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Projected<D> {
    Full(D),
    Part(Value),
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

    /// A resource's body under this projection: the document itself when nothing is
    /// selected or excluded (the common case, serialized without a `Value` tree), else the
    /// projected `Value`.
    pub fn project<D: serde::Serialize>(&self, document: D) -> Projected<D> {
        match self {
            Projection::Default => Projected::Full(document),
            _ => Projected::Part(self.apply(super::document::to_value(&document))),
        }
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
