//! Domain search filters (`Filter<PersonAttr|GroupAttr>`) → LDAP filters that slapd
//! evaluates. Built only from `names::Filter`, so every value is escaped (RFC 4515) and every
//! attribute name is static.
//!
//! | domain | LDAP |
//! |---|---|
//! | `eq` / `ne` | `(a=v)` / `(!(a=v))` |
//! | `co` / `sw` / `ew` | `(a=*v*)` / `(a=v*)` / `(a=*v)` |
//! | `ge` / `le` | `(a>=v)` / `(a<=v)` |
//! | `gt` / `lt` | `(&(a>=v)(!(a=v)))` / `(&(a<=v)(!(a=v)))` |
//! | `pr` | `(a=*)` |
//!
//! Attributes: id → `entryUUID`, userName → `zszoExternalUserName`, emails → `mail` (LDAP
//! has no types: every address is `work`, so `home`/`other` match nothing), phones by type
//! (untyped: any of the four attributes), active → `zszoEmploymentActive` (`TRUE`/`FALSE`),
//! created/lastModified → `createTimestamp`/`modifyTimestamp` (GeneralizedTime), manager and
//! group members → the DN resolved from the id (an unknown id matches nothing), login →
//! `uid`, schools → `zszoSchoolCode`, searchName → `zszoSearchName` with the value folded
//! like the stored one (so "lukasz" matches "Łukasz").
//!
//! Ordering (`gt ge lt le`) works where the schema has an ORDERING rule (timestamps,
//! `zszoExternalUserName`, `zszoExternalId`); on other text attributes (names, mail, title …)
//! slapd evaluates it as Undefined, so it matches nothing.

use super::mapping::generalized_time;
use super::names::Filter;
use crate::domain::query::{
    CompareOp, EmailKind, Filter as DomainFilter, GroupAttr, GroupFilter, PersonAttr, PersonFilter,
    PhoneKind, Value,
};
use crate::ports::{DirectoryResult, SchoolScope};
use std::collections::HashMap;

/// Resolved DNs of the ids a filter mentions (manager, member); absent = unknown id.
pub type IdDns = HashMap<String, String>;

/// Where a domain attribute lives: one or more LDAP attributes, or nowhere (matches nothing).
fn person_attrs(attr: PersonAttr) -> &'static [&'static str] {
    match attr {
        PersonAttr::Id => &["entryUUID"],
        PersonAttr::UserName => &["zszoExternalUserName"],
        PersonAttr::ExternalId => &["zszoExternalId"],
        PersonAttr::GivenName => &["givenName"],
        PersonAttr::FamilyName => &["sn"],
        PersonAttr::DisplayName => &["displayName"],
        PersonAttr::Email(None | Some(EmailKind::Work)) => &["mail"],
        PersonAttr::Email(Some(EmailKind::Home | EmailKind::Other)) => &[],
        PersonAttr::PhoneNumber(None) => &[
            "telephoneNumber",
            "mobile",
            "homePhone",
            "facsimileTelephoneNumber",
        ],
        PersonAttr::PhoneNumber(Some(PhoneKind::Work)) => &["telephoneNumber"],
        PersonAttr::PhoneNumber(Some(PhoneKind::Mobile)) => &["mobile"],
        PersonAttr::PhoneNumber(Some(PhoneKind::Home)) => &["homePhone"],
        PersonAttr::PhoneNumber(Some(PhoneKind::Fax)) => &["facsimileTelephoneNumber"],
        // Stored in telephoneNumber and read back as work: nothing is "other" in LDAP.
        PersonAttr::PhoneNumber(Some(PhoneKind::Other)) => &[],
        PersonAttr::Title | PersonAttr::Position => &["title"],
        PersonAttr::Active => &["zszoEmploymentActive"],
        PersonAttr::EmployeeNumber => &["employeeNumber"],
        PersonAttr::Department => &["departmentNumber"],
        PersonAttr::Organization => &["o"],
        PersonAttr::Manager => &["manager"],
        PersonAttr::SchoolCode => &["zszoSchoolCode"],
        PersonAttr::PrimarySchoolCode => &["zszoPrimarySchoolCode"],
        PersonAttr::Login => &["uid"],
        PersonAttr::AccountState => &["zszoAccountState"],
        PersonAttr::AccountRequested => &["zszoAccountRequestedAt"],
        PersonAttr::Created => &["createTimestamp"],
        PersonAttr::LastModified => &["modifyTimestamp"],
        PersonAttr::SearchName => &["zszoSearchName"],
    }
}

