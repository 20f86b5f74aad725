//! Searching and paging, and resolving DN-valued links (`manager`, `member`, `memberOf`)
//! to ids and names — each with a bounded number of searches, never one per entry.
//!
//! **Paging in the directory.** A page is cut by slapd when it can (server-side sort with
//! paged results through slapo-sssvlv, `sorted_pages.rs`): the ids of the entries
//! `start_index .. start_index + count` in the order below and the number of matches, without
//! the daemon reading every match. Only sorts on attributes every entry has go there
//! (`sort_controls::sort_keys`: slapd places absent values first, this crate last).
//!
//! **Kept ids.** Either way the ids come from the first match on, deeper than the page, and
//! are kept while the directory is unchanged (`page_cache.rs`): the next page of the same
//! search is cut from them without asking slapd to sort again.
//!
//! **The fallback**, when slapd refuses (a limit reached, busy, no sssvlv; counted in
//! `zszo_ldap_paging_fallbacks_total`) or the sort attribute may be absent, cuts the page here,
//! from a light first pass:
//! 1. one subtree search with the rendered filter returns only `entryUUID` and the sort
//!    attribute of every match (`total` is their number);
//! 2. those are sorted (by the sort attribute, case-insensitively, absent values last, ties
//!    and the default order by `entryUUID`), which gives a stable order across requests;
//! 3. the slice `start_index .. start_index + count` (1-based) is read in full with one
//!    `(|(entryUUID=…)…)` search, and returned in the slice's order.
//!
//! Full entries of matches outside the page are never loaded. The first pass costs about
//! 100 bytes per match; the sorted page costs slapd the same sort, but the daemon reads
//! only `start_index - 1 + count` ids.

use super::directory::{base_missing_is_empty, LdapDirectory};
use super::mapping::Reader;
use super::names::{dn_key, Filter};
use super::person_map::{person_display_name, PersonRaw};
use super::render::{is_uuid, scope_filter, IdDns};
use super::sort_controls::sort_keys;
use crate::ports::{
    DirectoryError, DirectoryResult, GroupRef, Page, PersonEntry, SchoolScope, SortOrder,
};
use ldap3::{Scope, SearchEntry};
use std::collections::HashMap;

/// How many terms one `(|…)` filter gets at most.
const CHUNK: usize = 200;

/// Which matches a page holds: `count` of them from `start_index` (1-based, as SCIM's
/// `startIndex`; below 1 reads as 1), the matches sorted by `sort` (an LDAP attribute and
/// the order; `None`: by id).
#[derive(Debug, Clone, Copy)]
pub(super) struct PageWindow {
    pub start_index: usize,
    pub count: usize,
    pub sort: Option<(&'static str, SortOrder)>,
}

impl PageWindow {
    /// How many matches come before the page.
    pub fn skip(self) -> usize {
        self.start_index.max(1) - 1
    }

    /// How many matches there are up to the page's last.
    pub fn end(self) -> usize {
        self.skip().saturating_add(self.count)
    }

    /// The page's part of `matches`, all of them in order.
    pub fn cut<T>(self, matches: impl IntoIterator<Item = T>) -> impl Iterator<Item = T> {
        matches.into_iter().skip(self.skip()).take(self.count)
    }
}

/// A page of entries read by id: the number of matches, the page's ids in order and their
/// entries (in no particular order; [`EntryPage::into_page`] restores it).
pub(super) struct EntryPage {
    pub total: usize,
    pub ids: Vec<String>,
    pub entries: Vec<SearchEntry>,
}

impl EntryPage {
    /// The page of `items` made from [`Self::entries`], put back in the order of the ids.
    pub fn into_page<T>(self, items: Vec<T>, id_of: impl Fn(&T) -> &str) -> Page<T> {
        Page {
            total: self.total,
            items: in_order(&self.ids, items, id_of),
        }
    }
}

/// What a DN stands for: an entry id and its display name, and whether it is a SCIM group.
#[derive(Debug, Clone)]
pub struct RefInfo {
    pub id: String,
    pub name: String,
    pub group: bool,
}

impl LdapDirectory {
    /// A subtree search under `ou=placowki`; a missing base is an empty result.
    pub(super) async fn search_schools(
        &self,
        filter: &Filter,
        attrs: &[&str],
    ) -> DirectoryResult<Vec<SearchEntry>> {
        let base = self.layout().schools_dn();
        let found = self
            .pool()
            .search(&base, Scope::Subtree, filter, attrs)
            .await;
        base_missing_is_empty(found)
    }

