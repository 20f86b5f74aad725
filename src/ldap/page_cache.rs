//! The sorted ids of recent list searches, kept while the directory is unchanged, so that the
//! next page of a search, or the same search again, is cut from memory instead of slapd
//! reading and sorting every match again (issue 17: at 100,000 people a four-letter surname
//! prefix matches thousands, and each sorted page cost slapd all of them).
//!
//! **When an answer may be reused.** Each list request first reads the directory's
//! [`Stamp`]: the Sync Done answer (RFC 4533) of slapd's `syncprov`, which carries the
//! database's `contextCSN` — it moves with every write slapd commits, whoever sent it (this
//! daemon, another one, an operator, the peer provider's replication) — together with the
//! number of writes this daemon has finished. A list is reused only under exactly the stamp it
//! was read under; a different stamp drops every list. The stamp is read before the search,
//! and slapd advances `contextCSN` only after a write's commit (and past a pending older
//! write only when that one commits too), so a stored list is never older than its stamp. The
//! daemon's own count covers the one gap: a write of ours answered while an older write of
//! someone else's is still pending leaves `contextCSN` where it was, yet the next page must
//! show ours. Without `syncprov` (a directory set up before it was configured) there is no
//! stamp and nothing is kept.
//!
//! **What is kept.** Only ids (16 bytes each) and the number of matches — the entries of a
//! page are always read fresh. A list holds the first ids of the search's order: at least
//! [`PREFETCH_IDS`], twice as many as the page asked for, so that a client paging forward
//! meets a miss only each time it has gone twice as deep. At most [`MAX_IDS`] ids in all
//! (4 MiB), least recently used lists dropped first.

use super::directory::LdapDirectory;
use super::names::Filter;
use super::search::PageWindow;
use crate::ports::DirectoryResult;
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// Ids fetched on a miss at least: ten pages of twenty.
pub const PREFETCH_IDS: usize = 200;
/// Ids kept in all lists together (16 bytes each: 4 MiB).
pub const MAX_IDS: usize = 256 * 1024;
/// Ids one list may hold; a page deeper than this is read as before, without keeping it.
pub const MAX_LIST_IDS: usize = MAX_IDS / 2;

/// What a stored list is valid under (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The Sync Done control's value as slapd sent it (its cookie holds `contextCSN`).
    pub context: Vec<u8>,
    /// Writes this daemon has finished (`LdapPool::writes_done`).
    pub writes: u64,
}

/// One list: the first ids of a search's order and how many matches there are.
struct List {
    ids: Vec<u128>,
    total: usize,
    last_used: u64,
}

impl List {
    /// The ids of `window` with the number of matches, when this list reaches its end.
    fn page(&self, window: PageWindow) -> Option<(usize, Vec<String>)> {
        let complete = self.ids.len() >= self.total;
        if window.end() > self.ids.len() && !complete {
            return None;
        }
        let ids = window.cut(&self.ids).map(|&id| format_id(id)).collect();
        Some((self.total, ids))
    }
}

#[derive(Default)]
struct Lists {
    stamp: Option<Stamp>,
    by_key: HashMap<String, List>,
    ids_held: usize,
    tick: u64,
}

/// The lists, behind one lock held only to look up or store (never across a search).
#[derive(Default)]
pub struct PageCache {
    lists: Mutex<Lists>,
}

/// The key of a search: its sort and its filter (which holds the caller's school scope).
pub fn search_key(filter: &str, window: PageWindow) -> String {
    format!("{:?}\n{filter}", window.sort)
}

/// The window to read on a miss: from the first match, deep enough to serve `window` and the
/// pages after it; `None` when `window` reaches deeper than a list may hold.
pub fn prefetch(window: PageWindow) -> Option<PageWindow> {
    let end = window.end();
    (end <= MAX_LIST_IDS).then(|| PageWindow {
        start_index: 1,
        count: end.saturating_mul(2).clamp(PREFETCH_IDS, MAX_LIST_IDS),
        sort: window.sort,
    })
}

impl PageCache {
    /// The page of `window` from the list of `key`, if one is kept under `stamp`.
    pub fn page(
        &self,
        stamp: &Stamp,
        key: &str,
        window: PageWindow,
    ) -> Option<(usize, Vec<String>)> {
        let mut lists = self.lock();
        if lists.stamp.as_ref() != Some(stamp) {
            return None;
        }
        lists.tick += 1;
        let tick = lists.tick;
        let list = lists.by_key.get_mut(key)?;
        let page = list.page(window)?;
        list.last_used = tick;
        Some(page)
    }

