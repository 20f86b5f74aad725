//! Entries ↔ domain types: the attributes written for a new school or person, and the parsing
//! of search results back into `SchoolEntry` / `PersonEntry`.
//!
//! Invariant: every attribute read from slapd goes through the domain parser for its type; an
//! entry that does not parse is `DirectoryError::Other` naming the DN and the attribute, never a
//! panic and never a half-filled value. Attribute names are matched case-insensitively.

use crate::domain::{ParseError, School, SchoolCode, SchoolName};
use crate::ports::{DirectoryError, DirectoryResult, EntryMeta, EntryRef, SchoolEntry};
use ldap3::SearchEntry;
use std::collections::HashSet;
use time::OffsetDateTime;

/// Attributes requested when reading a school (`entryUUID` is operational: ask for it).
pub const SCHOOL_ATTRS: &[&str] = &["entryUUID", "zszoSchoolCode", "displayName"];

/// One attribute for an LDAP Add.
pub type AddAttr = (String, HashSet<String>);

pub fn attr<I, S>(name: &str, values: I) -> AddAttr
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

/// Parses GeneralizedTime as slapd writes it (`YYYYMMDDHHMMSSZ`, optionally with a fraction
/// such as `.123456` before the `Z`); `None` for anything else.
pub fn parse_generalized_time(raw: &str) -> Option<OffsetDateTime> {
    let digits = raw.strip_suffix('Z')?;
    let (main, _fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if main.len() != 14 || !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| main[r].parse::<u32>().ok();
    let month = time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(n(0..4)?).ok()?, month, n(6..8)? as u8)
        .ok()?;
    let t = time::Time::from_hms(n(8..10)? as u8, n(10..12)? as u8, n(12..14)? as u8).ok()?;
    Some(date.with_time(t).assume_utc())
}

/// Operational attributes every read asks for, to fill [`EntryMeta`].
pub const META_ATTRS: [&str; 4] = [
    "entryUUID",
    "createTimestamp",
    "modifyTimestamp",
    "entryCSN",
];

/// Case-insensitive attribute access with errors that name the entry and the attribute.
pub(crate) struct Reader<'a>(pub &'a SearchEntry);

impl<'a> Reader<'a> {
    pub(crate) fn values(&self, name: &str) -> &'a [String] {
        self.0
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or(&[], |(_, v)| v.as_slice())
    }

    pub(crate) fn bad(&self, name: &str, why: impl std::fmt::Display) -> DirectoryError {
        DirectoryError::Other(format!("entry {:?}: attribute {name}: {why}", self.0.dn))
    }

    pub(crate) fn optional(&self, name: &str) -> DirectoryResult<Option<&'a str>> {
        match self.values(name) {
            [] => Ok(None),
            [one] => Ok(Some(one.as_str())),
            _ => Err(self.bad(name, "has several values, expected one")),
        }
    }

    pub(crate) fn required(&self, name: &str) -> DirectoryResult<&'a str> {
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

    pub(crate) fn parse<T>(
        &self,
        name: &str,
        parser: impl Fn(&str) -> Result<T, ParseError>,
    ) -> DirectoryResult<T> {
        parser(self.required(name)?).map_err(|e| self.bad(name, e))
    }

    pub(crate) fn parse_optional<T>(
        &self,
        name: &str,
        parser: impl Fn(&str) -> Result<T, ParseError>,
    ) -> DirectoryResult<Option<T>> {
        self.optional(name)?
            .map(|v| parser(v).map_err(|e| self.bad(name, e)))
            .transpose()
    }

    pub(crate) fn entry_ref(&self) -> DirectoryResult<EntryRef> {
        Ok(EntryRef {
            id: self.required("entryUUID")?.to_owned(),
            dn: self.0.dn.clone(),
        })
    }
}

impl Reader<'_> {
    pub(crate) fn time(&self, name: &str) -> DirectoryResult<OffsetDateTime> {
        let raw = self.required(name)?;
        parse_generalized_time(raw).ok_or_else(|| self.bad(name, "is not a GeneralizedTime"))
    }

    pub(crate) fn meta(&self) -> DirectoryResult<EntryMeta> {
        Ok(EntryMeta {
            created: self.time("createTimestamp")?,
            modified: self.time("modifyTimestamp")?,
            version: self.required("entryCSN")?.to_owned(),
        })
    }

    /// Every value of a multi-valued text attribute, in the order slapd returned them.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.values(name).to_vec()
    }
}

pub fn school_from_entry(entry: &SearchEntry) -> DirectoryResult<SchoolEntry> {
    let r = Reader(entry);
    Ok(SchoolEntry {
        entry: r.entry_ref()?,
        school: School {
            code: r.parse("zszoSchoolCode", SchoolCode::parse)?,
            name: r.parse("displayName", SchoolName::parse)?,
        },
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