fn group_attrs(attr: GroupAttr) -> &'static [&'static str] {
    match attr {
        GroupAttr::Id => &["entryUUID"],
        GroupAttr::DisplayName => &["cn"],
        GroupAttr::ExternalId => &["zszoExternalId"],
        GroupAttr::Member => &["member"],
        GroupAttr::Created => &["createTimestamp"],
        GroupAttr::LastModified => &["modifyTimestamp"],
    }
}

/// The LDAP attribute a sort on `attr` uses (the first of its attributes).
pub fn person_sort_attr(attr: PersonAttr) -> &'static str {
    person_attrs(attr).first().copied().unwrap_or("entryUUID")
}

pub fn group_sort_attr(attr: GroupAttr) -> &'static str {
    group_attrs(attr).first().copied().unwrap_or("entryUUID")
}

/// Whether `raw` has the form of an `entryUUID` (8-4-4-4-12 hex digits); any other value
/// cannot match one.
pub fn is_uuid(raw: &str) -> bool {
    let groups: Vec<&str> = raw.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What kind of value the LDAP side holds.
#[derive(Clone, Copy)]
enum Target {
    Text,
    Uuid,
    /// A DN resolved from an id.
    Reference,
}

impl Target {
    /// What the LDAP attributes a domain attribute lives in hold.
    fn of(ldap_attrs: &[&str]) -> Self {
        match ldap_attrs {
            ["entryUUID"] => Target::Uuid,
            // A person's manager, a group's members: DNs, compared with the DN an id names.
            ["manager"] | ["member"] => Target::Reference,
            _ => Target::Text,
        }
    }
}

/// `<op> value` on any of `attrs`, the LDAP attributes a domain attribute lives in.
fn compare(
    attrs: &[&'static str],
    op: CompareOp,
    value: &Value,
    ids: &IdDns,
) -> DirectoryResult<Filter> {
    let text = match (Target::of(attrs), value) {
        (Target::Reference, Value::Str(id)) => match ids.get(id) {
            Some(dn) => dn.clone(),
            None => return Ok(negate_if(op, Filter::none())),
        },
        (Target::Uuid, Value::Str(id)) if !is_uuid(id) => return Ok(negate_if(op, Filter::none())),
        (_, Value::Str(s)) => s.clone(),
        (_, Value::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        (_, Value::DateTime(t)) => generalized_time(*t),
    };
    let one = |a: &'static str| -> Filter {
        let v = text.clone();
        let substring = |exact: Filter| match folded_name_part(a, op, &v) {
            // The indexed part first: slapd takes the candidates from its index and then
            // evaluates the whole filter on them, so the result is the exact assertion's.
            Some(indexed) => Filter::and([indexed, exact]),
            None => exact,
        };
        match op {
            CompareOp::Eq | CompareOp::Ne => Filter::eq(a, v),
            CompareOp::Contains => substring(Filter::contains(a, v.clone())),
            CompareOp::StartsWith => substring(Filter::starts_with(a, v.clone())),
            CompareOp::EndsWith => substring(Filter::ends_with(a, v.clone())),
            CompareOp::Ge => Filter::Ge(a, v),
            CompareOp::Le => Filter::Le(a, v),
            CompareOp::Gt => Filter::and([Filter::Ge(a, v.clone()), Filter::not(Filter::eq(a, v))]),
            CompareOp::Lt => Filter::and([Filter::Le(a, v.clone()), Filter::not(Filter::eq(a, v))]),
        }
    };
    let any = any_of(attrs.iter().map(|a| one(a)).collect());
    Ok(negate_if(op, any))
}

/// The substring test on `zszoSearchName` (the one substring-indexed name attribute,
/// schemas/ldap/README.md) that every person matching `attr <op> value` passes: the value's
/// folded words, in order, the first anchored at the start when the given name starts with
/// the value ("given family"). It is a necessary condition only, never the whole test;
/// `None` for other attributes and when nothing of the value survives folding (the exact
/// assertion alone then, unindexed). Only `subinitial` and `subany` keys are indexed, so the
/// test never has a final component.
///
/// Why it is a superset: folding (`fold_search_text`) transliterates character by character
/// and lower-cases, so a name containing the value (as slapd compares, case-insensitively)
/// folds to a text containing each folded word of the value, in order; whitespace is only
/// split on, never required.
fn folded_name_part(attr: &'static str, op: CompareOp, value: &str) -> Option<Filter> {
    if !matches!(attr, "givenName" | "sn") {
        return None;
    }
    if !matches!(
        op,
        CompareOp::Contains | CompareOp::StartsWith | CompareOp::EndsWith
    ) {
        return None;
    }
    let folded = fold_search_text(value);
    let mut any: Vec<String> = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if any.is_empty() {
        return None;
    }
    let initial = (attr == "givenName" && op == CompareOp::StartsWith).then(|| any.remove(0));
    Some(Filter::Substring {
        attr: "zszoSearchName",
        initial,
        any,
        last: None,
    })
}

fn negate_if(op: CompareOp, f: Filter) -> Filter {
    if op == CompareOp::Ne {
        Filter::not(f)
    } else {
        f
    }
}

fn any_of(mut parts: Vec<Filter>) -> Filter {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        Filter::Or(parts)
    }
}

/// Renders one comparison of an attribute with a value.
type Leaf<'a, A> = dyn Fn(A, CompareOp, &Value) -> DirectoryResult<Filter> + 'a;

/// Renders `f`: presence of an attribute in any of its LDAP attributes (`attrs_of`),
/// comparisons by `leaf`.
fn render<A: Copy>(
    f: &DomainFilter<A>,
    attrs_of: fn(A) -> &'static [&'static str],
    leaf: &Leaf<'_, A>,
) -> DirectoryResult<Filter> {
    Ok(match f {
        DomainFilter::And(items) => Filter::And(
            items
                .iter()
                .map(|i| render(i, attrs_of, leaf))
                .collect::<Result<_, _>>()?,
        ),
        DomainFilter::Or(items) => Filter::Or(
            items
                .iter()
                .map(|i| render(i, attrs_of, leaf))
                .collect::<Result<_, _>>()?,
        ),
        DomainFilter::Not(inner) => Filter::not(render(inner, attrs_of, leaf)?),
        DomainFilter::Present(a) => present(attrs_of(*a)),
        DomainFilter::Compare(a, op, v) => leaf(*a, *op, v)?,
    })
}

