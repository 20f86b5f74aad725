//! `LdapDirectory`: the `ports::Directory` implementation over slapd. The connection, the
//! layout and schools are here; each other part of the port is implemented in its own file
//! (`directory_people.rs` people and groups, `directory_accounts.rs` password checks,
//! accounts and second factors, `directory_roles.rs` roles), over the bodies in `people`,
//! `groups`, `accounts`, `second_factor`; paging and link resolution in `search`, filter
//! rendering in `render`.
//!
//! Invariants: DNs and filters come only from `names`; entries are parsed only by `mapping`;
//! every LDAP error goes through `error`. Writes are never retried (see `pool`). A person's
//! password is checked by a bind on a fresh connection that is closed right after, and an
//! empty or blank password never reaches slapd (security.md LDAP-03, RFC 4513 §5.1.2).

use super::error::rc;
use super::mapping::{empty_group_attrs, ou_attrs, school_attrs, school_from_entry, SCHOOL_ATTRS};
use super::names::{Filter, Layout};
use super::page_cache::PageCache;
use super::pool::{LdapOptions, LdapPool};
use super::sorted_pages::SortingConnections;
use crate::clock::{Clock, SystemClock};
use crate::domain::{School, SchoolCode};
use crate::ports::{
    DirectoryError, DirectoryHealth, DirectoryResult, SchoolDirectory, SchoolEntry,
};
use async_trait::async_trait;
use ldap3::{Scope, SearchEntry};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub struct LdapDirectory {
    pub(super) pool: LdapPool,
    pub(super) layout: Layout,
    clock: Arc<dyn Clock>,
    /// Admits paging's first passes (every match of a filter, `search::read_page_ids`).
    pub(super) paging_passes: Arc<tokio::sync::Semaphore>,
    /// The connections pages sorted by slapd run on (`sorted_pages`).
    pub(super) sorting: SortingConnections,
    /// Pages cut from every match because slapd refused to sort them (`search::read_page_ids`).
    paging_fallbacks: AtomicU64,
    /// The sorted ids of recent list searches, while the directory is unchanged.
    pub(super) page_cache: PageCache,
    /// Pages served from `page_cache`.
    page_cache_hits: AtomicU64,
}

/// How many paging first passes run at once. Each holds every match of its filter in flight
/// (ldap3 buffers the answers as they come), which at 100,000 people is thousands of entries
/// for a common name prefix: 64 at once took the daemon to 437 MiB (BENCHMARKS.md). They are
/// CPU-bound, so queueing them costs latency, not throughput.
const PAGING_PASSES: usize = 2;

impl LdapDirectory {
    /// Connects and binds as the service identity once, so an unreachable server
    /// (`Unavailable("cannot connect to ldap://…: …")`) or a refused bind
    /// (`InvalidCredentials`) is reported at start-up.
    pub async fn connect(options: LdapOptions) -> DirectoryResult<Self> {
        let layout = Layout::new(&options.base_dn).map_err(DirectoryError::Other)?;
        let pool = LdapPool::connect(options).await?;
        Ok(Self {
            pool,
            layout,
            clock: Arc::new(SystemClock),
            paging_passes: Arc::new(tokio::sync::Semaphore::new(PAGING_PASSES)),
            sorting: SortingConnections::default(),
            paging_fallbacks: AtomicU64::new(0),
            page_cache: PageCache::default(),
            page_cache_hits: AtomicU64::new(0),
        })
    }

    /// How many pages this adapter cut from every match because slapd refused to sort them
    /// (also `zszo_ldap_paging_fallbacks_total`); pages of sorts slapd is never asked for
    /// (an attribute some entries lack) are not counted.
    pub fn paging_fallbacks(&self) -> u64 {
        self.paging_fallbacks.load(Ordering::Relaxed)
    }

    pub(super) fn count_paging_fallback(&self) {
        self.paging_fallbacks.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(crate::metric_names::LDAP_PAGING_FALLBACKS).increment(1);
    }

    /// How many pages this adapter served from the ids it kept of the same search, the
    /// directory unchanged (also `zszo_ldap_page_cache_requests_total{outcome="hit"}`).
    pub fn page_cache_hits(&self) -> u64 {
        self.page_cache_hits.load(Ordering::Relaxed)
    }

    /// Whether the directory gives the change state list pages are kept under (slapd's
    /// syncprov on the data), for `check-config`.
    pub async fn keeps_pages(&self) -> DirectoryResult<bool> {
        let base = &self.pool.options().base_dn;
        Ok(self.pool.sync_state(base).await?.is_some())
    }

    /// Whether the identity the daemon is bound as can read password hashes: `userPassword`
    /// under `ou=system`, where the service's own entry has one. Yes on a directory whose ACL
    /// predates 2026-12-05 (`write` on `userPassword` implied `read`) or for a daemon bound as
    /// the rootdn; never with this release's ACL (schemas/ldap/README.md, Access control). The
    /// filter needs `search` on the attribute, which `=w` does not give, so this release's ACL
    /// finds nothing. For `check-config` and the start-up log.
    pub async fn reads_password_hashes(&self) -> DirectoryResult<bool> {
        let found = self
            .pool
            .search(
                &self.layout.system_dn(),
                Scope::Subtree,
                &Filter::present("userPassword"),
                &["userPassword"],
            )
            .await;
        let has_hash = |e: &SearchEntry| {
            e.attrs
                .keys()
                .chain(e.bin_attrs.keys())
                .any(|k| k.eq_ignore_ascii_case("userPassword"))
        };
        Ok(base_missing_is_empty(found)?.iter().any(has_hash))
    }

