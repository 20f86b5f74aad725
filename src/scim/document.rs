//! Users and Groups as typed JSON documents, serialized straight to the response's bytes.
//!
//! Issue 17: building a `serde_json::Value` tree for every resource (a map per object, a
//! `String` per key and value) was a large part of a SCIM read's allocations. These borrowed
//! structs write the same JSON without the tree; the `Value` form (`render`, which projection
//! and PATCH use) is made from them, so both forms are one definition and cannot disagree.
//!
//! Invariant (from `render`): no document has a `password` field.

use super::attrs::{ENTERPRISE_SCHEMA, USER_SCHEMAS, ZSZO_GROUP_SCHEMA, ZSZO_SCHEMA};
use super::group::ScimGroupView;
use super::render::{location, ResourceMeta, ResourceRef, ScimUserView};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::borrow::Cow;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A User as its full SCIM representation (before any projection).
pub struct UserDocument<'a> {
    pub view: &'a ScimUserView,
    pub base_url: &'a str,
}

/// A Group as its full SCIM representation (before any projection).
pub struct GroupDocument<'a> {
    pub view: &'a ScimGroupView,
    pub base_url: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    resource_type: &'static str,
    created: String,
    last_modified: String,
    location: String,
    version: String,
}

impl Meta {
    fn new(meta: &ResourceMeta, resource_type: &'static str, base: &str, id: &str) -> Self {
        let time = |t: &OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        Meta {
            resource_type,
            created: time(&meta.created),
            last_modified: time(&meta.last_modified),
            location: location(base, resource_type, id),
            version: meta.etag(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Name<'a> {
    formatted: Cow<'a, str>,
    family_name: &'a str,
    given_name: &'a str,
}

/// An email or phone number. `primary` is always said, so a client that wrote
/// `primary: false` reads back what it wrote.
#[derive(Serialize)]
struct MultiValue<'a> {
    value: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    primary: bool,
}

/// A reference to another resource; `display_key` is `display` (groups, members) or
/// `displayName` (the enterprise `manager`).
struct Reference<'a> {
    target: &'a ResourceRef,
    url: String,
    display_key: &'static str,
    /// Group members say they are people (groups do not nest), as RFC 7643 §4.2 offers.
    kind: Option<&'static str>,
}

impl<'a> Reference<'a> {
    fn new(
        target: &'a ResourceRef,
        base: &str,
        resource_type: &str,
        display_key: &'static str,
    ) -> Self {
        Reference {
            target,
            url: location(base, resource_type, &target.id),
            display_key,
            kind: None,
        }
    }
}

impl Serialize for Reference<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("value", &self.target.id)?;
        m.serialize_entry("$ref", &self.url)?;
        if let Some(kind) = self.kind {
            m.serialize_entry("type", kind)?;
        }
        if let Some(d) = &self.target.display {
            m.serialize_entry(self.display_key, d)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Enterprise<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    employee_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manager: Option<Reference<'a>>,
}

impl Enterprise<'_> {
    fn is_empty(&self) -> bool {
        self.employee_number.is_none()
            && self.department.is_none()
            && self.organization.is_none()
            && self.manager.is_none()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ZszoUser<'a> {
    schools: Vec<&'a str>,
    primary_school: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<&'a str>,
    login: &'a str,
    account_state: &'static str,
    account_requested: bool,
}

fn multi<'a>(value: &'a str, kind: Option<&'static str>, primary: bool) -> MultiValue<'a> {
    MultiValue {
        value,
        kind,
        primary,
    }
}

impl Serialize for UserDocument<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (v, base) = (self.view, self.base_url);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &USER_SCHEMAS)?;
        m.serialize_entry("id", &v.id)?;
        if let Some(e) = &v.external_id {
            m.serialize_entry("externalId", e)?;
        }
        m.serialize_entry("userName", &v.user_name)?;
        let full = || Cow::Owned(v.name.full());
        let name = Name {
            formatted: v.formatted_name.as_deref().map_or_else(full, Cow::Borrowed),
            family_name: v.name.family.as_str(),
            given_name: v.name.given.as_str(),
        };
        m.serialize_entry("name", &name)?;
        let display = v.display_name.as_deref().map_or_else(full, Cow::Borrowed);
        m.serialize_entry("displayName", &display)?;
        if let Some(t) = &v.title {
            m.serialize_entry("title", t)?;
        }
        m.serialize_entry("active", &v.active)?;
        let emails =
            (v.emails.iter()).map(|e| multi(&e.value, e.kind.map(|k| k.as_str()), e.primary));
        let phones =
            (v.phones.iter()).map(|p| multi(&p.value, p.kind.map(|k| k.as_str()), p.primary));
        let lists: [(&str, Vec<_>); 2] = [
            ("emails", emails.collect()),
            ("phoneNumbers", phones.collect()),
        ];
        for (key, values) in lists {
            if !values.is_empty() {
                m.serialize_entry(key, &values)?;
            }
        }
        if !v.groups.is_empty() {
            let groups: Vec<_> = v
                .groups
                .iter()
                .map(|g| Reference::new(g, base, "Group", "display"))
                .collect();
            m.serialize_entry("groups", &groups)?;
        }
        let enterprise = Enterprise {
            employee_number: v.employee_number.as_ref().map(|n| n.as_str()),
            department: v.department.as_deref(),
            organization: v.organization.as_deref(),
            manager: v
                .manager
                .as_ref()
                .map(|r| Reference::new(r, base, "User", "displayName")),
        };
        // Absent when it holds nothing, so a removed extension reads as removed.
        if !enterprise.is_empty() {
            m.serialize_entry(ENTERPRISE_SCHEMA, &enterprise)?;
        }
        let zszo = ZszoUser {
            schools: v.employment.all().map(|c| c.as_str()).collect(),
            primary_school: v.employment.primary.as_str(),
            position: v.position.as_ref().map(|p| p.as_str()),
            login: v.login.as_str(),
            account_state: v.account_state.as_str(),
            account_requested: v.account_requested,
        };
        m.serialize_entry(ZSZO_SCHEMA, &zszo)?;
        m.serialize_entry("meta", &Meta::new(&v.meta, "User", base, &v.id))?;
        m.end()
    }
}

