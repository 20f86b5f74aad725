//! Person entries ↔ `PersonProfile`: the attributes written on create and update, and the
//! parsing of a read entry.
//!
//! | profile | attribute | notes |
//! |---|---|---|
//! | `name` | `givenName`, `sn`, `cn` ("Given Family"), `zszoSearchName` | |
//! | `display_name` | `displayName` | |
//! | `user_name` | `zszoExternalUserName` | unique city-wide, case-insensitive |
//! | `external_id` | `zszoExternalId` | unique city-wide (slapo-unique) |
//! | `employee_number` | `employeeNumber` | |
//! | `position` | `title` | |
//! | `name.formatted` (`formatted_name`) | `zszoFormattedName` | as the client sent it |
//! | `emails` | `mail`, `zszoHrMail` (+ `zszoScimContact`) | type, primary and order in `zszoScimContact` (`contacts.rs`); once the person confirmed an address, `mail` is theirs (and is what reads back), SCIM writes only `zszoHrMail` |
//! | `phones` | `telephoneNumber` (work, other, untyped), `mobile`, `homePhone`, `facsimileTelephoneNumber` (fax) (+ `zszoScimContact`) | type, primary and order in `zszoScimContact` |
//! | `department` | `departmentNumber` | |
//! | `organization` | `o` | |
//! | `manager` | `manager` | the manager's DN; the profile holds the id |
//! | `employment` | `zszoSchoolCode`, `zszoPrimarySchoolCode`, `eduPersonOrgUnitDN`, `eduPersonPrimaryOrgUnitDN` | |
//! | `employment_active` | `zszoEmploymentActive` | |
//! | (entry) `account_request` | `zszoAccountRequestedBy`, `zszoAccountRequestedAt` | both or neither; written by `accounts.rs` |
//!
//! Multi-valued attributes keep their order: a write sends the first value with `replace` and
//! the rest with `add` in the same Modify, and slapd (no `sortvals` on them) keeps that order.

use super::mapping::{attr, generalized_time, AddAttr, Reader, META_ATTRS};
use super::names::Layout;
use crate::domain::query::PhoneKind;
use crate::domain::{
    AccountState, EmployeeNumber, FamilyName, GivenName, LoginName, PersonName, Position,
    SchoolCode,
};
use crate::ports::{
    AccountRequest, ContactEmail, ContactPhone, DirectoryResult, Employment, NewPerson,
    PersonEntry, PersonProfile, ReadSnapshot,
};
use ldap3::{Mod, SearchEntry};
use std::collections::HashSet;
use time::OffsetDateTime;

/// `pwdAccountLockedTime` value that ppolicy treats as a permanent lock (slapo-ppolicy(5)):
/// the bind is refused until the value is removed.
pub const PERMANENT_LOCK: &str = "000001010000Z";

/// Attributes requested when reading a person.
pub const PERSON_ATTRS: &[&str] = &[
    META_ATTRS[0],
    META_ATTRS[1],
    META_ATTRS[2],
    META_ATTRS[3],
    "uid",
    "givenName",
    "sn",
    "displayName",
    "cn",
    "employeeNumber",
    "title",
    "mail",
    "telephoneNumber",
    "mobile",
    "homePhone",
    "facsimileTelephoneNumber",
    "zszoScimContact",
    "zszoFormattedName",
    "departmentNumber",
    "o",
    "manager",
    "memberOf",
    "zszoSchoolCode",
    "zszoPrimarySchoolCode",
    "zszoEmploymentActive",
    "zszoAccountState",
    "zszoExternalUserName",
    "zszoExternalId",
    "zszoAccountRequestedBy",
    "zszoAccountRequestedAt",
    "zszoInitialPasswordExpiry",
    "zszoAccountActivatedAt",
];

/// `zszoSearchName`: the lower-case ASCII-folded "given family", so a search for "lukasz
/// zolc" finds "Łukasz Żółć" (deunicode does the folding). One value: every search through
/// it looks for words, in any order (`domain::query::name_search`, `ldap::render`), and each
/// value's substring keys cost every add (entries written before issue 17 also carry
/// "family given", which only widens what the index finds; slapd's exact test decides).
pub fn search_name(name: &PersonName) -> String {
    let fold = |s: &str| deunicode::deunicode(s).to_lowercase();
    let (given, family) = (fold(name.given.as_str()), fold(name.family.as_str()));
    format!("{given} {family}")
}

fn opt(value: Option<&str>) -> Vec<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| vec![v.to_owned()])
        .unwrap_or_default()
}

