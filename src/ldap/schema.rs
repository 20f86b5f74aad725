//! Is the directory's ZSZO schema the one this binary was built with?
//!
//! `schemas/ldap/zszo.ldif` carries its own version in the description of the marker
//! attribute type `zszoSchemaVersion` ("schema version N"); the file is compiled into the
//! binary. `check-config` reads the directory's subschema subentry (`cn=Subschema`,
//! RFC 4512 §4.2) and compares: the version, and every ZSZO attribute type and object class
//! by name, so an operator who upgraded the daemon but not the schema is told what to load
//! before the first write fails.

use super::names::{Filter, SUBSCHEMA_DN};
use super::LdapDirectory;
use crate::ports::{DirectoryError, DirectoryResult};
use ldap3::Scope;
use std::collections::BTreeSet;

/// The schema file this binary was built with.
pub const ZSZO_SCHEMA_LDIF: &str = include_str!("../../schemas/ldap/zszo.ldif");

const MARKER: &str = "zszoSchemaVersion";
const VERSION_WORDS: &str = "schema version ";

/// What a schema defines, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaSummary {
    /// The marker's version; `None` when the marker is absent (a schema before versioning).
    pub version: Option<u32>,
    pub attribute_types: BTreeSet<String>,
    pub object_classes: BTreeSet<String>,
}

/// The directory's schema compared with the binary's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaCheck {
    Same {
        version: u32,
    },
    /// The directory lacks definitions this binary needs, or has an older version.
    Older {
        directory: Option<u32>,
        binary: u32,
        missing: Vec<String>,
    },
    /// The directory's schema is newer than the binary's (fine before a daemon upgrade).
    Newer {
        directory: u32,
        binary: u32,
    },
}

impl SchemaSummary {
    /// The binary's own schema.
    pub fn of_binary() -> Self {
        parse_definitions(
            unfold(ZSZO_SCHEMA_LDIF)
                .iter()
                .filter_map(|line| line.split_once(": "))
                .map(|(key, value)| (key.trim(), value.trim())),
            "olcAttributeTypes",
            "olcObjectClasses",
        )
    }

    /// The ZSZO part of a subschema subentry, from its `attributeTypes` and `objectClasses`.
    pub fn of_subschema<'a>(
        attribute_types: impl IntoIterator<Item = &'a str>,
        object_classes: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let pairs = attribute_types
            .into_iter()
            .map(|v| ("attributeTypes", v))
            .chain(object_classes.into_iter().map(|v| ("objectClasses", v)));
        parse_definitions(pairs, "attributeTypes", "objectClasses")
    }

    /// Compares the directory's schema (`self`) with `binary`.
    pub fn compare(&self, binary: &SchemaSummary) -> SchemaCheck {
        let binary_version = binary.version.unwrap_or(0);
        let missing: Vec<String> = binary
            .attribute_types
            .difference(&self.attribute_types)
            .chain(binary.object_classes.difference(&self.object_classes))
            .cloned()
            .collect();
        match self.version {
            Some(v) if v > binary_version => SchemaCheck::Newer {
                directory: v,
                binary: binary_version,
            },
            Some(v) if v == binary_version && missing.is_empty() => {
                SchemaCheck::Same { version: v }
            }
            directory => SchemaCheck::Older {
                directory,
                binary: binary_version,
                missing,
            },
        }
    }
}

impl LdapDirectory {
    /// Reads the directory's subschema subentry and compares it with the binary's schema.
    pub async fn check_schema(&self) -> DirectoryResult<SchemaCheck> {
        let found = self
            .pool()
            .search(
                SUBSCHEMA_DN,
                Scope::Base,
                &Filter::object_class("subschema"),
                &["attributeTypes", "objectClasses"],
            )
            .await?;
        let entry = found
            .into_iter()
            .next()
            .ok_or_else(|| DirectoryError::NotFound(SUBSCHEMA_DN.into()))?;
        let values = |name: &str| entry.attrs.get(name).cloned().unwrap_or_default();
        let (types, classes) = (values("attributeTypes"), values("objectClasses"));
        let directory = SchemaSummary::of_subschema(
            types.iter().map(String::as_str),
            classes.iter().map(String::as_str),
        );
        Ok(directory.compare(&SchemaSummary::of_binary()))
    }
}

/// LDIF lines with their continuations (a line starting with one space) joined.
fn unfold(ldif: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in ldif.lines() {
        if let Some(rest) = line.strip_prefix(' ') {
            if let Some(last) = lines.last_mut() {
                last.push_str(rest);
                continue;
            }
        }
        if !line.starts_with('#') {
            lines.push(line.to_owned());
        }
    }
    lines
}

