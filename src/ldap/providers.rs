//! The providers of a replicated directory (`ldap.urls`) and which one the pool uses: sticky
//! on the first that answers, the next when it cannot be reached (see `pool`'s "Providers").

use super::pool::LdapOptions;
use crate::metric_names as names;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How long a read-back of an entry just added waits for it, try after try, when it is
/// missing: the pool moved to another provider between the add and the read, and the entry is
/// on its way by replication (milliseconds on a LAN). 0.75 s in all; then the outcome is
/// unknown and the use case resolves it (issue 14).
pub(crate) fn replication_waits() -> impl Iterator<Item = Duration> {
    [0, 50, 100, 200, 400]
        .into_iter()
        .map(Duration::from_millis)
}

/// The providers and which one is in use (an index into [`LdapOptions::urls`]).
#[derive(Debug)]
pub(super) struct Providers {
    pub(super) urls: Vec<String>,
    active: AtomicUsize,
}

impl Providers {
    pub(super) fn new(options: &LdapOptions) -> Self {
        let this = Self {
            urls: options.urls().map(str::to_owned).collect(),
            active: AtomicUsize::new(0),
        };
        this.publish(0);
        this
    }

    pub(super) fn active(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }

    pub(super) fn active_url(&self) -> &str {
        &self.urls[self.active()]
    }

    /// Makes `index` the provider in use; logged and counted when it changes.
    pub(super) fn settle_on(&self, index: usize) {
        let before = self.active.swap(index, Ordering::AcqRel);
        if before != index {
            tracing::warn!(
                from = %self.urls[before],
                to = %self.urls[index],
                "directory provider unreachable, moved to the next one"
            );
            metrics::counter!(names::LDAP_PROVIDER_SWITCHES).increment(1);
            self.publish(index);
        }
    }

    /// `zszo_ldap_provider_active{url}`: 1 for the provider in use, 0 for the others.
    pub(super) fn publish(&self, active: usize) {
        for (i, url) in self.urls.iter().enumerate() {
            metrics::gauge!(names::LDAP_PROVIDER_ACTIVE, "url" => url.clone())
                .set(if i == active { 1.0 } else { 0.0 });
        }
    }
}
