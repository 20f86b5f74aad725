//! User request bodies (RFC 7643 §4.1, §4.3, RFC 7644 §3.3 POST and §3.5.1 PUT) → [`PersonDraft`].
//!
//! | attribute in the request                         | result |
//! |--------------------------------------------------|--------|
//! | `schemas` missing, not a list, or an unknown URN  | 400 `invalidSyntax` |
//! | unknown attribute or sub-attribute                | 400 `invalidSyntax`, naming it |
//! | `password` (any form)                             | 400 `mutability`: credentials are never set over SCIM (security.md AUTHZ-03) |
//! | `password` anywhere in the body                   | refused first, before any other problem of the body is reported |
//! | `id`, `meta`, `groups`, `accountState`, `login`   | ignored, as RFC 7644 §3.3/§3.5.1 say for readOnly values; on PUT `id` must equal the target |
//! | a standard attribute in [`attrs::IGNORED_USER_ATTRS`] (`locale`, `roles`, `name.middleName`, `emails[].display` …) | accepted and ignored |
//! | `active` as `true`/`false` or `"True"`/`"False"`  | accepted (Entra) |
//! | `null` for a readWrite attribute                  | the attribute is cleared |
//!
//! The setters ([`assign`], [`clear`]) are shared with PATCH so both accept the same values.

use super::attrs::{self, AttrDef, Mutability, USER_ATTRS, USER_SCHEMA, USER_SCHEMAS};
use super::draft::PersonDraft;
use super::ScimError;
use serde_json::{Map, Value};

pub(crate) use super::user_values::{assign, clear, parse_contact, remove_contacts};

/// Whether the body creates a resource or replaces the one with this `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode<'a> {
    Create,
    Replace { id: &'a str },
}

/// How a value lands on a multi-valued attribute: appended (`add`) or instead of (`replace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assign {
    Add,
    Replace,
}

/// Parses a POST/PUT body. Requires `userName`, `name.givenName` and `name.familyName`.
pub fn parse_user(body: &Value, mode: WriteMode<'_>) -> Result<PersonDraft, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("the body must be a JSON object"))?;
    // The one refusal a client must hear first: a password anywhere in the body (Okta sends
    // one by default) is answered before any other problem of the same body.
    refuse_password_in(object)?;
    check_schemas(object, &USER_SCHEMAS, USER_SCHEMA)?;
    let mut draft = PersonDraft::default();
    each_body_attribute(object, &USER_SCHEMAS, |key, value| {
        match resolve_key(key)? {
            Some(def) => body_attribute(&mut draft, def, value, mode, set),
            None => Ok(()),
        }
    })?;
    require_complete(&draft)?;
    Ok(draft)
}

/// Walks a POST/PUT body's attributes in order, as `(key, value)`: top-level keys as they
/// are, an extension object's as `urn:name` (the object must be one); `schemas` is skipped
/// (some clients repeat the extension's `schemas` inside its object too).
pub(crate) fn each_body_attribute(
    object: &Map<String, Value>,
    schemas: &[&'static str],
    mut attribute: impl FnMut(&str, &Value) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    for (key, value) in object.iter().filter(|(k, _)| *k != "schemas") {
        let Some(ext) = attrs::known_schema(schemas, key) else {
            attribute(key, value)?;
            continue;
        };
        let inner = value
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax(format!("{ext} must be a JSON object")))?;
        for (name, v) in inner.iter().filter(|(k, _)| *k != "schemas") {
            attribute(&format!("{ext}:{name}"), v)?;
        }
    }
    Ok(())
}

/// Refuses a `password` key at the top level or inside an extension object.
fn refuse_password_in(object: &Map<String, Value>) -> Result<(), ScimError> {
    for (key, value) in object {
        refuse_password(key)?;
        if attrs::known_schema(&USER_SCHEMAS, key).is_some() {
            if let Some(inner) = value.as_object() {
                inner.keys().try_for_each(|k| refuse_password(k))?;
            }
        }
    }
    Ok(())
}

