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
//! - a `path` that is a bare schema URN (`urn:…:enterprise:2.0:User`, the ZSZO extensions, the
//!   core schema) with an object value, for `add` and `replace`; `remove` of an extension URN
//!   clears its attributes (RFC 7644 §3.5.2 path forms).
//! - standard attributes the directory has no place for (`addresses[type eq "work"].postalCode`,
//!   `preferredLanguage`: Entra's default mappings) are accepted and ignored; read-only keys in a
//!   path-less value object (`meta`) are ignored; `password` anywhere is refused first.
//!
//! Errors: unparsable or unknown path → `invalidPath`; `remove` without a path → `noTarget`;
//! a value filter matching nothing on `replace` that cannot create the element → `noTarget`;
//! wrong value → `invalidValue`; read-only attribute or `password` → `mutability`.

use super::attrs::{
    self, AttrDef, Mutability, GROUP_ATTRS, GROUP_SCHEMAS, USER_ATTRS, USER_SCHEMAS,
};
use super::draft::{GroupDraft, PersonDraft};
use super::patch_paths::{group_path, user_path};
use super::syntax::{self, AttrPath, PatchPath};
use super::user;
use super::{group, ScimError};
use serde_json::Value;

pub use super::patch_op::{
    parse_patch, PatchKind, PatchOperation, MAX_OPERATIONS, PATCH_OP_SCHEMA,
};

/// Applies `ops` to a copy of `current` (the user with `id`); the result is a complete draft.
pub fn patch_user(
    current: &PersonDraft,
    id: &str,
    ops: &[PatchOperation],
) -> Result<PersonDraft, ScimError> {
    refuse_password(ops)?;
    let draft = apply_all(current, id, ops)?;
    user::check_complete(&draft)?;
    Ok(draft)
}

/// Applies `ops` to a copy of `current` (the group with `id`).
pub fn patch_group(
    current: &GroupDraft,
    id: &str,
    ops: &[PatchOperation],
) -> Result<GroupDraft, ScimError> {
    apply_all(current, id, ops)
}

/// One operation on one resolved attribute path of a draft.
type ApplyPath<D> = fn(&mut D, Step<'_>) -> Result<(), ScimError>;

/// An operation on one attribute path, its attribute resolved in the catalogue.
pub(super) struct Step<'a> {
    pub(super) def: &'static AttrDef,
    pub(super) path: &'a PatchPath,
    pub(super) kind: PatchKind,
    pub(super) value: Option<&'a Value>,
}

/// What PATCH needs to know of a resource type's draft: its attribute catalogue and how one
/// path is applied to it. Everything else (schema-URN paths, path-less value objects) is
/// the same for Users and Groups.
trait Patchable: Clone {
    const TABLE: &'static [AttrDef];
    const SCHEMAS: &'static [&'static str];
    /// The core schema's URN (it cannot be removed).
    const CORE: &'static str;
    /// Keys of a path-less value object accepted and ignored (the legacy group extension).
    const IGNORED_KEY: fn(&str) -> bool;
    /// Standard attributes the directory has no place for, accepted and ignored
    /// ([`attrs::IGNORED_USER_ATTRS`]).
    const IGNORED_ATTR: fn(&AttrPath) -> bool;
    /// One operation on one attribute path.
    const APPLY_PATH: ApplyPath<Self>;
    /// `remove` of a whole attribute.
    const CLEAR: fn(&mut Self, &AttrDef) -> Result<(), ScimError>;
}

impl Patchable for PersonDraft {
    const TABLE: &'static [AttrDef] = &USER_ATTRS;
    const SCHEMAS: &'static [&'static str] = &USER_SCHEMAS;
    const CORE: &'static str = attrs::USER_SCHEMA;
    const IGNORED_KEY: fn(&str) -> bool = |_| false;
    const IGNORED_ATTR: fn(&AttrPath) -> bool = attrs::is_ignored_user_attr;
    const APPLY_PATH: ApplyPath<Self> = user_path;
    const CLEAR: fn(&mut Self, &AttrDef) -> Result<(), ScimError> = user::clear;
}

impl Patchable for GroupDraft {
    const TABLE: &'static [AttrDef] = &GROUP_ATTRS;
    const SCHEMAS: &'static [&'static str] = &GROUP_SCHEMAS;
    const CORE: &'static str = attrs::GROUP_SCHEMA;
    const IGNORED_KEY: fn(&str) -> bool = attrs::is_legacy_group_schema;
    const IGNORED_ATTR: fn(&AttrPath) -> bool = |_| false;
    const APPLY_PATH: ApplyPath<Self> = group_path;
    const CLEAR: fn(&mut Self, &AttrDef) -> Result<(), ScimError> =
        |draft, def| group::assign(draft, def, &Value::Null, true);
}

