//! A page of a search cut by slapd: server-side sort (RFC 2891) with simple paged results
//! (RFC 2696), both through `slapo-sssvlv` (`src/slapd/config.rs`).
//!
//! **Why paged results and not VLV.** sssvlv keeps a VLV search's sorted list on its
//! connection until the connection closes, so the daemon's long-lived connections ran out of
//! slots after 16 pages (`busy (51)`). A paged sort frees its list as soon as its last entry
//! has been sent, or when the client abandons it (the same search with page size 0 and the
//! cookie, RFC 2696 §3) — and sssvlv's paged response carries the number of matches not sent
//! yet, so one search gives the page and the total.
//!
//! **Why dedicated connections.** slapd checks a paged cookie against the *connection's*
//! last paged response, so two paged searches pipelined on one connection would make each
//! other's abandon fail (and leak its list). Sorted pages therefore run on a few connections
//! of their own, one search (and its abandon) at a time each; a connection that fails
//! anything is closed, which frees whatever slapd still holds for it.
//!
//! A page from `start_index` asks slapd for `start_index - 1 + count` entries (only their
//! `entryUUID`) and skips the first ones: it grows with the position, not with the matches.

use super::directory::LdapDirectory;
use super::error::{from_ldap, from_result, rc};
use super::mapping::Reader;
use super::names::Filter;
use super::pool::bind;
use super::search::PageWindow;
use super::sort_controls::{parse_paged_response, sort_control, SortKey};
use crate::ports::{DirectoryError, DirectoryResult};
use ldap3::controls::{PagedResults, RawControl};
use ldap3::{Ldap, LdapResult, Scope, SearchEntry};
use secrecy::ExposeSecret;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// How many sorted pages run at once (each on its own connection): as many as the fallback's
/// first passes (`PAGING_PASSES`); slapd's sort is CPU-bound on the same cores.
pub const SORTING_CONNECTIONS: usize = 2;

const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";

/// The connections sorted pages run on, opened when first needed.
pub struct SortingConnections {
    slots: Vec<Mutex<Option<Ldap>>>,
    next: AtomicUsize,
}

impl Default for SortingConnections {
    fn default() -> Self {
        Self {
            slots: (0..SORTING_CONNECTIONS).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }
}

impl LdapDirectory {
    /// (total, the page's ids) sorted by `keys`, cut by slapd; an error when slapd refuses
    /// (a limit, busy, no sssvlv) or answers without a usable paged response — the caller
    /// then cuts the page itself.
    pub(super) async fn page_ids_sorted(
        &self,
        filter: &Filter,
        keys: &[SortKey],
        window: PageWindow,
    ) -> DirectoryResult<(usize, Vec<String>)> {
        let sorting = &self.sorting;
        let slot =
            &sorting.slots[sorting.next.fetch_add(1, Ordering::Relaxed) % sorting.slots.len()];
        let mut held = slot.lock().await;
        let ldap = match held.as_mut() {
            Some(ldap) => ldap,
            None => held.insert(self.open_sorting_connection().await?),
        };
        let (result, clean) = self.sorted_page_on(ldap, filter, keys, window).await;
        if !clean {
            // Whatever slapd may still hold for this connection goes with it.
            tracing::debug!("closing a sorting connection after a failure");
            if let Some(mut ldap) = held.take() {
                let _ = ldap.unbind().await;
            }
        }
        result
    }

    /// A connection to the provider in use, bound as the service identity (as the pool's).
    async fn open_sorting_connection(&self) -> DirectoryResult<Ldap> {
        let mut ldap = self.pool().open_unpooled().await?;
        let options = self.pool().options();
        bind(
            &mut ldap,
            &options.bind_dn,
            options.bind_password.expose_secret(),
            options.operation_timeout,
        )
        .await?;
        Ok(ldap)
    }

