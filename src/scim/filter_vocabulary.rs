//! What each resource type's filters may mention: the SCIM attributes of `/Users` and
//! `/Groups` mapped to the closed domain attribute enums (`crate::domain::query`), and the
//! tests the directory answers in another shape (`accountRequested`).

use super::attrs::{self, AttrDef, GROUP_ATTRS, GROUP_SCHEMAS, USER_ATTRS, USER_SCHEMAS};
use super::syntax::{Literal, Op, Test};
use super::ScimError;
use crate::domain::query::{
    Attribute, EmailKind, Filter, GroupAttr, PersonAttr, PersonFilter, PhoneKind,
};

/// What one resource type's filters may mention.
pub(super) trait Vocabulary {
    type Attr: Attribute + Copy + std::fmt::Debug;
    const TABLE: &'static [AttrDef];
    const SCHEMAS: &'static [&'static str];
    /// A plain attribute (or the `value` of a multi-valued one, any type).
    fn leaf(def: &AttrDef) -> Option<Self::Attr>;
    /// The `value` of a multi-valued attribute restricted to one `type`.
    fn typed(parent: &AttrDef, kind: &str) -> Result<Self::Attr, ScimError>;
    /// A test the directory answers in another shape than a comparison of the attribute;
    /// `None` for an ordinary attribute.
    fn special(_def: &AttrDef, _test: &Test) -> Option<Result<Filter<Self::Attr>, ScimError>> {
        None
    }
}

/// The filters of `/Users`.
pub(super) struct Users;
/// The filters of `/Groups`.
pub(super) struct Groups;

impl Vocabulary for Users {
    type Attr = PersonAttr;
    const TABLE: &'static [AttrDef] = &USER_ATTRS;
    const SCHEMAS: &'static [&'static str] = &USER_SCHEMAS;

    fn leaf(d: &AttrDef) -> Option<PersonAttr> {
        use PersonAttr as P;
        let sub = d.sub;
        Some(match (d.schema, d.name) {
            (attrs::USER_SCHEMA, name) => match (name, sub) {
                ("id", None) => P::Id,
                ("externalId", None) => P::ExternalId,
                ("meta", Some("created")) => P::Created,
                ("meta", Some("lastModified")) => P::LastModified,
                ("userName", None) => P::UserName,
                ("name", Some("givenName")) => P::GivenName,
                ("name", Some("familyName")) => P::FamilyName,
                ("displayName", None) => P::DisplayName,
                ("title", None) => P::Title,
                ("active", None) => P::Active,
                ("emails", None | Some("value")) => P::Email(None),
                ("phoneNumbers", None | Some("value")) => P::PhoneNumber(None),
                _ => return None,
            },
            (attrs::ENTERPRISE_SCHEMA, name) => match (name, sub) {
                ("employeeNumber", None) => P::EmployeeNumber,
                ("department", None) => P::Department,
                ("organization", None) => P::Organization,
                ("manager", None | Some("value")) => P::Manager,
                _ => return None,
            },
            (attrs::ZSZO_SCHEMA, name) => match (name, sub) {
                ("schools", None) => P::SchoolCode,
                ("primarySchool", None) => P::PrimarySchoolCode,
                ("position", None) => P::Position,
                ("login", None) => P::Login,
                ("accountState", None) => P::AccountState,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// `accountRequested` is a boolean the directory holds as the presence of the pending
    /// request (`zszoAccountRequestedAt`): `eq true`, `ne false` and `pr` find pending
    /// requests (a `false` stands for "no request", so it counts as unassigned for `pr`);
    /// `eq false` and `ne true` find the others.
    fn special(d: &AttrDef, test: &Test) -> Option<Result<PersonFilter, ScimError>> {
        if !(d.schema == attrs::ZSZO_SCHEMA && d.is("accountRequested", None)) {
            return None;
        }
        let truth = |l: &Literal| match l {
            Literal::Bool(b) => Some(*b),
            Literal::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Literal::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        let pending = match test {
            Test::Present => Some(true),
            Test::Compare(Op::Eq, l) => truth(l),
            Test::Compare(Op::Ne, l) => truth(l).map(|b| !b),
            _ => None,
        };
        let present = Filter::Present(PersonAttr::AccountRequested);
        Some(match pending {
            Some(true) => Ok(present),
            Some(false) => Ok(Filter::Not(Box::new(present))),
            None => Err(ScimError::invalid_filter(
                "accountRequested supports pr, and eq or ne with true or false",
            )),
        })
    }

    fn typed(parent: &AttrDef, kind: &str) -> Result<PersonAttr, ScimError> {
        let bad =
            || ScimError::invalid_filter(format!("unsupported {}.type {kind:?}", parent.display()));
        match parent.name {
            "emails" => EmailKind::parse(kind)
                .map(|k| PersonAttr::Email(Some(k)))
                .ok_or_else(bad),
            "phoneNumbers" => PhoneKind::parse(kind)
                .map(|k| PersonAttr::PhoneNumber(Some(k)))
                .ok_or_else(bad),
            _ => Err(unsupported(&format!("{}.type", parent.display()))),
        }
    }
}

impl Vocabulary for Groups {
    type Attr = GroupAttr;
    const TABLE: &'static [AttrDef] = &GROUP_ATTRS;
    const SCHEMAS: &'static [&'static str] = &GROUP_SCHEMAS;

    fn leaf(d: &AttrDef) -> Option<GroupAttr> {
        Some(match (d.name, d.sub) {
            ("id", None) => GroupAttr::Id,
            ("externalId", None) => GroupAttr::ExternalId,
            ("displayName", None) => GroupAttr::DisplayName,
            ("members", None | Some("value")) => GroupAttr::Member,
            ("meta", Some("created")) => GroupAttr::Created,
            ("meta", Some("lastModified")) => GroupAttr::LastModified,
            _ => return None,
        })
    }

    fn typed(parent: &AttrDef, _kind: &str) -> Result<GroupAttr, ScimError> {
        Err(unsupported(&format!("{}.type", parent.display())))
    }
}

pub(super) fn unsupported(name: &str) -> ScimError {
    ScimError::invalid_filter(format!("filtering on attribute {name:?} is not supported"))
}