/// Applies every operation, in order, to a copy of `current`; the first failure fails all.
fn apply_all<D: Patchable>(current: &D, id: &str, ops: &[PatchOperation]) -> Result<D, ScimError> {
    let mut draft = current.clone();
    for op in ops {
        if let Some(urn) = schema_path(op, D::SCHEMAS) {
            schema_op(&mut draft, id, urn, op.kind, op.value.as_ref())?;
            continue;
        }
        match (&op.path, &op.value) {
            (Some(path), value) => apply_path(&mut draft, path, op.kind, value.as_ref())?,
            (None, Some(Value::Object(map))) => {
                for (key, value) in map {
                    apply_key(&mut draft, id, key, value, op.kind)?;
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

/// A `password` in any operation (as its path or a key of its value) is refused before any
/// other operation is looked at: it is the answer a client must hear (security.md AUTHZ-03).
fn refuse_password(ops: &[PatchOperation]) -> Result<(), ScimError> {
    for op in ops {
        if let Some(p) = &op.path_text {
            user::refuse_password(p)?;
        }
        if let Some(Value::Object(map)) = &op.value {
            for (k, v) in map {
                user::refuse_password(k)?;
                if let (Some(_), Value::Object(inner)) = (attrs::known_schema(&USER_SCHEMAS, k), v)
                {
                    inner.keys().try_for_each(|k| user::refuse_password(k))?;
                }
            }
        }
    }
    Ok(())
}

/// The schema URN an operation's `path` is, if it is one (RFC 7644 §3.5.2 allows a bare
/// schema URN, e.g. `"path": "urn:…:enterprise:2.0:User"` with an object value).
fn schema_path(op: &PatchOperation, schemas: &[&'static str]) -> Option<&'static str> {
    op.path_text
        .as_deref()
        .and_then(|p| attrs::known_schema(schemas, p.trim()))
}

/// An operation whose path is a schema URN: `add`/`replace` set the object's attributes as a
/// path-less operation would; `remove` of an extension clears each of its attributes (the
/// core schema cannot be removed, for users and groups alike; removing the ZSZO group
/// extension removes `school`, which is immutable, so it is refused as any removal of
/// `school` is).
fn schema_op<D: Patchable>(
    draft: &mut D,
    id: &str,
    urn: &'static str,
    kind: PatchKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if kind == PatchKind::Remove {
        if urn == D::CORE {
            return Err(ScimError::invalid_path(
                "the core schema cannot be removed; remove its attributes one by one",
            ));
        }
        for def in D::TABLE
            .iter()
            .filter(|d| d.schema == urn && d.sub.is_none() && d.mutability != Mutability::ReadOnly)
        {
            D::CLEAR(draft, def)?;
        }
        return Ok(());
    }
    for (key, value) in schema_object_keys(urn, D::CORE, value)? {
        apply_key(draft, id, &key, value, kind)?;
    }
    Ok(())
}

/// The keys a schema-URN path's object value stands for, as a path-less value would carry
/// them: the core schema's as they are, an extension's prefixed with its URN. Some clients
/// (scim2-models) repeat the extension's `schemas` inside its object: skipped.
fn schema_object_keys<'v>(
    urn: &str,
    core: &str,
    value: Option<&'v Value>,
) -> Result<Vec<(String, &'v Value)>, ScimError> {
    let Some(Value::Object(map)) = value else {
        return Err(ScimError::invalid_value(format!(
            "a path naming the schema {urn} needs an object value"
        )));
    };
    Ok(map
        .iter()
        .filter(|(k, _)| *k != "schemas")
        .map(|(key, value)| match urn == core {
            true => (key.clone(), value),
            false => (format!("{urn}:{key}"), value),
        })
        .collect())
}

/// One key of a path-less value object. Like a body, such an object may repeat read-only
/// attributes (`meta`, `groups`): they are ignored; an `id` must name the target; a schema
/// URN key holds that schema's attributes (`{"urn:…:zszo:2.0:Group": {"school": "…"}}`),
/// each applied in turn; anything else is applied as a path.
fn apply_key<D: Patchable>(
    draft: &mut D,
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
    if let Some(ext) = attrs::known_schema(D::SCHEMAS, key) {
        let inner = value
            .as_object()
            .ok_or_else(|| ScimError::invalid_value(format!("{ext} must be an object")))?;
        for (k, v) in inner.iter().filter(|(k, _)| *k != "schemas") {
            apply_key(draft, id, &format!("{ext}:{k}"), v, kind)?;
        }
        return Ok(());
    }
    if (D::IGNORED_KEY)(key) {
        return Ok(());
    }
    let path = syntax::parse_patch_path(key)
        .map_err(|e| ScimError::invalid_path(format!("invalid attribute {key:?}: {e}")))?;
    if attrs::resolve(D::TABLE, D::SCHEMAS, &path.attr)
        .is_ok_and(|d| d.mutability == Mutability::ReadOnly)
    {
        return Ok(());
    }
    apply_path(draft, &path, kind, Some(value))
}

/// The attribute a path targets; `None` for a standard attribute the directory has no place
/// for (accepted and ignored, [`attrs::IGNORED_USER_ATTRS`]). An explicit path to a read-only
/// attribute is `mutability` (RFC 7644 §3.5.2: a client MUST NOT modify it).
fn resolve_path<D: Patchable>(path: &AttrPath) -> Result<Option<&'static AttrDef>, ScimError> {
    if path.name.eq_ignore_ascii_case("password") {
        return Err(ScimError::mutability(
            "password cannot be set over SCIM: the connector issues credentials itself",
        ));
    }
    let def = match attrs::resolve(D::TABLE, D::SCHEMAS, path) {
        Ok(def) => def,
        Err(_) if (D::IGNORED_ATTR)(path) => return Ok(None),
        Err(e) => {
            return Err(ScimError::invalid_path(format!(
                "unknown attribute {:?}",
                e.0
            )))
        }
    };
    if def.mutability == Mutability::ReadOnly {
        return Err(user::read_only(def));
    }
    Ok(Some(def))
}

/// One operation on one attribute path: resolved, then applied by the resource type.
fn apply_path<D: Patchable>(
    draft: &mut D,
    path: &PatchPath,
    kind: PatchKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let Some(def) = resolve_path::<D>(&path.attr)? else {
        return Ok(());
    };
    let step = Step {
        def,
        path,
        kind,
        value,
    };
    D::APPLY_PATH(draft, step)
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
