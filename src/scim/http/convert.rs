//! Between the SCIM views/drafts and the directory's entries/profiles.
//!
//! Mapping decisions (also in the README's table): SCIM `title` and the ZSZO `position` are
//! one directory attribute (`title`); a person without an HR `userName` (created by bootstrap
//! or the panel) shows their login as `userName`.

use crate::domain::{Position, SchoolCode};
use crate::ports::{
    EntryMeta, GroupEntry, GroupProfile, GroupRef, PersonEntry, PersonProfile, SchoolScope,
};
use crate::scim::attrs::ZSZO_GROUP_SCHEMA;
use crate::scim::draft::{GroupDraft, PersonDraft};
use crate::scim::group::ScimGroupView;
use crate::scim::render::{ResourceMeta, ResourceRef, ScimUserView};
use crate::scim::ScimError;

fn meta(m: &EntryMeta) -> ResourceMeta {
    ResourceMeta {
        created: m.created,
        last_modified: m.modified,
        version: m.version.clone(),
    }
}

pub fn user_view(e: &PersonEntry) -> ScimUserView {
    let p = &e.profile;
    ScimUserView {
        id: e.entry.id.clone(),
        user_name: p
            .user_name
            .clone()
            .unwrap_or_else(|| e.login.as_str().to_owned()),
        external_id: p.external_id.clone(),
        login: e.login.clone(),
        name: p.name.clone(),
        formatted_name: p.formatted_name.clone(),
        display_name: p.display_name.clone(),
        emails: p.emails.clone(),
        phones: p.phones.clone(),
        title: p.position.as_ref().map(|t| t.as_str().to_owned()),
        active: p.employment_active,
        employee_number: p.employee_number.clone(),
        department: p.department.clone(),
        organization: p.organization.clone(),
        manager: p.manager.as_ref().map(|id| ResourceRef {
            id: id.clone(),
            display: None,
        }),
        employment: p.employment.clone(),
        position: p.position.clone(),
        account_state: e.account_state,
        account_requested: e.account_request.is_some(),
        groups: e.groups.iter().map(ResourceRef::from).collect(),
        meta: meta(&e.meta),
    }
}

/// Which of the two names of the position a PATCH changed (they share `title` in LDAP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Title,
    Position,
    /// A whole resource (POST, PUT): both are as given.
    Unknown,
}

impl Changed {
    /// Compares the draft before and after a PATCH.
    pub fn between(before: &PersonDraft, after: &PersonDraft) -> Self {
        if after.title != before.title {
            Changed::Title
        } else if after.position != before.position {
            Changed::Position
        } else {
            Changed::Unknown
        }
    }
}

/// A complete profile from a draft. The school may be left out by a client that holds exactly
/// one school; `userName` and the name parts are required (RFC 7643 §4.1.1).
pub fn person_profile(
    d: PersonDraft,
    scope: &SchoolScope,
    changed: Changed,
) -> Result<PersonProfile, ScimError> {
    let employment = match d.employment() {
        Some(e) => e,
        None => match (scope, d.schools.is_empty()) {
            (SchoolScope::Only(codes), true) if codes.len() == 1 => crate::ports::Employment {
                primary: codes[0].clone(),
                others: Vec::new(),
            },
            (_, true) => {
                return Err(ScimError::invalid_value(
                    "the ZSZO extension's \"schools\" (and \"primarySchool\") are required: \
                     this client holds several schools",
                ))
            }
            (_, false) => {
                return Err(ScimError::invalid_value(
                    "several schools given: name one of them in \"primarySchool\"",
                ))
            }
        },
    };
    let (Some(given), Some(family)) = (d.given_name, d.family_name) else {
        return Err(ScimError::invalid_value(
            "name.givenName and name.familyName are required",
        ));
    };
    let Some(user_name) = d.user_name else {
        return Err(ScimError::invalid_value("userName is required"));
    };
    let title = d
        .title
        .as_deref()
        .map(Position::parse)
        .transpose()
        .map_err(ScimError::from)?;
    // SCIM `title` and the ZSZO `position` are one directory attribute.
    let position = match (d.position, title, changed) {
        (_, t, Changed::Title) => t,
        (p, _, Changed::Position) => p,
        (Some(p), Some(t), Changed::Unknown) if p != t => {
            return Err(ScimError::invalid_value(
                "title and the ZSZO position are one attribute here: give one, or the same value",
            ))
        }
        (p, t, Changed::Unknown) => p.or(t),
    };
    Ok(PersonProfile {
        name: crate::domain::PersonName { given, family },
        formatted_name: d.formatted_name,
        display_name: d.display_name,
        user_name: Some(user_name),
        external_id: d.external_id,
        employee_number: d.employee_number,
        position,
        emails: d.emails,
        phones: d.phones,
        department: d.department,
        organization: d.organization,
        manager: d.manager,
        employment,
        employment_active: d.active,
    })
}

