//! Search filters in domain terms, independent of SCIM and LDAP.
//!
//! The SCIM edge (`crate::scim::filter`) parses filter text into a [`Filter`] over a closed
//! enum of attributes ([`PersonAttr`], [`GroupAttr`]); the LDAP adapter renders it into an
//! escaped LDAP filter (RFC 4515) that the directory evaluates. Nothing is evaluated in memory.
//!
//! Invariant: every `Compare` node the SCIM edge builds satisfies [`Attribute::supports`] and
//! carries a value of the attribute's [`ValueKind`]; the renderer may rely on it (and should
//! still refuse anything else rather than guess).
//!
//! | kind                  | attributes                                                           | comparisons |
//! |-----------------------|----------------------------------------------------------------------|-------------|
//! | `CaseIgnoreString`    | userName, externalId, names, displayName, emails, phones, title, department, organization, employeeNumber, schools, position, group displayName | all: eq ne co sw ew gt ge lt le, pr |
//! | `Id`                  | id, manager, group members                                           | eq ne, pr |
//! | `Bool`                | active                                                               | eq ne, pr |
//! | `Enumeration`         | accountState (values of [`super::AccountState`])                     | eq ne, pr |
//! | `DateTime`            | created, lastModified                                                | eq ne gt ge lt le, pr |

use time::OffsetDateTime;

/// A boolean combination of attribute tests. `A` is [`PersonAttr`] or [`GroupAttr`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter<A> {
    And(Vec<Filter<A>>),
    Or(Vec<Filter<A>>),
    Not(Box<Filter<A>>),
    /// The attribute has at least one value.
    Present(A),
    Compare(A, CompareOp, Value),
}

pub type PersonFilter = Filter<PersonAttr>;
pub type GroupFilter = Filter<GroupAttr>;

impl<A> Filter<A> {
    /// Nesting depth: a single test is 1.
    pub fn depth(&self) -> usize {
        match self {
            Filter::And(items) | Filter::Or(items) => {
                1 + items.iter().map(Filter::depth).max().unwrap_or(0)
            }
            Filter::Not(inner) => 1 + inner.depth(),
            Filter::Present(_) | Filter::Compare(..) => 1,
        }
    }

    /// Every attribute the filter mentions, in order, with repetitions.
    pub fn attributes(&self) -> Vec<&A> {
        let mut out = Vec::new();
        self.collect_attributes(&mut out);
        out
    }

    fn collect_attributes<'a>(&'a self, out: &mut Vec<&'a A>) {
        match self {
            Filter::And(items) | Filter::Or(items) => {
                items.iter().for_each(|f| f.collect_attributes(out))
            }
            Filter::Not(inner) => inner.collect_attributes(out),
            Filter::Present(a) | Filter::Compare(a, _, _) => out.push(a),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Contains,
    StartsWith,
    EndsWith,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Contains,
        CompareOp::StartsWith,
        CompareOp::EndsWith,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    fn is_substring(self) -> bool {
        matches!(
            self,
            CompareOp::Contains | CompareOp::StartsWith | CompareOp::EndsWith
        )
    }
}

/// A typed comparison value. Strings are as sent (the directory's matching rules fold case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Bool(bool),
    DateTime(OffsetDateTime),
}

/// How an attribute's values compare, which decides the operators it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Case-insensitive text: equality, substrings and ordering.
    CaseIgnoreString,
    /// An entry id (`entryUUID`): equality only.
    Id,
    Bool,
    /// One of a closed set of words (account state): equality only.
    Enumeration,
    /// A timestamp: equality and ordering.
    DateTime,
}

impl ValueKind {
    pub fn supports(self, op: CompareOp) -> bool {
        match self {
            ValueKind::CaseIgnoreString => true,
            ValueKind::Id | ValueKind::Bool | ValueKind::Enumeration => {
                matches!(op, CompareOp::Eq | CompareOp::Ne)
            }
            ValueKind::DateTime => !op.is_substring(),
        }
    }

    /// Whether `value` has this kind's type (strings for text, ids and enumerations).
    pub fn accepts(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (
                ValueKind::CaseIgnoreString | ValueKind::Id | ValueKind::Enumeration,
                Value::Str(_)
            ) | (ValueKind::Bool, Value::Bool(_))
                | (ValueKind::DateTime, Value::DateTime(_))
        )
    }
}

/// What a filterable attribute enum tells the edges about itself.
pub trait Attribute {
    fn kind(&self) -> ValueKind;

    fn supports(&self, op: CompareOp) -> bool {
        self.kind().supports(op)
    }
}

/// The type of an email address (SCIM `emails.type`, RFC 7643 §4.1.2 canonical values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    Work,
    Home,
    Other,
}