    /// Keeps `ids` (the first of the search's order, all of them when fewer than `total`
    /// are not asked for) as the list of `key`, read under `stamp`. Ids that are not UUIDs
    /// keep nothing (the page is right either way); a list read under an older stamp of this
    /// daemon's than the one kept is dropped.
    pub fn store(&self, stamp: Stamp, key: String, total: usize, ids: &[String]) {
        if ids.len() > MAX_LIST_IDS {
            return;
        }
        let Some(parsed) = ids
            .iter()
            .map(|id| parse_id(id))
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        let mut lists = self.lock();
        if lists.stamp.as_ref() != Some(&stamp) {
            if lists
                .stamp
                .as_ref()
                .is_some_and(|kept| kept.writes > stamp.writes)
            {
                return;
            }
            *lists = Lists {
                stamp: Some(stamp),
                tick: lists.tick,
                ..Lists::default()
            };
        }
        if let Some(old) = lists.by_key.remove(&key) {
            lists.ids_held -= old.ids.len();
        }
        while lists.ids_held + parsed.len() > MAX_IDS {
            lists.drop_least_recently_used();
        }
        lists.tick += 1;
        lists.ids_held += parsed.len();
        let list = List {
            ids: parsed,
            total,
            last_used: lists.tick,
        };
        lists.by_key.insert(key, list);
    }

    /// How many ids are kept.
    #[cfg(test)]
    pub fn ids_held(&self) -> usize {
        self.lock().ids_held
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lists> {
        // A panic while holding the lock cannot leave a list half-stored in a way that gives
        // a wrong page (a list is inserted whole), so a poisoned lock is used as it is.
        self.lists.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Lists {
    fn drop_least_recently_used(&mut self) {
        let oldest = self
            .by_key
            .iter()
            .min_by_key(|(_, l)| l.last_used)
            .map(|(k, _)| k.clone());
        match oldest.and_then(|k| self.by_key.remove(&k)) {
            Some(list) => self.ids_held -= list.ids.len(),
            None => self.ids_held = 0,
        }
    }
}

fn parse_id(id: &str) -> Option<u128> {
    Uuid::try_parse(id).ok().map(|u| u.as_u128())
}

/// An `entryUUID` as slapd writes it: lowercase, hyphenated.
fn format_id(id: u128) -> String {
    Uuid::from_u128(id).hyphenated().to_string()
}

impl LdapDirectory {
    /// A page's ids and the number of matches: from the ids kept of the same search while
    /// the directory is unchanged (the lists above), else read as [`Self::read_page_ids`]
    /// says, from the first match on and deeper than asked, and kept.
    pub(super) async fn page_ids(
        &self,
        filter: &Filter,
        window: PageWindow,
    ) -> DirectoryResult<(usize, Vec<String>)> {
        // A page deeper than a list may hold is read as before, without asking for a stamp.
        let Some(wider) = prefetch(window) else {
            return self.read_page_ids(filter, window).await;
        };
        let Some(stamp) = self.directory_stamp().await else {
            return self.read_page_ids(filter, window).await;
        };
        let key = search_key(&filter.render(), window);
        if let Some(page) = self.page_cache.page(&stamp, &key, window) {
            self.count_page_cache_hit();
            count_page_cache("hit");
            return Ok(page);
        }
        count_page_cache("miss");
        let (total, ids) = self.read_page_ids(filter, wider).await?;
        let page = window.cut(&ids).cloned().collect();
        self.page_cache.store(stamp, key, total, &ids);
        Ok((total, page))
    }

    /// What a kept list is valid under: `None` when the cache is off, or slapd gives no
    /// change state (no `syncprov`; a failed read, which the search itself will report).
    async fn directory_stamp(&self) -> Option<Stamp> {
        if !self.pool().options().page_cache {
            return None;
        }
        // Counted before the state is read: a write finished in between is then in the list
        // but not in the stamp, so the next request misses — never the other way round.
        let writes = self.pool().writes_done();
        let base = &self.pool().options().base_dn;
        match self.pool().sync_state(base).await {
            Ok(Some(context)) => Some(Stamp { context, writes }),
            Ok(None) => {
                count_page_cache("off");
                None
            }
            Err(e) => {
                tracing::debug!(error = %e, "no change state from slapd; the page is read");
                None
            }
        }
    }
}

/// Counts a list request by what the page cache did: `hit`, `miss`, or `off` (slapd keeps
/// no change state).
fn count_page_cache(outcome: &'static str) {
    metrics::counter!(crate::metric_names::LDAP_PAGE_CACHE, "outcome" => outcome).increment(1);
}

#[cfg(test)]
#[path = "page_cache_tests.rs"]
mod tests;
