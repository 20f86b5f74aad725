//! Setting and clearing User attributes from JSON values, shared by POST/PUT (`user`) and
//! PATCH (`patch`, `patch_values`), so every route accepts the same values (RFC 7643 §4.1,
//! §4.3, ZSZO extension) and refuses the same ones with `invalidValue`.

use super::attrs::{self, AttrDef, Mutability, USER_ATTRS};
use super::draft::{Contact, PersonDraft};
use super::user::{read_only, Assign};
use super::ScimError;
use crate::domain::query::{EmailKind, PhoneKind};
use crate::domain::{EmployeeNumber, FamilyName, GivenName, Position, SchoolCode};
use serde_json::{Map, Value};

fn text(def: &AttrDef, value: &Value, max: usize) -> Result<String, ScimError> {
    let raw = value
        .as_str()
        .ok_or_else(|| ScimError::invalid_value(format!("{} must be a string", def.display())))?;
    crate::domain::parse_text("value", raw, max)
        .map_err(|e| ScimError::invalid_value(format!("{}: {}", def.display(), e.reason)))
}

fn boolean(def: &AttrDef, value: &Value) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::invalid_value(format!(
            "{} must be true or false",
            def.display()
        ))),
    }
}

/// A plain address check: one `@`, both sides non-empty, no blanks, at most 254 characters.
fn email_address(raw: &str) -> Result<String, ScimError> {
    let v = raw.trim();
    let ok = v.len() <= 254
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(v.split_once('@'), Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@'));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(ScimError::invalid_value(format!(
            "{raw:?} is not an email address"
        )))
    }
}

fn phone_number(raw: &str) -> Result<String, ScimError> {
    let v = raw.trim();
    let ok = (3..=40).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(ScimError::invalid_value(format!(
            "{raw:?} is not a phone number"
        )))
    }
}

fn object<'v>(def: &AttrDef, value: &'v Value) -> Result<&'v Map<String, Value>, ScimError> {
    value
        .as_object()
        .ok_or_else(|| ScimError::invalid_value(format!("{} must be an object", def.display())))
}

fn list<'v>(def: &AttrDef, value: &'v Value) -> Result<Vec<&'v Value>, ScimError> {
    match value {
        Value::Array(items) => Ok(items.iter().collect()),
        Value::Object(_) => Ok(vec![value]),
        _ => Err(ScimError::invalid_value(format!(
            "{} must be a list",
            def.display()
        ))),
    }
}

/// The sub-attribute `k` of `parent`; `None` for one that is accepted and ignored
/// ([`attrs::IGNORED_USER_ATTRS`], e.g. `emails[].display`, `name.middleName`).
fn sub_of(parent: &AttrDef, k: &str) -> Result<Option<&'static AttrDef>, ScimError> {
    match attrs::resolve_sub(&USER_ATTRS, parent, k) {
        Ok(d) => Ok(Some(d)),
        Err(_) if attrs::is_ignored_user_sub(parent, k) => Ok(None),
        Err(e) => Err(ScimError::invalid_syntax(format!(
            "unknown attribute {:?}",
            e.0
        ))),
    }
}

/// One element of `emails`/`phoneNumbers` as (value, type, primary), unknown keys refused.
fn multi_element<'v>(
    parent: &AttrDef,
    value: &'v Value,
) -> Result<(Option<&'v str>, Option<&'v str>, bool), ScimError> {
    let mut out = (None, None, false);
    for (k, v) in object(parent, value)? {
        let Some(sub) = sub_of(parent, k)? else {
            continue;
        };
        match sub.sub {
            Some("value") => out.0 = v.as_str(),
            Some("type") => out.1 = v.as_str(),
            Some("primary") => out.2 = boolean(sub, v)?,
            _ => {}
        }
    }
    Ok(out)
}

/// What sets emails and phone numbers apart when they are read from SCIM values; the rest
/// (one element's parsing, a list's assignment, removal by value) is one code for both.
pub(crate) trait ContactKind: Copy + Sized {
    /// The SCIM attribute (`emails`, `phoneNumbers`).
    const ATTR: &'static str;
    /// The checked, trimmed value.
    const PARSE_VALUE: fn(&str) -> Result<String, ScimError>;
    /// Whether two values are the same address or number (addresses case-insensitively).
    const SAME: fn(&str, &str) -> bool;
    /// A `type` in the canonical set (case-insensitive).
    const PARSE_KIND: fn(&str) -> Option<Self>;
    fn as_str(self) -> &'static str;
}

impl ContactKind for EmailKind {
    const ATTR: &'static str = "emails";
    const PARSE_VALUE: fn(&str) -> Result<String, ScimError> = email_address;
    const SAME: fn(&str, &str) -> bool = |a, b| a.eq_ignore_ascii_case(b);
    const PARSE_KIND: fn(&str) -> Option<Self> = EmailKind::parse;
    fn as_str(self) -> &'static str {
        EmailKind::as_str(self)
    }
}

