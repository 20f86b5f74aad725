//! How one resolved attribute path is applied to each resource type's draft (its
//! `Patchable::APPLY_PATH`): a user's value-filtered `emails`/`phoneNumbers` and removal of
//! listed values, a group's `members` filters. `patch.rs` keeps the steps both types share.

use super::attrs::{self, AttrDef};
use super::draft::{GroupDraft, PersonDraft};
use super::patch::{PatchKind, Step};
use super::patch_values::{filtered, matches, Field};
use super::user::{self, Assign};
use super::{group, ScimError};
use serde_json::Value;

pub(super) fn user_path(draft: &mut PersonDraft, step: Step<'_>) -> Result<(), ScimError> {
    // `emails[type eq "work"].display`: an ignored sub-attribute of a stored attribute.
    if step
        .path
        .sub
        .as_deref()
        .is_some_and(|sub| attrs::is_ignored_user_sub(step.def, sub))
    {
        return Ok(());
    }
    let Some(filter) = &step.path.filter else {
        return match (step.kind, step.value) {
            (PatchKind::Remove, Some(v)) if step.def.sub.is_none() && !v.is_null() => {
                remove_listed(draft, step.def, v)
            }
            (PatchKind::Remove, _) => user::clear(draft, step.def),
            (PatchKind::Add, Some(v)) => user::assign(draft, step.def, v, Assign::Add),
            (PatchKind::Replace, Some(v)) => user::assign(draft, step.def, v, Assign::Replace),
            (_, None) => Err(ScimError::invalid_value("value is required")),
        };
    };
    if step.def.sub.is_some() {
        return Err(ScimError::invalid_path(format!(
            "{} cannot carry a value filter",
            step.def.display()
        )));
    }
    let sub = step.path.sub.as_deref();
    match step.def.name {
        "emails" => {
            let mut items = std::mem::take(&mut draft.emails);
            let r = filtered(&mut items, step.def, filter, sub, step.kind, step.value);
            draft.emails = items;
            r
        }
        "phoneNumbers" => {
            let mut items = std::mem::take(&mut draft.phones);
            let r = filtered(&mut items, step.def, filter, sub, step.kind, step.value);
            draft.phones = items;
            r
        }
        _ => Err(ScimError::invalid_path(format!(
            "{} does not support value filters",
            step.def.display()
        ))),
    }
}

/// `remove` of a multi-valued attribute with a value: only the listed values go.
fn remove_listed(draft: &mut PersonDraft, def: &AttrDef, value: &Value) -> Result<(), ScimError> {
    match def.name {
        "emails" => user::remove_contacts(&mut draft.emails, def, as_list(value))?,
        "phoneNumbers" => user::remove_contacts(&mut draft.phones, def, as_list(value))?,
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

pub(super) fn group_path(draft: &mut GroupDraft, step: Step<'_>) -> Result<(), ScimError> {
    let is_members = step.def.is("members", None);
    if let Some(filter) = &step.path.filter {
        if !is_members || step.kind != PatchKind::Remove || step.path.sub.is_some() {
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
    match (step.kind, step.value) {
        (PatchKind::Remove, Some(v)) if is_members && !v.is_null() => {
            let gone = group::member_ids(v)?;
            draft.members.retain(|m| !gone.contains(m));
            Ok(())
        }
        (PatchKind::Remove, _) if is_members => {
            draft.members.clear();
            Ok(())
        }
        (PatchKind::Remove, _) => group::assign(draft, step.def, &Value::Null, true),
        (PatchKind::Add, Some(v)) => group::assign(draft, step.def, v, false),
        (PatchKind::Replace, Some(v)) => group::assign(draft, step.def, v, true),
        (_, None) => Err(ScimError::invalid_value("value is required")),
    }
}
