//! Entries ↔ domain types: the attributes written for a new school or person, and the parsing
//! of search results back into `SchoolEntry` / `PersonEntry`.
//!
//! Invariant: every attribute read from slapd goes through the domain parser for its type; an
//! entry that does not parse is `DirectoryError::Other` naming the DN and the attribute, never a
//! panic and never a half-filled value. Attribute names are matched case-insensitively.

use super::names::Layout;
use crate::domain::{
    AccountState, EmployeeNumber, FamilyName, GivenName, LoginName, ParseError, PersonName,
    Position, School, SchoolCode, SchoolName,
};
use crate::ports::{DirectoryError, Employment, EntryRef, NewPerson, PersonEntry, SchoolEntry};
use ldap3::SearchEntry;
use std::collections::HashSet;
use time::OffsetDateTime;

/// Attributes requested when reading a school (`entryUUID` is operational: ask for it).
pub const SCHOOL_ATTRS: &[&str] = &["entryUUID", "zszoSchoolCode", "displayName"];

/// Attributes requested when reading a person.
pub const PERSON_ATTRS: &[&str] = &[
    "entryUUID",
    "uid",
    "givenName",
    "sn",
    "employeeNumber",
    "title",
    "zszoSchoolCode",
    "zszoPrimarySchoolCode",
    "zszoAccountState",
];

/// One attribute for an LDAP Add.
pub type AddAttr = (String, HashSet<String>);

fn attr<I, S>(name: &str, values: I) -> AddAttr
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    (
        name.to_owned(),
        values.into_iter().map(Into::into).collect(),
    )
}

/// An organizational unit such as `ou=pracownicy` under a school.
pub fn ou_attrs(name: &str) -> Vec<AddAttr> {
    vec![
        attr("objectClass", ["top", "organizationalUnit"]),
        attr("ou", [name]),
    ]
}

/// A `groupOfNames` with one empty `member` (the zero-length DN): groupOfNames requires a
/// member, and readers drop the empty value. Adding real members leaves it in place.
pub fn empty_group_attrs(cn: &str) -> Vec<AddAttr> {
    vec![
        attr("objectClass", ["top", "groupOfNames"]),
        attr("cn", [cn]),
        attr("member", [""]),
    ]
}

pub fn school_attrs(school: &School) -> Vec<AddAttr> {
    vec![
        attr("objectClass", ["top", "organizationalUnit", "zszoSchool"]),
        attr("ou", [school.code.as_str()]),
        attr("zszoSchoolCode", [school.code.as_str()]),
        attr("displayName", [school.name.as_str()]),
    ]
}

/// `zszoSearchName`: lower-case ASCII-folded "given family" and "family given", so a search
/// for "lukasz zolc" finds "Łukasz Żółć" (deunicode does the folding).
pub fn search_names(name: &PersonName) -> [String; 2] {
    let fold = |s: &str| deunicode::deunicode(s).to_lowercase();
    let (given, family) = (fold(name.given.as_str()), fold(name.family.as_str()));
    [format!("{given} {family}"), format!("{family} {given}")]
}

/// GeneralizedTime (RFC 4517 §3.3.13) in UTC without fractions: `YYYYMMDDHHMMSSZ`.
pub fn generalized_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Every attribute of a new person's entry (see the module docs of `ldap` for the list).
pub fn person_attrs(
    person: &NewPerson,
    layout: &Layout,
    eppn_scope: &str,
    now: OffsetDateTime,
) -> Vec<AddAttr> {
    let schools: Vec<&SchoolCode> = person.employment.all().collect();
    let full = person.name.full();
    let state = person
        .credentials
        .as_ref()
        .map_or(AccountState::None, |c| c.state);
    let mut attrs = vec![
        attr(
            "objectClass",
            [
                "top",
                "person",
                "organizationalPerson",
                "inetOrgPerson",
                "zszoPerson",
                "eduPerson",
            ],
        ),
        attr("uid", [person.login.as_str()]),
        attr("cn", [full.as_str()]),
        attr("displayName", [full.as_str()]),
        attr("sn", [person.name.family.as_str()]),
        attr("givenName", [person.name.given.as_str()]),
        attr("zszoSchoolCode", schools.iter().map(|c| c.as_str())),
        attr(
            "zszoPrimarySchoolCode",
            [person.employment.primary.as_str()],
        ),
        attr("zszoEmploymentActive", ["TRUE"]),
        attr("zszoAccountState", [state.as_str()]),
        attr("zszoSearchName", search_names(&person.name)),
        attr("eduPersonAffiliation", ["staff", "employee"]),
        attr(
            "eduPersonPrincipalName",
            [format!("{}@{eppn_scope}", person.login)],
        ),
        attr(
            "eduPersonOrgUnitDN",
            schools.iter().map(|c| layout.school_dn(c)),
        ),
        attr(
            "eduPersonPrimaryOrgUnitDN",
            [layout.school_dn(&person.employment.primary)],
        ),
    ];
    if let Some(n) = &person.employee_number {
        attrs.push(attr("employeeNumber", [n.as_str()]));
    }
    if let Some(p) = &person.position {
        attrs.push(attr("title", [p.as_str()]));
    }
    if let Some(c) = &person.credentials {
        attrs.push(attr("userPassword", [format!("{{ARGON2}}{}", c.hash.0)]));
        if c.must_change {
            attrs.push(attr("pwdReset", ["TRUE"]));
        }
        if let Some(at) = c.expires_at {
            let t = generalized_time(at);
            attrs.push(attr("pwdEndTime", [t.as_str()]));
            attrs.push(attr("zszoInitialPasswordExpiry", [t]));
        }
        attrs.push(attr("zszoAccountCreatedBy", [person.created_by.as_str()]));
        attrs.push(attr("zszoAccountCreatedAt", [generalized_time(now)]));
    }
    attrs
}