    /// The page, and whether the connection is known to hold nothing in slapd (false after a
    /// transport failure, an odd answer or an abandon slapd did not take: the caller closes
    /// it; a refused search holds nothing, so the connection is kept).
    async fn sorted_page_on(
        &self,
        ldap: &mut Ldap,
        filter: &Filter,
        keys: &[SortKey],
        window: PageWindow,
    ) -> (DirectoryResult<(usize, Vec<String>)>, bool) {
        let base = self.layout().schools_dn();
        // At least one: a page of 0 asks only for the total.
        let size = i32::try_from(window.end().max(1)).unwrap_or(i32::MAX);
        let filter = filter.render();
        let (entries, result) =
            match sorted_search(self, ldap, &base, &filter, keys, size, Vec::new()).await {
                Ok(answer) => answer,
                Err(e) => return (Err(e), false),
            };
        match result.rc {
            rc::SUCCESS => {}
            // A missing base (no school yet) is an empty result, as in `search_schools`.
            rc::NO_SUCH_OBJECT => return (Ok((0, Vec::new())), true),
            _ => return (Err(from_result(&base, &result)), true),
        }
        let Some((remaining, cookie)) = paged_response(&result) else {
            let odd = DirectoryError::Other("a sorted search without a paged response".into());
            return (Err(odd), false);
        };
        let clean = cookie.is_empty() || self.abandon(ldap, &base, &filter, keys, cookie).await;
        let total = entries.len().saturating_add(remaining);
        let ids = window
            .cut(&entries)
            .filter_map(|e| Reader(e).values("entryUUID").first().cloned())
            .collect();
        (Ok((total, ids)), clean)
    }

    /// Abandons the rest of a sorted search (page size 0 and its cookie, RFC 2696 §3): slapd
    /// frees the sorted list and answers success. slapd marks the search idle only just after
    /// sending its page, so an abandon that arrives first is answered busy: it is repeated a
    /// few times. Whether slapd took it.
    async fn abandon(
        &self,
        ldap: &mut Ldap,
        base: &str,
        filter: &str,
        keys: &[SortKey],
        cookie: Vec<u8>,
    ) -> bool {
        for attempt in 0..ABANDON_ATTEMPTS {
            match sorted_search(self, ldap, base, filter, keys, 0, cookie.clone()).await {
                Ok((_, result)) if result.rc == rc::SUCCESS => return true,
                Ok((_, result)) if result.rc == rc::BUSY => {
                    tokio::time::sleep(Duration::from_millis(1 << attempt)).await;
                }
                _ => return false,
            }
        }
        false
    }
}

/// How many times an abandon answered busy is sent (after 1, 2, 4, 8 ms).
const ABANDON_ATTEMPTS: u32 = 5;

/// One search with the sort and paged results controls on `ldap`: the entries (their
/// `entryUUID`) and slapd's result, whatever its code.
async fn sorted_search(
    directory: &LdapDirectory,
    ldap: &mut Ldap,
    base: &str,
    filter: &str,
    keys: &[SortKey],
    size: i32,
    cookie: Vec<u8>,
) -> DirectoryResult<(Vec<SearchEntry>, LdapResult)> {
    let mut paged: RawControl = PagedResults { size, cookie }.into();
    // Without sssvlv slapd would page unsorted: the sort control is critical, this one too.
    paged.crit = true;
    let timeout = directory.pool().options().operation_timeout;
    let res = ldap
        .with_timeout(timeout)
        .with_controls(vec![sort_control(keys), paged])
        .search(base, Scope::Subtree, filter, vec!["entryUUID"])
        .await
        .map_err(|e| from_ldap(base, e))?;
    Ok((
        res.0.into_iter().map(SearchEntry::construct).collect(),
        res.1,
    ))
}

/// From sssvlv's paged response: how many sorted matches it has not sent, and the cookie to
/// go on with (empty when none are left).
fn paged_response(result: &LdapResult) -> Option<(usize, Vec<u8>)> {
    let (remaining, cookie) = result
        .ctrls
        .iter()
        .find(|c| c.1.ctype == PAGED_RESULTS_OID)
        .and_then(|c| c.1.val.as_deref())
        .and_then(parse_paged_response)?;
    Some((usize::try_from(remaining).unwrap_or(usize::MAX), cookie))
}
