//! Group request bodies and rendering (RFC 7643 §4.2; RFC 7644 §3.3, §3.5.1).
//!
//! `displayName` is required. `members` elements carry the member's `id` in `value`; their
//! `$ref`, `display` and `type` are accepted (clients echo them) and not stored: membership is
//! resolved by `id`. Entra creates groups with an empty `members` list (scim-clients.md, Entra 10).
//!
//! Read-only attributes (`id`, `meta`) in a POST or PUT body are ignored (RFC 7644 §3.3); the
//! legacy ADSCIM group schema Entra's documentation names ([`attrs::LEGACY_GROUP_SCHEMAS`]) is
//! accepted in `schemas` and as an extension key, and carries nothing that is stored.
//!
//! The ZSZO extension (`urn:zszo:params:scim:schemas:extension:zszo:2.0:Group`) carries
//! `school`, the school whose `ou=grupy` holds the group. It is immutable (RFC 7643 §7): given
//! at creation (a single-school client may leave it out), repeated unchanged on PUT or PATCH
//! at will, and any other value — or its removal — is 400 `mutability`.

use super::attrs::{
    self, AttrDef, Mutability, GROUP_ATTRS, GROUP_SCHEMA, GROUP_SCHEMAS, ZSZO_GROUP_SCHEMA,
};
use super::draft::GroupDraft;
use super::render::{ResourceMeta, ResourceRef};
use super::user::{body_attribute, check_schemas, each_body_attribute, read_only, WriteMode};
use super::ScimError;
use crate::domain::SchoolCode;
use serde_json::Value;

/// Parses a POST/PUT Group body.
pub fn parse_group(body: &Value, mode: WriteMode<'_>) -> Result<GroupDraft, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("the body must be a JSON object"))?;
    check_schemas(object, &GROUP_SCHEMAS, GROUP_SCHEMA)?;
    let mut draft = GroupDraft::default();
    each_body_attribute(object, &GROUP_SCHEMAS, |key, value| {
        if attrs::is_legacy_group_schema(key) {
            return Ok(());
        }
        body_attribute(&mut draft, resolve_key(key)?, value, mode, set)
    })?;
    if draft.display_name.is_none() {
        return Err(ScimError::invalid_value("displayName is required"));
    }
    Ok(draft)
}

/// A Group's attribute as a body sets it (a whole replacement).
fn set(draft: &mut GroupDraft, def: &AttrDef, value: &Value) -> Result<(), ScimError> {
    assign(draft, def, value, true)
}

/// Checks that a replacement (PUT) leaves the group in its school: a `school` it names must be
/// the current one (compared case-insensitively, as the directory compares OU names).
pub fn check_school(draft: &GroupDraft, current: &SchoolCode) -> Result<(), ScimError> {
    match &draft.school {
        Some(given) if !same_school(given, current) => Err(school_immutable(current)),
        _ => Ok(()),
    }
}

fn same_school(a: &SchoolCode, b: &SchoolCode) -> bool {
    a.as_str().eq_ignore_ascii_case(b.as_str())
}

fn school_immutable(current: &SchoolCode) -> ScimError {
    ScimError::mutability(format!(
        "{ZSZO_GROUP_SCHEMA}:school is immutable: the group stays in school {current} \
         (create a new group in the other school instead)"
    ))
}

/// Sets the immutable `school`: once the draft has one, only the same code is accepted.
fn assign_school(draft: &mut GroupDraft, def: &AttrDef, value: &Value) -> Result<(), ScimError> {
    let given =
        match value {
            Value::Null => None,
            Value::String(raw) => Some(SchoolCode::parse(raw).map_err(|e| {
                ScimError::invalid_value(format!("{}: {}", def.display(), e.reason))
            })?),
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "{} must be a string (a school code)",
                    def.display()
                )))
            }
        };
    match (&draft.school, given) {
        (None, given) => draft.school = given,
        (Some(current), Some(given)) if same_school(current, &given) => {}
        (Some(current), _) => return Err(school_immutable(current)),
    }
    Ok(())
}

