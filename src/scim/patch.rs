//! PATCH (RFC 7644 §3.5.2): a `PatchOp` body → operations → a new draft, all or nothing.
//!
//! [`patch_user`] and [`patch_group`] take the current draft by reference and return a changed
//! copy; the first failing operation fails the request and nothing is applied (§3.5.2: "each
//! operation … SHALL be applied sequentially … If any operation fails, the entire request
//! SHALL fail").
//!
//! What real clients send (scim-clients.md) and how it is read:
//! - `op` in any case (`Add`, `Replace`, `Remove`: Entra 1).
//! - `active` as `"False"`/`"True"` or a boolean (Entra 2), also path-less (Okta 4).
//! - path-less `add`/`replace` whose `value` keys are paths: dotted (`name.givenName`), URN-
//!   qualified (`urn:…:enterprise:2.0:User:employeeNumber`), value paths, or a schema URN
//!   holding an object (Entra 3); `id` equal to the target is accepted (Okta 6).
//! - `emails[type eq "work"].value` on a user with no such address creates it (Entra 5); `add`
//!   and `replace` behave alike on singular attributes (interop profile).
//! - `members` removal with a `value` list removes only those members (Entra 4); so does
//!   `members[value eq "…"]`. `remove` of `members` without a value clears the list (§3.5.2.2).
//!
//! Errors: unparsable or unknown path → `invalidPath`; `remove` without a path → `noTarget`;
//! a value filter matching nothing on `replace` that cannot create the element → `noTarget`;
//! wrong value → `invalidValue`; read-only attribute or `password` → `mutability`.

use super::attrs::{
    self, AttrDef, Mutability, GROUP_ATTRS, GROUP_SCHEMAS, USER_ATTRS, USER_SCHEMAS,
};
use super::draft::{Email, GroupDraft, PersonDraft, Phone};
use super::patch_values::{filtered, matches, Field};
use super::syntax::{self, AttrPath, PatchPath};
use super::user::{self, Assign};
use super::{group, ScimError};
use serde_json::Value;

pub const PATCH_OP_SCHEMA: &str = scim_v2::schema_urns::PATCH_OP;
/// More operations than this in one request is refused (`tooMany` is for results; this is
/// `invalidValue`).
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    Add,
    Replace,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub kind: PatchKind,
    /// The path as sent, for messages and audit.
    pub path_text: Option<String>,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Parses a `PatchOp` body (RFC 7644 §3.5.2).
pub fn parse_patch(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("the body must be a JSON object"))?;
    let schemas_ok = object
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|l| {
            l.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            })
        });
    if !schemas_ok {
        return Err(ScimError::invalid_syntax(format!(
            "\"schemas\" must be [\"{PATCH_OP_SCHEMA}\"]"
        )));
    }
    let ops = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array())
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| ScimError::invalid_syntax("\"Operations\" must be a non-empty list"))?;
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "at most {MAX_OPERATIONS} operations per request"
        )));
    }
    ops.iter().map(parse_operation).collect()
}

fn parse_operation(raw: &Value) -> Result<PatchOperation, ScimError> {
    let obj = raw
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("each operation must be an object"))?;
    let mut op = None;
    let mut path_text = None;
    let mut value = None;
    for (k, v) in obj {
        match k.to_ascii_lowercase().as_str() {
            "op" => {
                op = Some(
                    v.as_str()
                        .ok_or_else(|| ScimError::invalid_syntax("\"op\" must be a string"))?,
                )
            }
            "path" => {
                path_text = Some(
                    v.as_str()
                        .ok_or_else(|| ScimError::invalid_path("\"path\" must be a string"))?
                        .to_owned(),
                )
            }
            "value" => value = Some(v.clone()),
            other => {
                return Err(ScimError::invalid_syntax(format!(
                    "unknown operation member {other:?}"
                )))
            }
        }
    }
    let kind = match op.map(str::to_ascii_lowercase).as_deref() {
        Some("add") => PatchKind::Add,
        Some("replace") => PatchKind::Replace,
        Some("remove") => PatchKind::Remove,
        _ => {
            return Err(ScimError::invalid_syntax(
                "\"op\" must be add, replace or remove",
            ))
        }
    };
    let path = match &path_text {
        Some(p) => Some(
            syntax::parse_patch_path(p)
                .map_err(|e| ScimError::invalid_path(format!("invalid path {p:?}: {e}")))?,
        ),
        None => None,
    };
    if kind != PatchKind::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "{kind:?} needs a \"value\"",
        )));
    }
    if kind == PatchKind::Remove && path.is_none() {
        return Err(ScimError::no_target("remove needs a \"path\""));
    }
    Ok(PatchOperation {
        kind,
        path_text,
        path,
        value,
    })
}