    /// Entries of `class` with the given ids, in chunks, in no particular order.
    pub(super) async fn read_by_ids(
        &self,
        class: &'static str,
        ids: &[String],
        attrs: &[&str],
    ) -> DirectoryResult<Vec<SearchEntry>> {
        let ids: Vec<&String> = ids.iter().filter(|id| is_uuid(id)).collect();
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let filter = Filter::and([
                Filter::object_class(class),
                Filter::or(chunk.iter().map(|id| Filter::eq("entryUUID", id.as_str()))),
            ]);
            out.extend(self.search_schools(&filter, attrs).await?);
        }
        Ok(out)
    }

    /// The DNs of the people with these ids (unknown ids are absent from the map).
    pub(super) async fn person_dns(&self, ids: &[String]) -> DirectoryResult<IdDns> {
        self.person_dns_in(ids, &SchoolScope::All).await
    }

    /// [`Self::person_dns`] of the people within `scope` only: ids in a caller's filter
    /// (`manager eq`, `members eq`) match nothing outside its schools.
    pub(super) async fn person_dns_in(
        &self,
        ids: &[String],
        scope: &SchoolScope,
    ) -> DirectoryResult<IdDns> {
        let entries = match scope {
            SchoolScope::All => self.read_by_ids("zszoPerson", ids, &["entryUUID"]).await?,
            SchoolScope::Only(codes) => self
                .read_by_ids("zszoPerson", ids, &["entryUUID", "zszoSchoolCode"])
                .await?
                .into_iter()
                .filter(|e| {
                    Reader(e)
                        .values("zszoSchoolCode")
                        .iter()
                        .any(|v| codes.iter().any(|c| c.as_str().eq_ignore_ascii_case(v)))
                })
                .collect(),
        };
        Ok(entries
            .into_iter()
            .filter_map(|e| {
                let id = Reader(&e).values("entryUUID").first()?.clone();
                Some((id, e.dn))
            })
            .collect())
    }

