//! What a SCIM client asks for, as typed domain values: [`PersonDraft`] and [`GroupDraft`].
//!
//! Built by `user`/`group` (POST, PUT) and changed by `patch`; the provisioning use cases take
//! them from there. They carry no SCIM JSON and no read-only data (`id`, `meta`, account state,
//! credentials): a draft cannot express a password at all (security.md AUTHZ-03).

use crate::domain::{EmployeeNumber, FamilyName, GivenName, Position, SchoolCode};
use crate::ports::Employment;

/// One element of a multi-valued contact attribute (`K` is the kind of its `type`): the
/// directory's own contact type, since a draft's contacts are stored as they are given.
pub use crate::ports::Contact;

/// An element of `emails`.
pub type Email = crate::ports::ContactEmail;
/// An element of `phoneNumbers`.
pub type Phone = crate::ports::ContactPhone;

/// A person as a SCIM client describes them. `None`/empty means "not given".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonDraft {
    /// The client's user name (often a UPN); not the ZSZO login, which the connector generates.
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub given_name: Option<GivenName>,
    pub family_name: Option<FamilyName>,
    /// `name.formatted` as sent; the directory's `cn` is derived from the parts.
    pub formatted_name: Option<String>,
    pub display_name: Option<String>,
    pub emails: Vec<Email>,
    pub phones: Vec<Phone>,
    pub title: Option<String>,
    /// Employment as HR sees it; `true` when the client does not say.
    pub active: bool,
    pub employee_number: Option<EmployeeNumber>,
    pub department: Option<String>,
    pub organization: Option<String>,
    /// The manager's `id`.
    pub manager: Option<String>,
    pub schools: Vec<SchoolCode>,
    pub primary_school: Option<SchoolCode>,
    pub position: Option<Position>,
    /// The ZSZO `accountRequested`: `None` when the client does not say (left as it is).
    pub account_requested: Option<bool>,
}

impl Default for PersonDraft {
    fn default() -> Self {
        Self {
            user_name: None,
            external_id: None,
            given_name: None,
            family_name: None,
            formatted_name: None,
            display_name: None,
            emails: Vec::new(),
            phones: Vec::new(),
            title: None,
            active: true,
            employee_number: None,
            department: None,
            organization: None,
            manager: None,
            schools: Vec::new(),
            primary_school: None,
            position: None,
            account_requested: None,
        }
    }
}

impl PersonDraft {
    /// Where the person works: the primary school (or the only school listed) and the others.
    /// `None` when no school is given or the primary is ambiguous; the use case then decides
    /// (e.g. from the client's single-school scope) or refuses.
    pub fn employment(&self) -> Option<Employment> {
        let primary = match (&self.primary_school, self.schools.as_slice()) {
            (Some(p), _) => p.clone(),
            (None, [only]) => only.clone(),
            _ => return None,
        };
        let others = self
            .schools
            .iter()
            .filter(|c| **c != primary)
            .cloned()
            .collect();
        Some(Employment { primary, others })
    }
}

/// A group as a SCIM client describes it; `members` are person ids, in order, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupDraft {
    pub display_name: Option<String>,
    pub external_id: Option<String>,
    pub members: Vec<String>,
    /// The ZSZO group extension's `school` (immutable): `None` when the client does not say,
    /// and a single-school client's school is then implied.
    pub school: Option<SchoolCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> SchoolCode {
        SchoolCode::parse(c).unwrap()
    }

    #[test]
    fn employment_takes_the_primary_school_or_the_only_one() {
        let mut d = PersonDraft {
            schools: vec![code("A"), code("B")],
            ..PersonDraft::default()
        };
        assert_eq!(
            d.employment(),
            None,
            "two schools and no primary is ambiguous"
        );
        d.primary_school = Some(code("B"));
        let e = d.employment().unwrap();
        assert_eq!((e.primary, e.others), (code("B"), vec![code("A")]));
        d.schools = vec![code("C")];
        d.primary_school = None;
        assert_eq!(d.employment().unwrap().primary, code("C"));
    }

    #[test]
    fn a_new_draft_is_active_and_empty() {
        let d = PersonDraft::default();
        assert!(d.active);
        assert!(d.emails.is_empty() && d.user_name.is_none());
    }
}