/// Applies `ops` to a copy of `current` (the user with `id`); the result is a complete draft.
pub fn patch_user(
    current: &PersonDraft,
    id: &str,
    ops: &[PatchOperation],
) -> Result<PersonDraft, ScimError> {
    let mut draft = current.clone();
    for op in ops {
        match (&op.path, &op.value) {
            (Some(path), value) => user_path(&mut draft, path, op.kind, value.as_ref())?,
            (None, Some(Value::Object(map))) => {
                for (key, value) in map {
                    user_key(&mut draft, id, key, value, op.kind)?;
                }
            }
            (None, _) => {
                return Err(ScimError::invalid_value(
                    "an operation without a path needs an object value",
                ))
            }
        }
    }
    user::check_complete(&draft)?;
    Ok(draft)
}

/// One key of a path-less value object.
fn user_key(
    draft: &mut PersonDraft,
    id: &str,
    key: &str,
    value: &Value,
    kind: PatchKind,
) -> Result<(), ScimError> {
    if key.eq_ignore_ascii_case("id") {
        return match value.as_str() {
            Some(v) if v == id => Ok(()),
            _ => Err(ScimError::mutability("id is read-only")),
        };
    }
    if let Some(ext) = attrs::known_schema(&USER_SCHEMAS, key) {
        let inner = value
            .as_object()
            .ok_or_else(|| ScimError::invalid_value(format!("{ext} must be an object")))?;
        for (k, v) in inner {
            user_key(draft, id, &format!("{ext}:{k}"), v, kind)?;
        }
        return Ok(());
    }
    let path = syntax::parse_patch_path(key)
        .map_err(|e| ScimError::invalid_path(format!("invalid attribute {key:?}: {e}")))?;
    user_path(draft, &path, kind, Some(value))
}

fn resolve_path(
    table: &'static [AttrDef],
    schemas: &[&'static str],
    path: &AttrPath,
) -> Result<&'static AttrDef, ScimError> {
    if path.name.eq_ignore_ascii_case("password") {
        return Err(ScimError::mutability(
            "password cannot be set over SCIM: the connector issues credentials itself",
        ));
    }
    let def = attrs::resolve(table, schemas, path)
        .map_err(|e| ScimError::invalid_path(format!("unknown attribute {:?}", e.0)))?;
    if def.mutability == Mutability::ReadOnly {
        return Err(user::read_only(def));
    }
    Ok(def)
}

fn user_path(
    draft: &mut PersonDraft,
    path: &PatchPath,
    kind: PatchKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let def = resolve_path(&USER_ATTRS, &USER_SCHEMAS, &path.attr)?;
    let Some(filter) = &path.filter else {
        return match (kind, value) {
            (PatchKind::Remove, Some(v)) if def.sub.is_none() && !v.is_null() => {
                remove_listed(draft, def, v)
            }
            (PatchKind::Remove, _) => user::clear(draft, def),
            (PatchKind::Add, Some(v)) => user::assign(draft, def, v, Assign::Add),
            (PatchKind::Replace, Some(v)) => user::assign(draft, def, v, Assign::Replace),
            (_, None) => Err(ScimError::invalid_value("value is required")),
        };
    };
    if def.sub.is_some() {
        return Err(ScimError::invalid_path(format!(
            "{} cannot carry a value filter",
            def.display()
        )));
    }
    let sub = path.sub.as_deref();
    match def.name {
        "emails" => {
            let mut items = std::mem::take(&mut draft.emails);
            let r = filtered(&mut items, def, filter, sub, kind, value);
            draft.emails = items;
            r
        }
        "phoneNumbers" => {
            let mut items = std::mem::take(&mut draft.phones);
            let r = filtered(&mut items, def, filter, sub, kind, value);
            draft.phones = items;
            r
        }
        _ => Err(ScimError::invalid_path(format!(
            "{} does not support value filters",
            def.display()
        ))),
    }
}