    pub(super) fn count_page_cache_hit(&self) {
        self.page_cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// A base-scope read of one entry; `None` when it does not exist.
    pub(super) async fn read(
        &self,
        dn: &str,
        filter: &Filter,
        attrs: &[&str],
    ) -> DirectoryResult<Option<SearchEntry>> {
        let found = self.pool.search(dn, Scope::Base, filter, attrs).await;
        Ok(base_missing_is_empty(found)?.pop())
    }

    /// The entries of `class` right below `base`, each parsed; none when `base` is missing
    /// (no school, no SSO client yet).
    pub(super) async fn children<T>(
        &self,
        base: &str,
        class: &'static str,
        attrs: &[&str],
        parse: fn(&SearchEntry) -> DirectoryResult<T>,
    ) -> DirectoryResult<Vec<T>> {
        let filter = Filter::object_class(class);
        let found = self
            .pool
            .search(base, Scope::OneLevel, &filter, attrs)
            .await;
        base_missing_is_empty(found)?.iter().map(parse).collect()
    }

    /// Adds, treating "already there" as success (for idempotent containers).
    pub(super) async fn add_if_missing(
        &self,
        dn: &str,
        attrs: Vec<(String, HashSet<String>)>,
    ) -> DirectoryResult<bool> {
        match self.pool.add(dn, attrs).await {
            Ok(()) => Ok(true),
            Err(e) if e.rc() == Some(rc::ENTRY_ALREADY_EXISTS) => Ok(false),
            Err(e) => Err(e.into_directory(dn)),
        }
    }

    pub(super) fn pool(&self) -> &LdapPool {
        &self.pool
    }

    pub(super) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

#[async_trait]
impl DirectoryHealth for LdapDirectory {
    fn active_provider(&self) -> Option<String> {
        Some(self.pool.active_url().to_owned())
    }

    async fn ping(&self) -> DirectoryResult<()> {
        let base = self.layout.base_dn();
        let found = self
            .pool
            .search(base, Scope::Base, &Filter::present("objectClass"), &["1.1"])
            .await?;
        if found.is_empty() {
            return Err(DirectoryError::NotFound(base.to_owned()));
        }
        Ok(())
    }

    /// Creates `ou=placowki` when missing. `ou=system` (the service identity and the
    /// system administrators' group) belongs to the operator: we are bound through it.
    async fn ensure_layout(&self) -> DirectoryResult<Vec<String>> {
        let mut created = Vec::new();
        // ou=sso holds the SSO service accounts (`sso-client`); the ACL lets the service
        // create exactly that under ou=system.
        for (dn, ou) in [
            (self.layout.schools_dn(), "placowki"),
            (self.layout.sso_dn(), "sso"),
        ] {
            if self.add_if_missing(&dn, ou_attrs(ou)).await? {
                tracing::info!(dn = %dn, "created a container");
                created.push(dn);
            }
        }
        Ok(created)
    }
}

#[async_trait]
impl SchoolDirectory for LdapDirectory {
    async fn find_school(&self, code: &SchoolCode) -> DirectoryResult<Option<SchoolEntry>> {
        let dn = self.layout.school_dn(code);
        self.read(&dn, &Filter::object_class("zszoSchool"), SCHOOL_ATTRS)
            .await?
            .as_ref()
            .map(school_from_entry)
            .transpose()
    }

    async fn list_schools(&self) -> DirectoryResult<Vec<SchoolEntry>> {
        let base = self.layout.schools_dn();
        let mut schools = self
            .children(&base, "zszoSchool", SCHOOL_ATTRS, school_from_entry)
            .await?;
        schools.sort_by(|a, b| a.school.code.cmp(&b.school.code));
        Ok(schools)
    }

    async fn create_school(&self, school: &School) -> DirectoryResult<SchoolEntry> {
        let code = &school.code;
        let school_dn = self.layout.school_dn(code);
        self.pool
            .add(&school_dn, school_attrs(school))
            .await
            .map_err(|e| e.into_directory(&school_dn))?;
        let children = [
            (self.layout.people_dn(code), ou_attrs("pracownicy")),
            (self.layout.groups_dn(code), ou_attrs("grupy")),
            (
                self.layout.local_admins_dn(code),
                empty_group_attrs("administratorzy-lokalni"),
            ),
        ];
        let mut created = Vec::new();
        for (dn, attrs) in children {
            if let Err(e) = self.pool.add(&dn, attrs).await {
                let err = e.into_directory(&dn);
                // Best effort: leave no half-built school behind (deepest entry first).
                for dn in created.iter().rev().chain(std::iter::once(&school_dn)) {
                    if let Err(undo) = self.pool.delete(dn).await {
                        tracing::error!(dn = %dn, error = ?undo, "cannot undo a partial school");
                    }
                }
                return Err(err);
            }
            created.push(dn);
        }
        self.find_school(code).await?.ok_or_else(|| {
            DirectoryError::Other(format!("{school_dn} vanished right after it was created"))
        })
    }
}

/// A search's entries; none when its base does not exist.
pub(super) fn base_missing_is_empty(
    found: DirectoryResult<Vec<SearchEntry>>,
) -> DirectoryResult<Vec<SearchEntry>> {
    match found {
        Err(DirectoryError::NotFound(_)) => Ok(Vec::new()),
        other => other,
    }
}