/// Trimmed, without blanks, without case-insensitive repeats, in order.
fn distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = HashSet::new();
    values
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty() && seen.insert(v.to_lowercase()))
        .map(str::to_owned)
        .collect()
}

/// Every HR-owned attribute with its values in order (empty = absent). `manager_dn` is the
/// resolved `profile.manager`.
pub fn hr_values(
    profile: &PersonProfile,
    layout: &Layout,
    manager_dn: Option<&str>,
) -> Vec<(&'static str, Vec<String>)> {
    let name = &profile.name;
    let schools: Vec<&SchoolCode> = profile.employment.all().collect();
    let primary_first = |primary: bool| if primary { 0 } else { 1 };
    let mut emails: Vec<&ContactEmail> = profile.emails.iter().collect();
    emails.sort_by_key(|e| primary_first(e.primary));
    let mut phones: Vec<&ContactPhone> = profile.phones.iter().collect();
    phones.sort_by_key(|p| primary_first(p.primary));
    let phones_of = |kinds: &[Option<PhoneKind>]| {
        distinct(
            phones
                .iter()
                .filter(|p| kinds.contains(&p.kind))
                .map(|p| p.value.as_str()),
        )
    };
    vec![
        ("cn", vec![name.full()]),
        ("sn", vec![name.family.to_string()]),
        ("givenName", vec![name.given.to_string()]),
        ("displayName", opt(profile.display_name.as_deref())),
        ("zszoSearchName", vec![search_name(name)]),
        ("zszoExternalUserName", opt(profile.user_name.as_deref())),
        ("zszoExternalId", opt(profile.external_id.as_deref())),
        (
            "employeeNumber",
            opt(profile.employee_number.as_ref().map(|n| n.as_str())),
        ),
        ("title", opt(profile.position.as_ref().map(|p| p.as_str()))),
        // HR's addresses are kept in zszoHrMail; `mail` follows them only until the person
        // confirms an address in the portal (`LdapDirectory::update_person_impl`).
        ("mail", distinct(emails.iter().map(|e| e.value.as_str()))),
        (
            "zszoHrMail",
            distinct(emails.iter().map(|e| e.value.as_str())),
        ),
        (
            "zszoScimContact",
            super::contacts::encode(&profile.emails, &profile.phones),
        ),
        ("zszoFormattedName", opt(profile.formatted_name.as_deref())),
        (
            "telephoneNumber",
            phones_of(&[Some(PhoneKind::Work), Some(PhoneKind::Other), None]),
        ),
        ("mobile", phones_of(&[Some(PhoneKind::Mobile)])),
        ("homePhone", phones_of(&[Some(PhoneKind::Home)])),
        (
            "facsimileTelephoneNumber",
            phones_of(&[Some(PhoneKind::Fax)]),
        ),
        ("departmentNumber", opt(profile.department.as_deref())),
        ("o", opt(profile.organization.as_deref())),
        ("manager", opt(manager_dn)),
        (
            "zszoSchoolCode",
            schools.iter().map(|c| c.as_str().to_owned()).collect(),
        ),
        (
            "zszoPrimarySchoolCode",
            vec![profile.employment.primary.as_str().to_owned()],
        ),
        (
            "eduPersonOrgUnitDN",
            schools.iter().map(|c| layout.school_dn(c)).collect(),
        ),
        (
            "eduPersonPrimaryOrgUnitDN",
            vec![layout.school_dn(&profile.employment.primary)],
        ),
        (
            "zszoEmploymentActive",
            vec![if profile.employment_active {
                "TRUE"
            } else {
                "FALSE"
            }
            .to_owned()],
        ),
    ]
}

/// HR attributes whose schema has no EQUALITY matching rule (core.schema).
const NO_EQUALITY: [&str; 1] = ["facsimileTelephoneNumber"];