impl EmailKind {
    pub const ALL: [EmailKind; 3] = [EmailKind::Work, EmailKind::Home, EmailKind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Work => "work",
            EmailKind::Home => "home",
            EmailKind::Other => "other",
        }
    }

    /// Case-insensitive; `None` for a value outside the canonical set.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// The type of a phone number (SCIM `phoneNumbers.type`, RFC 7643 §4.1.2 canonical values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    Work,
    Mobile,
    Home,
    Fax,
    Other,
}

impl PhoneKind {
    pub const ALL: [PhoneKind; 5] = [
        PhoneKind::Work,
        PhoneKind::Mobile,
        PhoneKind::Home,
        PhoneKind::Fax,
        PhoneKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PhoneKind::Work => "work",
            PhoneKind::Mobile => "mobile",
            PhoneKind::Home => "home",
            PhoneKind::Fax => "fax",
            PhoneKind::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// Filterable attributes of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonAttr {
    /// `entryUUID`.
    Id,
    /// The HR system's user name (often a UPN), not the ZSZO login.
    UserName,
    ExternalId,
    GivenName,
    FamilyName,
    DisplayName,
    /// An email address; `None` matches any type.
    Email(Option<EmailKind>),
    /// A phone number; `None` matches any type.
    PhoneNumber(Option<PhoneKind>),
    Title,
    /// Employment as HR sees it.
    Active,
    EmployeeNumber,
    Department,
    Organization,
    /// The manager's `id`.
    Manager,
    /// Any school the person works at.
    SchoolCode,
    PrimarySchoolCode,
    /// The position at the school (ZSZO extension).
    Position,
    /// The generated ZSZO login (`uid`).
    Login,
    AccountState,
    /// When an account was requested through SCIM and not issued yet (`zszoAccountRequestedAt`);
    /// present only while the request is pending (the panel's "to hand over" list).
    AccountRequested,
    Created,
    LastModified,
    /// The name folded to lower-case ASCII (`zszoSearchName`: "given family"; older entries also "family
    /// given"); the adapter folds the compared value the same way, so "lukasz" finds "Łukasz".
    SearchName,
}

impl Attribute for PersonAttr {
    fn kind(&self) -> ValueKind {
        match self {
            PersonAttr::Id | PersonAttr::Manager => ValueKind::Id,
            PersonAttr::Active => ValueKind::Bool,
            PersonAttr::AccountState => ValueKind::Enumeration,
            PersonAttr::Created | PersonAttr::LastModified | PersonAttr::AccountRequested => {
                ValueKind::DateTime
            }
            _ => ValueKind::CaseIgnoreString,
        }
    }
}

impl PersonAttr {
    /// Personal data in the sense of security.md SCIM-02 (names and contact details): the HTTP
    /// layer may refuse such filters in a GET query string and require `POST /.search`.
    pub fn is_personal(&self) -> bool {
        matches!(
            self,
            PersonAttr::GivenName
                | PersonAttr::FamilyName
                | PersonAttr::DisplayName
                | PersonAttr::SearchName
                | PersonAttr::Email(_)
                | PersonAttr::PhoneNumber(_)
        )
    }
}

/// A name search as a person types it ("lukasz nowak", "Nowak"): every word must occur in
/// the folded name, in any order (first name and/or surname). `None` for blank text.
pub fn name_search(text: &str) -> Option<PersonFilter> {
    let words: Vec<PersonFilter> = text
        .split_whitespace()
        .map(|w| {
            Filter::Compare(
                PersonAttr::SearchName,
                CompareOp::Contains,
                Value::Str(w.to_owned()),
            )
        })
        .collect();
    match words.len() {
        0 => None,
        1 => words.into_iter().next(),
        _ => Some(Filter::And(words)),
    }
}

/// Filterable attributes of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupAttr {
    Id,
    DisplayName,
    ExternalId,
    /// A member's `id`.
    Member,
    Created,
    LastModified,
}

impl Attribute for GroupAttr {
    fn kind(&self) -> ValueKind {
        match self {
            GroupAttr::Id | GroupAttr::Member => ValueKind::Id,
            GroupAttr::DisplayName | GroupAttr::ExternalId => ValueKind::CaseIgnoreString,
            GroupAttr::Created | GroupAttr::LastModified => ValueKind::DateTime,
        }
    }
}

impl PersonFilter {
    /// Whether at most one person can match: an equality on an attribute the directory keeps
    /// unique (`id`, `userName`, `externalId`: `slapo-unique` and entryUUID), alone or as one
    /// term of an `and`. Such searches need no paging (the adapter reads them in one pass).
    pub fn matches_at_most_one(&self) -> bool {
        match self {
            Filter::Compare(attr, CompareOp::Eq, _) => matches!(
                attr,
                PersonAttr::Id | PersonAttr::UserName | PersonAttr::ExternalId
            ),
            Filter::And(items) => items.iter().any(Filter::matches_at_most_one),
            _ => false,
        }
    }
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