impl ContactKind for PhoneKind {
    const ATTR: &'static str = "phoneNumbers";
    const PARSE_VALUE: fn(&str) -> Result<String, ScimError> = phone_number;
    const SAME: fn(&str, &str) -> bool = |a, b| a == b;
    const PARSE_KIND: fn(&str) -> Option<Self> = PhoneKind::parse;
    fn as_str(self) -> &'static str {
        PhoneKind::as_str(self)
    }
}

/// One element of `emails`/`phoneNumbers` (its value required and checked, its type canonical).
pub(crate) fn parse_contact<K: ContactKind>(
    parent: &AttrDef,
    value: &Value,
) -> Result<Contact<K>, ScimError> {
    let (v, t, primary) = multi_element(parent, value)?;
    let attr = K::ATTR;
    let v = v.ok_or_else(|| ScimError::invalid_value(format!("{attr}.value is required")))?;
    let value = (K::PARSE_VALUE)(v)?;
    let kind = t
        .map(|raw| {
            (K::PARSE_KIND)(raw)
                .ok_or_else(|| ScimError::invalid_value(format!("unsupported {attr}.type {raw:?}")))
        })
        .transpose()?;
    Ok(Contact {
        value,
        kind,
        primary,
    })
}

/// Sets a list of contacts: appended to (`Add`, an element with the same value replaced) or
/// replaced (`Replace`).
fn assign_contacts<K: ContactKind>(
    items: &mut Vec<Contact<K>>,
    def: &AttrDef,
    value: &Value,
    how: Assign,
) -> Result<(), ScimError> {
    let new = list(def, value)?
        .into_iter()
        .map(|v| parse_contact(def, v))
        .collect::<Result<Vec<Contact<K>>, _>>()?;
    if how == Assign::Replace {
        items.clear();
    }
    for c in new {
        items.retain(|x| !(K::SAME)(&x.value, &c.value));
        items.push(c);
    }
    Ok(())
}

/// PATCH `remove` of contacts with a value: only the listed ones go.
pub(crate) fn remove_contacts<K: ContactKind>(
    items: &mut Vec<Contact<K>>,
    def: &AttrDef,
    listed: Vec<&Value>,
) -> Result<(), ScimError> {
    let gone = listed
        .into_iter()
        .map(|v| parse_contact(def, v))
        .collect::<Result<Vec<Contact<K>>, _>>()?;
    items.retain(|c| !gone.iter().any(|g| (K::SAME)(&g.value, &c.value)));
    Ok(())
}

fn push_unique<T: PartialEq>(items: &mut Vec<T>, item: T) {
    if !items.contains(&item) {
        items.push(item);
    }
}