    /// Ids and names of the people and SCIM groups at these DNs within `scope` (of the
    /// schools the caller may see), keyed by [`dn_key`]; the others are absent, so a client
    /// learns nothing of people or groups outside its schools through a link.
    pub(super) async fn refs_by_dn(
        &self,
        dns: Vec<String>,
        scope: &SchoolScope,
    ) -> DirectoryResult<HashMap<String, RefInfo>> {
        // A role group is never a link a caller sees (a person's `groups` are the SCIM groups
        // only): a member of one alone (an administrator) needs no search (issue 17: every
        // panel request read its administrator's groups to drop them).
        let mut wanted: Vec<String> = dns
            .into_iter()
            .filter(|d| !d.trim().is_empty() && self.layout().role_of_group(d).is_none())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut out = HashMap::new();
        for chunk in wanted.chunks(CHUNK) {
            let mut parts = vec![
                Filter::or([
                    Filter::object_class("zszoPerson"),
                    Filter::object_class("zszoGroup"),
                ]),
                Filter::or(chunk.iter().map(|dn| Filter::eq("entryDN", dn.as_str()))),
            ];
            // People and groups both carry their schools in zszoSchoolCode.
            parts.extend(scope_filter(scope));
            let filter = Filter::and(parts);
            let attrs = ["entryUUID", "cn", "displayName", "objectClass"];
            for e in self.search_schools(&filter, &attrs).await? {
                let r = Reader(&e);
                let Some(id) = r.values("entryUUID").first().cloned() else {
                    continue;
                };
                let group = r
                    .values("objectClass")
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case("zszoGroup"));
                let name = if group {
                    r.values("cn").first().cloned().unwrap_or_default()
                } else {
                    person_display_name(&e)
                };
                out.insert(dn_key(&e.dn), RefInfo { id, name, group });
            }
        }
        Ok(out)
    }

    /// Resolves the managers and groups of parsed people with one search for all of them,
    /// only within `scope` (a manager or group outside it is left out).
    pub(super) async fn complete_people(
        &self,
        raws: Vec<PersonRaw>,
        scope: &SchoolScope,
    ) -> DirectoryResult<Vec<PersonEntry>> {
        let mut dns: Vec<String> = Vec::new();
        for r in &raws {
            dns.extend(r.manager_dn.iter().cloned());
            dns.extend(r.member_of.iter().cloned());
        }
        let refs = self.refs_by_dn(dns, scope).await?;
        Ok(raws
            .into_iter()
            .map(|raw| {
                let mut p = raw.person;
                p.profile.manager = raw
                    .manager_dn
                    .and_then(|dn| refs.get(&dn_key(&dn)))
                    .filter(|r| !r.group)
                    .map(|r| r.id.clone());
                p.groups = raw
                    .member_of
                    .iter()
                    .filter_map(|dn| refs.get(&dn_key(dn)))
                    .filter(|r| r.group)
                    .map(|r| GroupRef {
                        id: r.id.clone(),
                        display_name: r.name.clone(),
                    })
                    .collect();
                p.groups.sort_by(|a, b| a.display_name.cmp(&b.display_name));
                p
            })
            .collect())
    }

    /// The page of `class` entries matching `filter`: its ids from [`Self::page_ids`], then
    /// the entries read by id.
    pub(super) async fn read_page(
        &self,
        class: &'static str,
        filter: &Filter,
        window: PageWindow,
        attrs: &[&str],
    ) -> DirectoryResult<EntryPage> {
        let (total, ids) = self.page_ids(filter, window).await?;
        let entries = self.read_by_ids(class, &ids, attrs).await?;
        Ok(EntryPage {
            total,
            ids,
            entries,
        })
    }

    /// A page's ids and the number of matches: cut by slapd, or from every match when slapd
    /// refuses or cannot sort the same way (see the module's documentation).
    pub(super) async fn read_page_ids(
        &self,
        filter: &Filter,
        window: PageWindow,
    ) -> DirectoryResult<(usize, Vec<String>)> {
        if let Some(keys) = sort_keys(window.sort) {
            match self.page_ids_sorted(filter, &keys, window).await {
                Ok(page) => return Ok(page),
                Err(e) => {
                    tracing::debug!(error = %e, "slapd did not sort; paging from every match");
                    self.count_paging_fallback();
                }
            }
        }
        self.page_ids_from_every_match(filter, window).await
    }

    /// Steps 1–2 of the fallback: every match's id, sorted; returns (total, the page's ids).
    async fn page_ids_from_every_match(
        &self,
        filter: &Filter,
        window: PageWindow,
    ) -> DirectoryResult<(usize, Vec<String>)> {
        let sort_attr = window.sort.map(|(a, _)| a);
        let mut attrs = vec!["entryUUID"];
        attrs.extend(sort_attr);
        // Streamed: only (sort key, id) of each match is kept, never the entries (at 100,000
        // people a common prefix matches thousands; collecting them took hundreds of MiB
        // under concurrent requests, BENCHMARKS.md).
        let base = self.layout().schools_dn();
        let _admitted =
            self.paging_passes.acquire().await.map_err(|_| {
                DirectoryError::Unavailable("the directory adapter is closing".into())
            })?;
        let folded = self
            .pool()
            .fold(
                &base,
                Scope::Subtree,
                filter,
                &attrs,
                |keys: &mut Vec<(Option<String>, String)>, e| {
                    let r = Reader(&e);
                    if let Some(id) = r.values("entryUUID").first() {
                        let key =
                            sort_attr.and_then(|a| r.values(a).first().map(|v| v.to_lowercase()));
                        keys.push((key, id.clone()));
                    }
                },
            )
            .await;
        let mut keys = match folded {
            Ok(keys) => keys,
            // A missing base (no school yet) is an empty result, as in `search_schools`.
            Err(DirectoryError::NotFound(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        let descending = matches!(window.sort, Some((_, SortOrder::Descending)));
        keys.sort_by(|(ka, ia), (kb, ib)| {
            let by_key = match (ka, kb) {
                (Some(a), Some(b)) if descending => b.cmp(a),
                (Some(a), Some(b)) => a.cmp(b),
                // Absent values last in either order.
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            by_key.then_with(|| ia.cmp(ib))
        });
        let total = keys.len();
        let page = window.cut(keys).map(|(_, id)| id).collect();
        Ok((total, page))
    }
}

/// Puts entries read by id back into the order of `ids`.
pub fn in_order<T>(ids: &[String], items: Vec<T>, id_of: impl Fn(&T) -> &str) -> Vec<T> {
    let mut by_id: HashMap<String, T> = items
        .into_iter()
        .map(|t| (id_of(&t).to_ascii_lowercase(), t))
        .collect();
    ids.iter()
        .filter_map(|id| by_id.remove(&id.to_ascii_lowercase()))
        .collect()
}
