//! The directory's change state (RFC 4533 Sync Done, the database's `contextCSN`), read for
//! the page cache's stamp (`ldap::page_cache`): a search with a control of its own and an
//! answer read from the result's controls, which the pool's other reads never need.

use super::super::error::{from_ldap, from_result};
use super::LdapPool;
use crate::ports::DirectoryResult;
use ldap3::Scope;
use std::time::Instant;

impl LdapPool {
    /// The directory's change state under `base`, the suffix of a database with `syncprov`:
    /// the value of the Sync Done control (RFC 4533) slapd answers a refresh with, whose
    /// cookie holds the database's `contextCSN`. The refresh asks for no entry (a filter
    /// nothing matches, on the base entry alone), and its control is not critical, so a slapd
    /// without `syncprov` answers an ordinary empty search: `None`, as for an answer without
    /// a CSN. Retried like a search.
    pub async fn sync_state(&self, base: &str) -> DirectoryResult<Option<Vec<u8>>> {
        self.with_read_retries(|| self.sync_state_once(base)).await
    }

    async fn sync_state_once(&self, base: &str) -> DirectoryResult<Option<Vec<u8>>> {
        use ldap3::controls::{RawControl, SyncRequest};
        const SYNC_DONE_OID: &str = "1.3.6.1.4.1.4203.1.9.1.3";
        let mut conn = self.get().await?;
        let start = Instant::now();
        conn.with_controls(RawControl::from(SyncRequest::default()));
        let res = conn
            .with_timeout(self.options.operation_timeout)
            .search(base, Scope::Base, "(!(objectClass=*))", vec!["1.1"])
            .await;
        self.settle("search", start, conn, &res);
        let ldap3::SearchResult(_, result) = res.map_err(|e| from_ldap(base, e))?;
        if result.rc != 0 {
            Self::refused("search");
            return Err(from_result(base, &result));
        }
        Ok(result
            .ctrls
            .into_iter()
            .find(|c| c.1.ctype == SYNC_DONE_OID)
            .and_then(|c| c.1.val)
            .filter(|v| v.windows(4).any(|w| w == b"csn=")))
    }
}