#[derive(Serialize)]
struct ZszoGroup<'a> {
    school: &'a str,
}

impl Serialize for GroupDocument<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use super::attrs::GROUP_SCHEMA;
        let (v, base) = (self.view, self.base_url);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[GROUP_SCHEMA, ZSZO_GROUP_SCHEMA])?;
        m.serialize_entry("id", &v.id)?;
        if let Some(e) = &v.external_id {
            m.serialize_entry("externalId", e)?;
        }
        m.serialize_entry("displayName", &v.display_name)?;
        let members: Vec<_> = v
            .members
            .iter()
            .map(|r| Reference {
                kind: Some("User"),
                ..Reference::new(r, base, "User", "display")
            })
            .collect();
        m.serialize_entry("members", &members)?;
        let zszo = ZszoGroup {
            school: v.school.as_str(),
        };
        m.serialize_entry(ZSZO_GROUP_SCHEMA, &zszo)?;
        m.serialize_entry("meta", &Meta::new(&v.meta, "Group", base, &v.id))?;
        m.end()
    }
}

/// A resource as its views render it: its document, version and id.
pub trait Rendered {
    type Document<'a>: Serialize + 'a
    where
        Self: 'a;
    /// The full representation, serialized without a `Value` tree.
    fn document<'a>(&'a self, base_url: &'a str) -> Self::Document<'a>;
    fn meta(&self) -> &ResourceMeta;
    fn id(&self) -> &str;
}

/// One definition of [`Rendered`] for every view: each has `meta` and `id` fields and a
/// document type borrowing it.
macro_rules! rendered {
    ($($view:ty => $document:ident),*) => {$(
        impl Rendered for $view {
            type Document<'a> = $document<'a>;
            fn document<'a>(&'a self, base_url: &'a str) -> $document<'a> {
                $document { view: self, base_url }
            }
            fn meta(&self) -> &ResourceMeta {
                &self.meta
            }
            fn id(&self) -> &str {
                &self.id
            }
        }
    )*};
}

rendered!(ScimUserView => UserDocument, ScimGroupView => GroupDocument);

/// The `Value` form of a document (for projection and PATCH); never fails for these types.
pub fn to_value(document: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(document).unwrap_or_default()
}