fn parse_definitions<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    types_key: &str,
    classes_key: &str,
) -> SchemaSummary {
    let mut summary = SchemaSummary::default();
    for (key, definition) in pairs {
        let names: Vec<String> = names_of(definition)
            .into_iter()
            .filter(|n| n.starts_with("zszo"))
            .collect();
        if key.eq_ignore_ascii_case(types_key) {
            if names.iter().any(|n| n == MARKER) {
                summary.version = version_in(definition);
            }
            summary.attribute_types.extend(names);
        } else if key.eq_ignore_ascii_case(classes_key) {
            summary.object_classes.extend(names);
        }
    }
    summary
}

/// The NAMEs of one definition (RFC 4512 §4.1: `NAME 'x'` or `NAME ( 'x' 'y' )`).
fn names_of(definition: &str) -> Vec<String> {
    let Some(start) = definition.find(" NAME ") else {
        return Vec::new();
    };
    let rest = definition[start + " NAME ".len()..].trim_start();
    let list = if let Some(inner) = rest.strip_prefix('(') {
        inner.split(')').next().unwrap_or("")
    } else {
        rest.split_whitespace().next().unwrap_or("")
    };
    list.split_whitespace()
        .map(|n| n.trim_matches('\'').to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

fn version_in(definition: &str) -> Option<u32> {
    let at = definition.find(VERSION_WORDS)? + VERSION_WORDS.len();
    let digits: String = definition[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Every version of `zszo.ldif`'s definitions, by the SHA-256 of the file. Changing the
    /// file without raising the marker's version fails here: add the new pair (and say what
    /// changed in `schemas/ldap/README.md`).
    const RELEASED: &[(u32, &str)] = &[(
        2,
        "a85ae8e3345837841ad8c0468ec79dad1b6de2a9eb1fea07124c30802494e5bb",
    )];

    #[test]
    fn the_binary_knows_its_schema_version_and_names() {
        let own = SchemaSummary::of_binary();
        assert!(own.version.is_some_and(|v| v >= 2), "{own:?}");
        assert!(own.attribute_types.contains("zszoSchoolCode"));
        assert!(own.attribute_types.contains(MARKER));
        assert!(own.object_classes.contains("zszoPerson"));
    }

    #[test]
    fn a_changed_schema_file_needs_a_new_version() {
        let version = SchemaSummary::of_binary().version.unwrap_or(0);
        let digest = hex::encode(Sha256::digest(ZSZO_SCHEMA_LDIF.as_bytes()));
        if RELEASED.contains(&(version, digest.as_str())) {
            return;
        }
        let released = RELEASED.iter().any(|(v, _)| *v == version);
        let what = if released {
            format!(
                "raise the version in zszoSchemaVersion's description to {}, then add",
                version + 1
            )
        } else {
            "add".to_owned()
        };
        panic!(
            "schemas/ldap/zszo.ldif (schema version {version}) is not a known release: {what} \
             (version, \"{digest}\") to RELEASED and say what changed in schemas/ldap/README.md"
        );
    }

    #[test]
    fn names_are_read_from_both_forms() {
        assert_eq!(names_of("( 1.2 NAME 'zszoA' DESC 'x' )"), vec!["zszoA"]);
        assert_eq!(
            names_of("( 1.2 NAME ( 'zszoA' 'zszoB' ) DESC 'x' )"),
            vec!["zszoA", "zszoB"]
        );
        assert!(names_of("( 1.2 DESC 'no name' )").is_empty());
    }

    #[test]
    fn an_older_or_unversioned_directory_schema_is_reported_with_what_is_missing() {
        let binary = SchemaSummary::of_binary();
        let mut old = binary.clone();
        old.version = None;
        old.attribute_types.remove(MARKER);
        match old.compare(&binary) {
            SchemaCheck::Older {
                directory, missing, ..
            } => {
                assert_eq!(directory, None);
                assert_eq!(missing, vec![MARKER.to_owned()]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            binary.compare(&binary),
            SchemaCheck::Same {
                version: binary.version.unwrap()
            }
        );
        let mut newer = binary.clone();
        newer.version = binary.version.map(|v| v + 1);
        assert!(matches!(newer.compare(&binary), SchemaCheck::Newer { .. }));
    }

    #[test]
    fn a_subschema_entry_is_read_like_the_file() {
        let marker = "( 2.25.1.1.70 NAME 'zszoSchemaVersion' DESC 'ZSZO: schema version 7' \
                      EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )";
        let other = "( 2.5.4.3 NAME ( 'cn' 'commonName' ) SUP name )";
        let class = "( 2.25.1.2.1 NAME 'zszoPerson' SUP top AUXILIARY )";
        let s = SchemaSummary::of_subschema([marker, other], [class]);
        assert_eq!(s.version, Some(7));
        assert!(s.attribute_types.contains(MARKER) && !s.attribute_types.contains("cn"));
        assert!(s.object_classes.contains("zszoPerson"));
    }
}