/// Case-insensitive attribute access with errors that name the entry and the attribute.
struct Reader<'a>(&'a SearchEntry);

impl<'a> Reader<'a> {
    fn values(&self, name: &str) -> &'a [String] {
        self.0
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or(&[], |(_, v)| v.as_slice())
    }

    fn bad(&self, name: &str, why: impl std::fmt::Display) -> DirectoryError {
        DirectoryError::Other(format!("entry {:?}: attribute {name}: {why}", self.0.dn))
    }

    fn optional(&self, name: &str) -> Result<Option<&'a str>, DirectoryError> {
        match self.values(name) {
            [] => Ok(None),
            [one] => Ok(Some(one.as_str())),
            _ => Err(self.bad(name, "has several values, expected one")),
        }
    }

    fn required(&self, name: &str) -> Result<&'a str, DirectoryError> {
        self.optional(name)?.ok_or_else(|| {
            if self
                .0
                .bin_attrs
                .keys()
                .any(|k| k.eq_ignore_ascii_case(name))
            {
                self.bad(name, "is not valid UTF-8")
            } else {
                self.bad(name, "is missing")
            }
        })
    }

    fn parse<T>(
        &self,
        name: &str,
        parser: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Result<T, DirectoryError> {
        parser(self.required(name)?).map_err(|e| self.bad(name, e))
    }

    fn parse_optional<T>(
        &self,
        name: &str,
        parser: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Result<Option<T>, DirectoryError> {
        self.optional(name)?
            .map(|v| parser(v).map_err(|e| self.bad(name, e)))
            .transpose()
    }

    fn entry_ref(&self) -> Result<EntryRef, DirectoryError> {
        Ok(EntryRef {
            id: self.required("entryUUID")?.to_owned(),
            dn: self.0.dn.clone(),
        })
    }
}

pub fn school_from_entry(entry: &SearchEntry) -> Result<SchoolEntry, DirectoryError> {
    let r = Reader(entry);
    Ok(SchoolEntry {
        entry: r.entry_ref()?,
        school: School {
            code: r.parse("zszoSchoolCode", SchoolCode::parse)?,
            name: r.parse("displayName", SchoolName::parse)?,
        },
    })
}

pub fn person_from_entry(entry: &SearchEntry) -> Result<PersonEntry, DirectoryError> {
    let r = Reader(entry);
    let primary = r.parse("zszoPrimarySchoolCode", SchoolCode::parse)?;
    let mut others = Vec::new();
    for raw in r.values("zszoSchoolCode") {
        let code = SchoolCode::parse(raw).map_err(|e| r.bad("zszoSchoolCode", e))?;
        if code != primary && !others.contains(&code) {
            others.push(code);
        }
    }
    others.sort();
    Ok(PersonEntry {
        entry: r.entry_ref()?,
        login: r.parse("uid", LoginName::parse)?,
        name: PersonName {
            given: r.parse("givenName", GivenName::parse)?,
            family: r.parse("sn", FamilyName::parse)?,
        },
        employee_number: r.parse_optional("employeeNumber", EmployeeNumber::parse)?,
        position: r.parse_optional("title", Position::parse)?,
        employment: Employment { primary, others },
        account_state: r.parse("zszoAccountState", AccountState::parse)?,
    })
}

/// Drops the zero-length DN that stands for "no member" in an empty `groupOfNames`.
pub fn real_members(values: &[String]) -> impl Iterator<Item = &str> {
    values
        .iter()
        .map(|v| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