/// Modifications that make the attributes exactly `values`, keeping their order: `replace`
/// with the first value (or none, which deletes the attribute), then one `add` per further value, in order.
pub fn replace_mods(values: Vec<(&'static str, Vec<String>)>) -> Vec<Mod<String>> {
    let mut mods = Vec::new();
    for (name, mut values) in values {
        // An attribute without an EQUALITY rule cannot take an `add` of further values
        // (slapd: inappropriateMatching): all of them in one `replace`; their order is the
        // directory's, and `zszoScimContact` keeps the client's.
        if NO_EQUALITY.contains(&name) {
            mods.push(Mod::Replace(name.to_owned(), values.into_iter().collect()));
            continue;
        }
        let rest: Vec<String> = values.drain(1.min(values.len())..).collect();
        mods.push(Mod::Replace(name.to_owned(), values.into_iter().collect()));
        // One `add` per value: a set of several would lose their order.
        for value in rest {
            mods.push(Mod::Add(name.to_owned(), HashSet::from([value])));
        }
    }
    mods
}

/// Every attribute of a new person's entry.
pub fn person_attrs(
    person: &NewPerson,
    layout: &Layout,
    eppn_scope: &str,
    manager_dn: Option<&str>,
    now: OffsetDateTime,
) -> Vec<AddAttr> {
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
        attr("zszoAccountState", [state.as_str()]),
        attr("eduPersonAffiliation", ["staff", "employee"]),
        attr(
            "eduPersonPrincipalName",
            [format!("{}@{eppn_scope}", person.login)],
        ),
    ];
    attrs.extend(
        hr_values(&person.profile, layout, manager_dn)
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, values)| attr(name, values)),
    );
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
        if !person.profile.employment_active {
            attrs.push(attr("pwdAccountLockedTime", [PERMANENT_LOCK]));
        }
    }
    attrs
}

/// A parsed person entry whose DN-valued links are not resolved to ids yet: `manager` is
/// `None` and `groups` empty in `person` until the adapter resolves `manager_dn` and
/// `member_of` (one search for a whole page).
#[derive(Debug, Clone)]
pub struct PersonRaw {
    pub person: PersonEntry,
    pub manager_dn: Option<String>,
    pub member_of: Vec<String>,
}

pub fn person_from_entry(entry: &SearchEntry) -> DirectoryResult<PersonRaw> {
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
    let described = r.values("zszoScimContact");
    let emails = super::contacts::emails(described, r.values("mail"));
    let by_attr: Vec<(PhoneKind, &[String])> = super::contacts::PHONE_ATTRS
        .iter()
        .map(|(name, kind)| (*kind, r.values(name)))
        .collect();
    let phones = super::contacts::phones(described, &by_attr);
    let first = |name: &str| r.values(name).first().cloned();
    let active = match r.optional("zszoEmploymentActive")? {
        None => true,
        Some(v) if v.eq_ignore_ascii_case("TRUE") => true,
        Some(v) if v.eq_ignore_ascii_case("FALSE") => false,
        Some(_) => return Err(r.bad("zszoEmploymentActive", "is not a Boolean")),
    };
    let profile = PersonProfile {
        name: PersonName {
            given: r.parse("givenName", GivenName::parse)?,
            family: r.parse("sn", FamilyName::parse)?,
        },
        display_name: first("displayName"),
        formatted_name: first("zszoFormattedName"),
        user_name: r.optional("zszoExternalUserName")?.map(str::to_owned),
        external_id: r.optional("zszoExternalId")?.map(str::to_owned),
        employee_number: r.parse_optional("employeeNumber", EmployeeNumber::parse)?,
        position: r.parse_optional("title", Position::parse)?,
        emails,
        phones,
        department: first("departmentNumber"),
        organization: first("o"),
        manager: None,
        employment: Employment { primary, others },
        employment_active: active,
    };
    let person = PersonEntry {
        entry: r.entry_ref()?,
        login: r.parse("uid", LoginName::parse)?,
        profile,
        account_state: r.parse("zszoAccountState", AccountState::parse)?,
        groups: Vec::new(),
        meta: r.meta()?,
        account_request: match r.optional("zszoAccountRequestedAt")? {
            None => None,
            Some(_) => Some(AccountRequest {
                by: first("zszoAccountRequestedBy").unwrap_or_default(),
                at: r.time("zszoAccountRequestedAt")?,
            }),
        },
        initial_password_expires: match r.optional("zszoInitialPasswordExpiry")? {
            None => None,
            Some(_) => Some(r.time("zszoInitialPasswordExpiry")?),
        },
        activated_at: match r.optional("zszoAccountActivatedAt")? {
            None => None,
            Some(_) => Some(r.time("zszoAccountActivatedAt")?),
        },
        snapshot: ReadSnapshot::default(),
    };
    Ok(PersonRaw {
        person,
        manager_dn: r.optional("manager")?.map(str::to_owned),
        member_of: r.all("memberOf"),
    })
}

/// The name a person is shown with in references (group members): `displayName`, else `cn`.
pub fn person_display_name(entry: &SearchEntry) -> String {
    let r = Reader(entry);
    r.values("displayName")
        .first()
        .or_else(|| r.values("cn").first())
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "person_map_tests.rs"]
mod tests;
