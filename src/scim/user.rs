//! User request bodies (RFC 7643 §4.1, §4.3, RFC 7644 §3.3 POST and §3.5.1 PUT) → [`PersonDraft`].
//!
//! | attribute in the request                         | result |
//! |--------------------------------------------------|--------|
//! | `schemas` missing, not a list, or an unknown URN  | 400 `invalidSyntax` |
//! | unknown attribute or sub-attribute                | 400 `invalidSyntax`, naming it |
//! | `password` (any form)                             | 400 `mutability`: credentials are never set over SCIM (security.md AUTHZ-03) |
//! | `id`, `meta`, `groups`, `accountState`, `login` on POST | 400 `mutability` (`groups: []` is accepted: Okta sends it) |
//! | the same on PUT                                   | ignored as RFC 7644 §3.5.1 says for readOnly values; `id` must equal the target |
//! | `active` as `true`/`false` or `"True"`/`"False"`  | accepted (Entra) |
//! | `null` for a readWrite attribute                  | the attribute is cleared |
//!
//! The setters ([`assign`], [`clear`]) are shared with PATCH so both accept the same values.

use super::attrs::{self, AttrDef, Mutability, USER_ATTRS, USER_SCHEMA, USER_SCHEMAS};
use super::draft::PersonDraft;
use super::ScimError;
use serde_json::{Map, Value};

pub(crate) use super::user_values::{assign, clear, parse_email, parse_phone};

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
    check_schemas(object, &USER_SCHEMAS, USER_SCHEMA)?;
    let mut draft = PersonDraft::default();
    for (key, value) in object {
        if key == "schemas" {
            continue;
        }
        if let Some(ext) = attrs::known_schema(&USER_SCHEMAS, key) {
            let inner = value
                .as_object()
                .ok_or_else(|| ScimError::invalid_syntax(format!("{ext} must be a JSON object")))?;
            for (name, v) in inner {
                let def = resolve_key(&format!("{ext}:{name}"))?;
                body_attribute(&mut draft, def, v, mode)?;
            }
            continue;
        }
        let def = resolve_key(key)?;
        body_attribute(&mut draft, def, value, mode)?;
    }
    require_complete(&draft)?;
    Ok(draft)
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

fn refuse_password(name: &str) -> Result<(), ScimError> {
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

/// Resolves a body key such as `userName`, `name.givenName` or `urn:…:employeeNumber`.
pub(crate) fn resolve_key(key: &str) -> Result<&'static AttrDef, ScimError> {
    refuse_password(key)?;
    attrs::parse_name(key)
        .and_then(|p| attrs::resolve(&USER_ATTRS, &USER_SCHEMAS, &p))
        .map_err(|e| ScimError::invalid_syntax(format!("unknown attribute {:?}", e.0)))
}

fn body_attribute(
    draft: &mut PersonDraft,
    def: &AttrDef,
    value: &Value,
    mode: WriteMode<'_>,
) -> Result<(), ScimError> {
    if def.mutability == Mutability::ReadOnly {
        return match mode {
            WriteMode::Replace { id } if def.is("id", None) => match value.as_str() {
                Some(v) if v == id => Ok(()),
                _ => Err(ScimError::mutability("id does not match the resource")),
            },
            WriteMode::Replace { .. } => Ok(()),
            WriteMode::Create if def.is("groups", None) && is_empty_list(value) => Ok(()),
            WriteMode::Create => Err(read_only(def)),
        };
    }
    assign(draft, def, value, Assign::Replace)
}

fn is_empty_list(value: &Value) -> bool {
    value.is_null() || value.as_array().is_some_and(Vec::is_empty)
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
