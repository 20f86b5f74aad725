//! What a caller's change makes of a person's profile (README "People at several schools":
//! which schools and attributes a caller may change), and the attribute names an audit
//! record lists for a creation or a change — never their values, which may be personal data.
//! Shared by the updates (`people.rs`), creations (`people_create.rs`), idempotent replays
//! (`replay.rs`) and read-backs after a lost answer (`read_back.rs`).

use super::{in_scope, ProvisioningError};
use crate::domain::SchoolCode;
use crate::ports::{Employment, PersonProfile, SchoolScope};

/// The employment after a change by a caller: schools outside its scope are kept, schools
/// inside follow the request; the primary may move only between schools the caller holds.
pub(super) fn merge_employment(
    scope: &SchoolScope,
    current: &Employment,
    requested: &Employment,
) -> Result<Employment, ProvisioningError> {
    if let Some(outside) = requested
        .all()
        .find(|c| !in_scope(scope, c) && !current.all().any(|k| k == *c))
    {
        return Err(ProvisioningError::OutOfScope(format!(
            "school {outside} is outside this client's scope"
        )));
    }
    let primary_outside = !in_scope(scope, &current.primary);
    if primary_outside && requested.primary != current.primary {
        return Err(ProvisioningError::OutOfScope(format!(
            "the primary school {} is outside this client's scope",
            current.primary
        )));
    }
    let mut schools: Vec<SchoolCode> = current
        .all()
        .filter(|c| !in_scope(scope, c))
        .cloned()
        .collect();
    for c in requested.all() {
        if !schools.contains(c) {
            schools.push(c.clone());
        }
    }
    let primary = requested.primary.clone();
    let others = schools.into_iter().filter(|c| *c != primary).collect();
    Ok(Employment { primary, others })
}

/// What a caller's change makes of a person (README "People at several schools"). A caller
/// holding the primary school (whose OU holds the entry) changes everything it sends, its
/// schools merged by [`merge_employment`]. A caller holding only other schools of the person
/// changes only their membership of its schools: the person's global attributes (names,
/// userName, externalId, addresses, phones, manager, HR's `active`) stay as they are, and its
/// `active: false` ends the employment at its schools — they are removed from the person,
/// whose account stays usable at the others.
pub(super) fn profile_after_change(
    scope: &SchoolScope,
    before: &PersonProfile,
    requested: PersonProfile,
) -> Result<PersonProfile, ProvisioningError> {
    let employment = merge_employment(scope, &before.employment, &requested.employment)?;
    if in_scope(scope, &before.employment.primary) {
        return Ok(PersonProfile {
            employment,
            ..requested
        });
    }
    let employment = match requested.employment_active {
        true => employment,
        false => Employment {
            others: employment
                .others
                .into_iter()
                .filter(|c| !in_scope(scope, c))
                .collect(),
            primary: employment.primary,
        },
    };
    Ok(PersonProfile {
        employment,
        ..before.clone()
    })
}

/// The names (SCIM-neutral) of the attributes a profile sets, for the audit record.
pub(super) fn profile_attribute_names(p: &PersonProfile) -> Vec<&'static str> {
    let mut names = vec!["name", "schools", "active"];
    let optional = [
        ("displayName", p.display_name.is_some()),
        ("userName", p.user_name.is_some()),
        ("externalId", p.external_id.is_some()),
        ("employeeNumber", p.employee_number.is_some()),
        ("position", p.position.is_some()),
        ("emails", !p.emails.is_empty()),
        ("phoneNumbers", !p.phones.is_empty()),
        ("department", p.department.is_some()),
        ("organization", p.organization.is_some()),
        ("manager", p.manager.is_some()),
    ];
    names.extend(optional.iter().filter(|(_, set)| *set).map(|(n, _)| *n));
    names
}

/// Which attributes differ between two profiles (names only: values may be personal data).
pub(super) fn changed_attribute_names(a: &PersonProfile, b: &PersonProfile) -> Vec<&'static str> {
    let checks = [
        ("name", a.name != b.name),
        ("displayName", a.display_name != b.display_name),
        ("userName", a.user_name != b.user_name),
        ("externalId", a.external_id != b.external_id),
        ("employeeNumber", a.employee_number != b.employee_number),
        ("position", a.position != b.position),
        ("emails", a.emails != b.emails),
        ("phoneNumbers", a.phones != b.phones),
        ("department", a.department != b.department),
        ("organization", a.organization != b.organization),
        ("manager", a.manager != b.manager),
        ("schools", a.employment != b.employment),
        ("active", a.employment_active != b.employment_active),
    ];
    checks.iter().filter(|(_, c)| *c).map(|(n, _)| *n).collect()
}

#[cfg(test)]
#[path = "profile_change_tests.rs"]
mod tests;