/// `remove` of a multi-valued attribute with a value: only the listed values go.
fn remove_listed(draft: &mut PersonDraft, def: &AttrDef, value: &Value) -> Result<(), ScimError> {
    match def.name {
        "emails" => {
            let gone: Vec<Email> = as_list(value)
                .into_iter()
                .map(|v| user::parse_email(def, v))
                .collect::<Result<_, _>>()?;
            draft
                .emails
                .retain(|e| !gone.iter().any(|g| g.value.eq_ignore_ascii_case(&e.value)));
        }
        "phoneNumbers" => {
            let gone: Vec<Phone> = as_list(value)
                .into_iter()
                .map(|v| user::parse_phone(def, v))
                .collect::<Result<_, _>>()?;
            draft
                .phones
                .retain(|p| !gone.iter().any(|g| g.value == p.value));
        }
        "schools" => {
            let gone: Vec<&str> = as_list(value)
                .into_iter()
                .filter_map(Value::as_str)
                .collect();
            draft
                .schools
                .retain(|c| !gone.iter().any(|g| g.eq_ignore_ascii_case(c.as_str())));
        }
        _ => return user::clear(draft, def),
    }
    Ok(())
}

fn as_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Applies `ops` to a copy of `current` (the group with `id`).
pub fn patch_group(
    current: &GroupDraft,
    id: &str,
    ops: &[PatchOperation],
) -> Result<GroupDraft, ScimError> {
    let mut draft = current.clone();
    for op in ops {
        match (&op.path, &op.value) {
            (Some(path), value) => group_path(&mut draft, path, op.kind, value.as_ref())?,
            (None, Some(Value::Object(map))) => {
                for (key, value) in map {
                    group_key(&mut draft, id, key, value, op.kind)?;
                }
            }
            (None, _) => {
                return Err(ScimError::invalid_value(
                    "an operation without a path needs an object value",
                ))
            }
        }
    }
    Ok(draft)
}

/// One key of a path-less value object; a schema URN key holds that schema's attributes
/// (`{"urn:…:zszo:2.0:Group": {"school": "…"}}`).
fn group_key(
    draft: &mut GroupDraft,
    id: &str,
    key: &str,
    value: &Value,
    kind: PatchKind,
) -> Result<(), ScimError> {
    if key.eq_ignore_ascii_case("id") {
        return match value.as_str() {
            Some(v) if v == id => Ok(()),
            _ => Err(ScimError::mutability("id is read-only")),
        };
    }
    if let Some(ext) = attrs::known_schema(&GROUP_SCHEMAS, key) {
        let inner = value
            .as_object()
            .ok_or_else(|| ScimError::invalid_value(format!("{ext} must be an object")))?;
        for (k, v) in inner {
            group_key(draft, id, &format!("{ext}:{k}"), v, kind)?;
        }
        return Ok(());
    }
    let path = syntax::parse_patch_path(key)
        .map_err(|e| ScimError::invalid_path(format!("invalid attribute {key:?}: {e}")))?;
    group_path(draft, &path, kind, Some(value))
}

fn group_path(
    draft: &mut GroupDraft,
    path: &PatchPath,
    kind: PatchKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let def = resolve_path(&GROUP_ATTRS, &GROUP_SCHEMAS, &path.attr)?;
    let is_members = def.is("members", None);
    if let Some(filter) = &path.filter {
        if !is_members || kind != PatchKind::Remove || path.sub.is_some() {
            return Err(ScimError::invalid_path(
                "value filters are supported only to remove members (members[value eq \"…\"])",
            ));
        }
        let mut kept = Vec::new();
        for m in std::mem::take(&mut draft.members) {
            let get = |name: &str| -> Result<Field, ScimError> {
                if name.eq_ignore_ascii_case("value") {
                    Ok(Field::Str(Some(m.clone())))
                } else {
                    Err(ScimError::invalid_path(format!(
                        "members can be filtered only by value, not {name:?}"
                    )))
                }
            };
            if !matches(filter, &get)? {
                kept.push(m);
            }
        }
        draft.members = kept;
        return Ok(());
    }
    match (kind, value) {
        (PatchKind::Remove, Some(v)) if is_members && !v.is_null() => {
            let gone = group::member_ids(v)?;
            draft.members.retain(|m| !gone.contains(m));
            Ok(())
        }
        (PatchKind::Remove, _) if is_members => {
            draft.members.clear();
            Ok(())
        }
        (PatchKind::Remove, _) => group::assign(draft, def, &Value::Null, true),
        (PatchKind::Add, Some(v)) => group::assign(draft, def, v, false),
        (PatchKind::Replace, Some(v)) => group::assign(draft, def, v, true),
        (_, None) => Err(ScimError::invalid_value("value is required")),
    }
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