/// A listed group or member: its id and its name.
impl From<&GroupRef> for ResourceRef {
    fn from(r: &GroupRef) -> Self {
        ResourceRef {
            id: r.id.clone(),
            display: Some(r.display_name.clone()),
        }
    }
}

pub fn group_view(g: &GroupEntry) -> ScimGroupView {
    ScimGroupView {
        id: g.entry.id.clone(),
        display_name: g.profile.display_name.clone(),
        external_id: g.profile.external_id.clone(),
        members: g.members.iter().map(ResourceRef::from).collect(),
        school: g.profile.school.clone(),
        meta: meta(&g.meta),
    }
}

/// A complete profile from a draft, for a group in `school` (see [`new_group_school`] for a
/// new group, the current school for an existing one). A draft naming another school is
/// refused: the school is immutable.
pub fn group_profile(d: GroupDraft, school: SchoolCode) -> Result<GroupProfile, ScimError> {
    crate::scim::group::check_school(&d, &school)?;
    let Some(display_name) = d.display_name else {
        return Err(ScimError::invalid_value("displayName is required"));
    };
    Ok(GroupProfile {
        display_name,
        external_id: d.external_id,
        school,
        members: d.members,
    })
}

/// The school of a new group: the ZSZO group extension's `school`, or the client's only one.
/// Whether the client may write there is the use case's check (403 otherwise).
pub fn new_group_school(d: &GroupDraft, scope: &SchoolScope) -> Result<SchoolCode, ScimError> {
    match (&d.school, scope) {
        (Some(code), _) => Ok(code.clone()),
        (None, SchoolScope::Only(codes)) if codes.len() == 1 => Ok(codes[0].clone()),
        (None, _) => Err(ScimError::invalid_value(format!(
            "\"{ZSZO_GROUP_SCHEMA}\": {{\"school\": \"<code>\"}} is required: \
             this client holds several schools"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ScimType;

    fn code(c: &str) -> SchoolCode {
        SchoolCode::parse(c).unwrap()
    }

    fn draft(school: Option<&str>) -> GroupDraft {
        GroupDraft {
            display_name: Some("Nauczyciele".into()),
            school: school.map(code),
            ..GroupDraft::default()
        }
    }

    #[test]
    fn a_new_group_goes_to_the_named_school_or_the_clients_only_one() {
        let one = SchoolScope::Only(vec![code("A")]);
        let two = SchoolScope::Only(vec![code("A"), code("B")]);
        assert_eq!(new_group_school(&draft(None), &one).unwrap(), code("A"));
        assert_eq!(
            new_group_school(&draft(Some("B")), &one).unwrap(),
            code("B")
        );
        assert_eq!(
            new_group_school(&draft(Some("B")), &two).unwrap(),
            code("B")
        );
        assert_eq!(
            new_group_school(&draft(Some("C")), &SchoolScope::All).unwrap(),
            code("C")
        );
        for scope in [two, SchoolScope::All] {
            let e = new_group_school(&draft(None), &scope).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
            assert!(e.detail.contains(ZSZO_GROUP_SCHEMA), "{}", e.detail);
        }
    }

    #[test]
    fn a_profile_keeps_the_school_and_refuses_another() {
        let p = group_profile(draft(None), code("A")).unwrap();
        assert_eq!(p.school, code("A"));
        let p = group_profile(draft(Some("a")), code("A")).unwrap();
        assert_eq!(p.school, code("A"), "the stored spelling stays");
        let e = group_profile(draft(Some("B")), code("A")).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
    }
}