/// Sets `def` from a JSON value. `null` clears. Complex values merge their sub-attributes
/// (RFC 7644 §3.5.2.3); multi-valued ones are appended to (`Add`) or replaced (`Replace`).
pub(crate) fn assign(
    draft: &mut PersonDraft,
    def: &AttrDef,
    value: &Value,
    how: Assign,
) -> Result<(), ScimError> {
    if def.mutability == Mutability::ReadOnly {
        return Err(read_only(def));
    }
    if value.is_null() {
        return clear(draft, def);
    }
    let d = draft;
    match (def.schema, def.name, def.sub) {
        (attrs::USER_SCHEMA, "userName", None) => d.user_name = Some(text(def, value, 256)?),
        (attrs::USER_SCHEMA, "externalId", None) => d.external_id = Some(text(def, value, 256)?),
        (attrs::USER_SCHEMA, "name", None) => {
            for (k, v) in object(def, value)? {
                if let Some(sub) = sub_of(def, k)? {
                    assign(d, sub, v, how)?;
                }
            }
        }
        (attrs::USER_SCHEMA, "name", Some("givenName")) => {
            d.given_name = Some(GivenName::parse(&text(def, value, 1000)?)?)
        }
        (attrs::USER_SCHEMA, "name", Some("familyName")) => {
            d.family_name = Some(FamilyName::parse(&text(def, value, 1000)?)?)
        }
        (attrs::USER_SCHEMA, "name", Some("formatted")) => {
            d.formatted_name = Some(text(def, value, 256)?)
        }
        (attrs::USER_SCHEMA, "displayName", None) => d.display_name = Some(text(def, value, 256)?),
        (attrs::USER_SCHEMA, "title", None) => d.title = Some(text(def, value, 200)?),
        (attrs::USER_SCHEMA, "active", None) => d.active = boolean(def, value)?,
        (attrs::USER_SCHEMA, "emails", None) => assign_contacts(&mut d.emails, def, value, how)?,
        (attrs::USER_SCHEMA, "phoneNumbers", None) => {
            assign_contacts(&mut d.phones, def, value, how)?
        }
        (attrs::ENTERPRISE_SCHEMA, "employeeNumber", None) => {
            d.employee_number = Some(EmployeeNumber::parse(&text(def, value, 1000)?)?)
        }
        (attrs::ENTERPRISE_SCHEMA, "department", None) => {
            d.department = Some(text(def, value, 200)?)
        }
        (attrs::ENTERPRISE_SCHEMA, "organization", None) => {
            d.organization = Some(text(def, value, 200)?)
        }
        (attrs::ENTERPRISE_SCHEMA, "manager", None) => {
            // Entra sends {"value": id}; its older mappings a list of one such object
            // ([{"$ref": …, "value": id}]); some clients send the id alone.
            let value = match value {
                Value::Array(items) => match items.as_slice() {
                    [] => return clear(d, def),
                    [one] => one,
                    _ => {
                        return Err(ScimError::invalid_value(
                            "manager is single-valued: give one manager",
                        ))
                    }
                },
                other => other,
            };
            let id = match value {
                Value::Object(m) => {
                    let mut id = None;
                    for (k, v) in m {
                        if sub_of(def, k)?.is_some_and(|sub| sub.sub == Some("value")) {
                            id = Some(v);
                        }
                    }
                    id.ok_or_else(|| ScimError::invalid_value("manager.value is required"))?
                }
                other => other,
            };
            d.manager = Some(text(def, id, 128)?);
        }
        (attrs::ENTERPRISE_SCHEMA, "manager", Some("value")) => {
            d.manager = Some(text(def, value, 128)?)
        }
        (attrs::ZSZO_SCHEMA, "schools", None) => {
            let codes = list_of_strings(def, value)?
                .into_iter()
                .map(SchoolCode::parse)
                .collect::<Result<Vec<_>, _>>()?;
            if how == Assign::Replace {
                d.schools.clear();
            }
            codes
                .into_iter()
                .for_each(|c| push_unique(&mut d.schools, c));
        }
        (attrs::ZSZO_SCHEMA, "primarySchool", None) => {
            d.primary_school = Some(SchoolCode::parse(&text(def, value, 64)?)?)
        }
        (attrs::ZSZO_SCHEMA, "position", None) => {
            d.position = Some(Position::parse(&text(def, value, 1000)?)?)
        }
        (attrs::ZSZO_SCHEMA, "accountRequested", None) => {
            d.account_requested = Some(boolean(def, value)?)
        }
        _ => {
            return Err(ScimError::invalid_path(format!(
                "{} cannot be set directly",
                def.display()
            )))
        }
    }
    Ok(())
}

fn list_of_strings<'v>(def: &AttrDef, value: &'v Value) -> Result<Vec<&'v str>, ScimError> {
    let items = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .map(|v| {
            v.as_str().ok_or_else(|| {
                ScimError::invalid_value(format!("{} must be a list of strings", def.display()))
            })
        })
        .collect()
}

/// Clears `def` (PATCH `remove` without a value filter, or a `null` value).
pub(crate) fn clear(draft: &mut PersonDraft, def: &AttrDef) -> Result<(), ScimError> {
    if def.mutability == Mutability::ReadOnly {
        return Err(read_only(def));
    }
    let d = draft;
    match (def.name, def.sub) {
        ("userName", None) => d.user_name = None,
        ("externalId", None) => d.external_id = None,
        ("name", None) => {
            d.given_name = None;
            d.family_name = None;
            d.formatted_name = None;
        }
        ("name", Some("givenName")) => d.given_name = None,
        ("name", Some("familyName")) => d.family_name = None,
        ("name", Some("formatted")) => d.formatted_name = None,
        ("displayName", None) => d.display_name = None,
        ("title", None) => d.title = None,
        ("active", None) => {
            return Err(ScimError::invalid_value(
                "active cannot be removed; replace it with false",
            ))
        }
        ("emails", None) => d.emails.clear(),
        ("phoneNumbers", None) => d.phones.clear(),
        ("employeeNumber", None) => d.employee_number = None,
        ("department", None) => d.department = None,
        ("organization", None) => d.organization = None,
        ("manager", None | Some("value")) => d.manager = None,
        ("schools", None) => d.schools.clear(),
        ("primarySchool", None) => d.primary_school = None,
        ("position", None) => d.position = None,
        // Removing the request withdraws it.
        ("accountRequested", None) => d.account_requested = Some(false),
        _ => {
            return Err(ScimError::invalid_path(format!(
                "{} cannot be removed directly",
                def.display()
            )))
        }
    }
    Ok(())
}