/// Checks `schemas` (RFC 7643 §3): a list of known URNs that includes the core one.
pub(crate) fn check_schemas(
    object: &Map<String, Value>,
    known: &[&'static str],
    core: &str,
) -> Result<(), ScimError> {
    let list = object
        .get("schemas")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ScimError::invalid_syntax("\"schemas\" must list the resource's schema URNs")
        })?;
    let mut has_core = false;
    for urn in list {
        let urn = urn
            .as_str()
            .ok_or_else(|| ScimError::invalid_syntax("\"schemas\" must hold strings"))?;
        match attrs::known_schema(known, urn) {
            Some(s) => has_core |= s == core,
            None if core == attrs::GROUP_SCHEMA && attrs::is_legacy_group_schema(urn) => {}
            None => {
                return Err(ScimError::invalid_syntax(format!(
                    "unsupported schema {urn:?}"
                )))
            }
        }
    }
    if !has_core {
        return Err(ScimError::invalid_syntax(format!(
            "\"schemas\" must include {core}"
        )));
    }
    Ok(())
}

pub(crate) fn refuse_password(name: &str) -> Result<(), ScimError> {
    if name.rsplit(':').next().is_some_and(|n| {
        n.split('.')
            .next()
            .is_some_and(|n| n.eq_ignore_ascii_case("password"))
    }) {
        return Err(ScimError::mutability(
            "password cannot be set over SCIM: the connector issues credentials itself \
             (disable password synchronisation in the client)",
        ));
    }
    Ok(())
}

/// Resolves a body key such as `userName`, `name.givenName` or `urn:…:employeeNumber`;
/// `None` for a standard attribute the directory has no place for
/// ([`attrs::IGNORED_USER_ATTRS`]), which is accepted and ignored.
pub(crate) fn resolve_key(key: &str) -> Result<Option<&'static AttrDef>, ScimError> {
    refuse_password(key)?;
    let unknown = |e: attrs::UnknownAttribute| {
        ScimError::invalid_syntax(format!("unknown attribute {:?}", e.0))
    };
    let path = attrs::parse_name(key).map_err(unknown)?;
    match attrs::resolve(&USER_ATTRS, &USER_SCHEMAS, &path) {
        Ok(def) => Ok(Some(def)),
        Err(_) if attrs::is_ignored_user_attr(&path) => Ok(None),
        Err(e) => Err(unknown(e)),
    }
}

/// One attribute of a POST or PUT body, set by `assign` (Users and Groups alike). Read-only
/// attributes in a body are ignored (RFC 7644 §3.3, §3.5.1: "SHALL be ignored"); only an `id`
/// that names another resource on PUT is refused.
pub(crate) fn body_attribute<D>(
    draft: &mut D,
    def: &AttrDef,
    value: &Value,
    mode: WriteMode<'_>,
    assign: fn(&mut D, &AttrDef, &Value) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    if def.mutability == Mutability::ReadOnly {
        return match mode {
            WriteMode::Replace { id } if def.is("id", None) => match value.as_str() {
                Some(v) if v == id => Ok(()),
                _ => Err(ScimError::mutability("id does not match the resource")),
            },
            WriteMode::Replace { .. } | WriteMode::Create => Ok(()),
        };
    }
    assign(draft, def, value)
}

/// A User's attribute as a body sets it (a whole replacement).
fn set(draft: &mut PersonDraft, def: &AttrDef, value: &Value) -> Result<(), ScimError> {
    assign(draft, def, value, Assign::Replace)
}

pub(crate) fn read_only(def: &AttrDef) -> ScimError {
    ScimError::mutability(format!("{} is read-only", def.display()))
}

fn require_complete(draft: &PersonDraft) -> Result<(), ScimError> {
    for (missing, name) in [
        (draft.user_name.is_none(), "userName"),
        (draft.given_name.is_none(), "name.givenName"),
        (draft.family_name.is_none(), "name.familyName"),
    ] {
        if missing {
            return Err(ScimError::invalid_value(format!("{name} is required")));
        }
    }
    Ok(())
}

/// Checks a draft after PATCH: the same required attributes as a POST.
pub(crate) fn check_complete(draft: &PersonDraft) -> Result<(), ScimError> {
    require_complete(draft)
}

#[cfg(test)]
#[path = "user_tests.rs"]
mod tests;