fn present(attrs: &[&'static str]) -> Filter {
    any_of(attrs.iter().map(|a| Filter::present(a)).collect())
}

/// Renders a person filter; `ids` holds the DNs of the manager ids it mentions.
pub fn person_filter(f: &PersonFilter, ids: &IdDns) -> DirectoryResult<Filter> {
    render(f, person_attrs, &|attr, op, value| {
        let attrs = person_attrs(attr);
        if attr == PersonAttr::SearchName {
            if let Value::Str(text) = value {
                let folded = fold_search_text(text);
                if folded.is_empty() && op == CompareOp::Contains {
                    // Nothing left to look for (e.g. only symbols without a transliteration).
                    return Ok(present(attrs));
                }
                return compare(attrs, op, &Value::Str(folded), ids);
            }
        }
        compare(attrs, op, value, ids)
    })
}

/// Folds text as `zszoSearchName` is stored (`person_map::search_name`): ASCII
/// transliteration (ł→l, ż→z …), lower case, single spaces.
pub fn fold_search_text(text: &str) -> String {
    // Words first: deunicode drops tabs and may turn other characters into spaces.
    let folded: Vec<String> = text
        .split_whitespace()
        .map(|w| deunicode::deunicode(w).to_lowercase())
        .collect();
    folded
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders a group filter; `ids` holds the DNs of the member ids it mentions.
pub fn group_filter(f: &GroupFilter, ids: &IdDns) -> DirectoryResult<Filter> {
    render(f, group_attrs, &|attr, op, value| {
        compare(group_attrs(attr), op, value, ids)
    })
}

/// The ids a filter compares a reference attribute (`manager`, `member`) with.
pub fn referenced_ids<A: Copy>(f: &DomainFilter<A>, is_reference: fn(A) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    collect_ids(f, is_reference, &mut out);
    out
}

fn collect_ids<A: Copy>(f: &DomainFilter<A>, is_ref: fn(A) -> bool, out: &mut Vec<String>) {
    match f {
        DomainFilter::And(items) | DomainFilter::Or(items) => {
            items.iter().for_each(|i| collect_ids(i, is_ref, out))
        }
        DomainFilter::Not(inner) => collect_ids(inner, is_ref, out),
        DomainFilter::Compare(a, _, Value::Str(id)) if is_ref(*a) => out.push(id.clone()),
        DomainFilter::Compare(..) | DomainFilter::Present(_) => {}
    }
}

/// People of any school in the scope; `None` for every school.
pub fn scope_filter(scope: &SchoolScope) -> Option<Filter> {
    match scope {
        SchoolScope::All => None,
        SchoolScope::Only(codes) => Some(Filter::Or(
            codes
                .iter()
                .map(|c| Filter::eq("zszoSchoolCode", c.as_str()))
                .collect(),
        )),
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