pub(crate) fn resolve_key(key: &str) -> Result<&'static AttrDef, ScimError> {
    attrs::parse_name(key)
        .and_then(|p| attrs::resolve(&GROUP_ATTRS, &GROUP_SCHEMAS, &p))
        .map_err(|e| ScimError::invalid_syntax(format!("unknown attribute {:?}", e.0)))
}

/// The member ids in a `members` value: a list of `{"value": id, …}` (or one such object).
pub(crate) fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let members_def = &GROUP_ATTRS
        .iter()
        .find(|d| d.is("members", None))
        .ok_or_else(|| ScimError::internal("members missing from the catalogue"))?;
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        Value::Null => vec![],
        _ => {
            return Err(ScimError::invalid_value(
                "members must be a list of objects",
            ))
        }
    };
    let mut ids = Vec::new();
    for item in items {
        let obj = item
            .as_object()
            .ok_or_else(|| ScimError::invalid_value("members must be a list of objects"))?;
        let mut id = None;
        for (k, v) in obj {
            let sub = attrs::resolve_sub(&GROUP_ATTRS, members_def, k)
                .map_err(|e| ScimError::invalid_syntax(format!("unknown attribute {:?}", e.0)))?;
            if sub.sub == Some("value") {
                id = v.as_str();
            }
        }
        let id = id
            .map(str::trim)
            .filter(|id| !id.is_empty() && id.len() <= 128)
            .ok_or_else(|| ScimError::invalid_value("members.value must be a member's id"))?;
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// Sets a Group attribute; `replace_members` decides between replacing and adding members.
pub(crate) fn assign(
    draft: &mut GroupDraft,
    def: &AttrDef,
    value: &Value,
    replace_members: bool,
) -> Result<(), ScimError> {
    let text = |max: usize| -> Result<Option<String>, ScimError> {
        match value {
            Value::Null => Ok(None),
            Value::String(raw) => crate::domain::parse_text("value", raw, max)
                .map(Some)
                .map_err(|e| ScimError::invalid_value(format!("{}: {}", def.display(), e.reason))),
            _ => Err(ScimError::invalid_value(format!(
                "{} must be a string",
                def.display()
            ))),
        }
    };
    match (def.name, def.sub) {
        ("displayName", None) => {
            draft.display_name = Some(
                text(256)?
                    .ok_or_else(|| ScimError::invalid_value("displayName cannot be removed"))?,
            )
        }
        ("externalId", None) => draft.external_id = text(256)?,
        ("members", None) => {
            let ids = member_ids(value)?;
            if replace_members {
                draft.members.clear();
            }
            for id in ids {
                if !draft.members.contains(&id) {
                    draft.members.push(id);
                }
            }
        }
        ("school", None) => assign_school(draft, def, value)?,
        _ if def.mutability == Mutability::ReadOnly => return Err(read_only(def)),
        _ => {
            return Err(ScimError::invalid_path(format!(
                "{} cannot be set directly",
                def.display()
            )))
        }
    }
    Ok(())
}

/// Everything a rendered Group shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimGroupView {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Vec<ResourceRef>,
    /// The school whose `ou=grupy` holds the group (the ZSZO extension's `school`).
    pub school: SchoolCode,
    pub meta: ResourceMeta,
}

impl ScimGroupView {
    pub fn to_draft(&self) -> GroupDraft {
        GroupDraft {
            display_name: Some(self.display_name.clone()),
            external_id: self.external_id.clone(),
            members: self.members.iter().map(|m| m.id.clone()).collect(),
            school: Some(self.school.clone()),
        }
    }

    /// The full representation (before projection), as a `Value`.
    pub fn render(&self, base_url: &str) -> Value {
        use super::document::Rendered;
        super::document::to_value(&self.document(base_url))
    }
}

#[cfg(test)]
#[path = "group_tests.rs"]
mod tests;
