//! Fixtures shared by the adapter's unit tests: school codes, contacts, and entries as slapd
//! returns them from a search.

use crate::domain::query::{EmailKind, PhoneKind};
use crate::domain::SchoolCode;
use crate::ports::{ContactEmail, ContactPhone};
use ldap3::SearchEntry;
use std::collections::HashMap;

pub(super) fn code(s: &str) -> SchoolCode {
    SchoolCode::parse(s).unwrap()
}

pub(super) fn email(value: &str, kind: Option<EmailKind>, primary: bool) -> ContactEmail {
    ContactEmail {
        value: value.into(),
        kind,
        primary,
    }
}

pub(super) fn phone(value: &str, kind: Option<PhoneKind>, primary: bool) -> ContactPhone {
    ContactPhone {
        value: value.into(),
        kind,
        primary,
    }
}

/// An entry at `dn` with these text attributes (no binary ones).
pub(super) fn entry(dn: &str, attrs: &[(&str, &[&str])]) -> SearchEntry {
    SearchEntry {
        dn: dn.to_owned(),
        attrs: attrs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect(),
        bin_attrs: HashMap::new(),
    }
}
