//! `compare-providers`: whether the providers of a replicated directory hold the same entries.
//!
//! A provider killed while it took writes can leave its peer short of a few acknowledged
//! writes for good (schemas/ldap/README.md "Two providers"), and nothing else tells: both
//! answer, and syncrepl reports no error. So each provider in `ldap.urls` is read on a
//! connection of its own, bound as the service identity (which reads every entry of the
//! directory, `src/slapd/acl.rs`), and every entry's `entryUUID`, DN and `entryCSN` (the
//! change that last wrote it) are compared with the first provider's.

use super::names::{dn_key, Filter};
use super::pool::{open_bound, LdapOptions};
use crate::ports::{DirectoryError, DirectoryResult};
use ldap3::adapters::EntriesOnly;
use ldap3::{Scope, SearchEntry};
use std::collections::BTreeMap;

/// One entry as a provider holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryState {
    /// The DN, normalised for comparison (`dn_key`).
    pub dn: String,
    pub csn: String,
}

/// Every entry of one provider, by `entryUUID`.
#[derive(Debug, Default)]
pub struct Inventory {
    pub entries: BTreeMap<String, EntryState>,
}

/// How a provider differs from the first one.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Differences {
    /// DNs the first provider holds and this one lacks.
    pub missing: Vec<String>,
    /// DNs this provider holds and the first one lacks.
    pub extra: Vec<String>,
    /// DNs on both whose last change differs (a write one of them has not received), with
    /// the first provider's `entryCSN` and this one's.
    pub changed: Vec<(String, String, String)>,
}

impl Differences {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.changed.is_empty()
    }

    /// How many differences of every kind.
    pub fn count(&self) -> usize {
        self.missing.len() + self.extra.len() + self.changed.len()
    }

    /// The differences found both here and in `later`, a comparison made some time after:
    /// a write still replicating shows once and is gone the next time, a lost one stays. A DN
    /// counts when it differs the same way both times (for `changed`, whatever the CSNs:
    /// an entry written again meanwhile still differs), with `later`'s values.
    pub fn persisting(&self, later: &Differences) -> Differences {
        fn both<T: Clone>(later: &[T], earlier: &[T], dn: impl Fn(&T) -> &str) -> Vec<T> {
            let seen: std::collections::HashSet<&str> = earlier.iter().map(&dn).collect();
            later
                .iter()
                .filter(|x| seen.contains(dn(x)))
                .cloned()
                .collect()
        }
        Differences {
            missing: both(&later.missing, &self.missing, |d| d.as_str()),
            extra: both(&later.extra, &self.extra, |d| d.as_str()),
            changed: both(&later.changed, &self.changed, |c| c.0.as_str()),
        }
    }
}

/// What `other` holds differently from `first`.
pub fn differences(first: &Inventory, other: &Inventory) -> Differences {
    let mut d = Differences::default();
    for (uuid, a) in &first.entries {
        match other.entries.get(uuid) {
            None => d.missing.push(a.dn.clone()),
            Some(b) if b.dn != a.dn || b.csn != a.csn => {
                d.changed.push((a.dn.clone(), a.csn.clone(), b.csn.clone()))
            }
            Some(_) => {}
        }
    }
    for (uuid, b) in &other.entries {
        if !first.entries.contains_key(uuid) {
            d.extra.push(b.dn.clone());
        }
    }
    d
}

/// Every entry below the base on the provider at `url`, read on a connection of its own.
pub async fn read_inventory(options: &LdapOptions, url: &str) -> DirectoryResult<Inventory> {
    let mut ldap = open_bound(options, url).await?;
    let filter = Filter::present("objectClass").render();
    let mut inventory = Inventory::default();
    let read = async {
        // No time limit: a city's directory is read whole (the service identity has none in
        // slapd either), one entry at a time.
        let mut stream = ldap
            .streaming_search_with(
                EntriesOnly::new(),
                &options.base_dn,
                Scope::Subtree,
                &filter,
                vec!["entryUUID", "entryCSN"],
            )
            .await?;
        while let Some(entry) = stream.next().await? {
            let e = SearchEntry::construct(entry);
            let first = |a: &str| e.attrs.get(a).and_then(|v| v.first()).cloned();
            // An entry without an entryUUID (none in a slapd database) is counted by its DN.
            let uuid = first("entryUUID").unwrap_or_else(|| format!("dn:{}", dn_key(&e.dn)));
            let state = EntryState {
                dn: dn_key(&e.dn),
                csn: first("entryCSN").unwrap_or_default(),
            };
            inventory.entries.insert(uuid, state);
        }
        Ok::<_, ldap3::LdapError>(stream.finish().await)
    }
    .await;
    let _ = ldap.unbind().await;
    let result = read.map_err(|e| DirectoryError::Unavailable(format!("{url}: {e}")))?;
    if result.rc != 0 {
        return Err(DirectoryError::Unavailable(format!(
            "{url}: the search was refused (result code {}: {})",
            result.rc, result.text
        )));
    }
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(entries: &[(&str, &str, &str)]) -> Inventory {
        Inventory {
            entries: entries
                .iter()
                .map(|(uuid, dn, csn)| {
                    let state = EntryState {
                        dn: dn.to_string(),
                        csn: csn.to_string(),
                    };
                    (uuid.to_string(), state)
                })
                .collect(),
        }
    }

    #[test]
    fn only_what_differs_in_both_comparisons_persists() {
        let earlier = Differences {
            missing: vec!["ou=lost".into(), "ou=replicating".into()],
            extra: vec!["ou=extra".into()],
            changed: vec![
                ("ou=old".into(), "c2".into(), "c1".into()),
                ("ou=caught-up".into(), "c3".into(), "c2".into()),
            ],
        };
        let later = Differences {
            missing: vec!["ou=lost".into(), "ou=written-meanwhile".into()],
            extra: vec!["ou=extra".into()],
            changed: vec![("ou=old".into(), "c4".into(), "c1".into())],
        };
        assert_eq!(
            earlier.persisting(&later),
            Differences {
                missing: vec!["ou=lost".into()],
                extra: vec!["ou=extra".into()],
                changed: vec![("ou=old".into(), "c4".into(), "c1".into())],
            }
        );
        assert_eq!(earlier.count(), 5);
        assert!(earlier.persisting(&Differences::default()).is_empty());
    }

    #[test]
    fn the_same_entries_at_the_same_change_are_no_difference() {
        let a = inventory(&[("1", "ou=a", "c1"), ("2", "ou=b", "c2")]);
        let b = inventory(&[("2", "ou=b", "c2"), ("1", "ou=a", "c1")]);
        assert!(differences(&a, &b).is_empty());
    }

    #[test]
    fn missing_extra_and_older_entries_are_each_named() {
        let first = inventory(&[
            ("1", "ou=a", "c1"),
            ("2", "ou=b", "c2"),
            ("3", "ou=c", "c3"),
        ]);
        let other = inventory(&[
            ("1", "ou=a", "c1"),
            ("3", "ou=c", "c0"),
            ("4", "ou=d", "c4"),
        ]);
        assert_eq!(
            differences(&first, &other),
            Differences {
                missing: vec!["ou=b".into()],
                extra: vec!["ou=d".into()],
                changed: vec![("ou=c".into(), "c3".into(), "c0".into())],
            }
        );
    }

    #[test]
    fn an_entry_under_another_dn_with_the_same_id_is_a_change() {
        let first = inventory(&[("1", "ou=a", "c1")]);
        let other = inventory(&[("1", "ou=renamed", "c1")]);
        assert_eq!(differences(&first, &other).changed.len(), 1);
    }
}
