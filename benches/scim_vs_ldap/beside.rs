//! The scenarios that measure one SCIM client's get-eq beside a load (panel account
//! creations, a storm of PATCHes) against the same get-eq idle.

use super::{panel, Ctx, Known};
use crate::load::{self, Stats};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The paced account creations' rates, a second. The city's busiest plausible hour (every
/// school's administrator handing out accounts at the start of a school year: 500 schools,
/// a few new staff each) is well under one a second; ten a second is 36,000 an hour, more
/// accounts than the city has staff.
const PACED_ACCOUNTS_PER_SECOND: [f64; 2] = [1.0, 10.0];

/// A panel operation's answer to come: whether it succeeded.
type Answer = Pin<Box<dyn Future<Output = bool> + Send>>;

impl Ctx {
    /// Panel account creations beside one client's get-eq ([`Self::get_eq_beside`]): first
    /// at each of [`PACED_ACCOUNTS_PER_SECOND`] (arrivals at a fixed rate, as administrators
    /// at their browsers), then flat out (`workers` at once). Each creation takes a person
    /// without an account that no earlier one took.
    pub(crate) async fn accounts(&self, size: usize, admin: (&str, &str), workers: usize) -> Value {
        let create = self.account_creation(admin).await;
        let mut paced = Vec::new();
        for rate in PACED_ACCOUNTS_PER_SECOND {
            let creations = load::paced(rate, usize::MAX, self.loaded_time(), create.clone());
            let (creations, idle, loaded) = self.get_eq_beside(creations).await;
            paced.push(json!({"per_second_asked": rate, "creations": creations,
                "get_eq_idle": idle, "get_eq_during_creations": loaded,
                "p99_ratio_loaded_over_idle": loaded.p99_ms / idle.p99_ms.max(f64::MIN_POSITIVE)}));
        }
        let creations = load::run(workers, usize::MAX, self.loaded_time(), create);
        let (creations, idle, loaded) = self.get_eq_beside(creations).await;
        json!({"scenario": "accounts", "people": size, "workers": workers,
               "creations": creations, "get_eq_idle": idle, "get_eq_during_creations": loaded,
               "p99_ratio_loaded_over_idle": loaded.p99_ms / idle.p99_ms.max(f64::MIN_POSITIVE),
               "paced": paced})
    }

    /// A storm of SCIM PATCHes (`workers` at once, flat out) beside one client's get-eq
    /// ([`Self::get_eq_beside`]): whether reads keep their latency while writes queue. One
    /// panel account creation a second runs beside them: how long an administrator waits
    /// while the machine is saturated (the hashing thread yields to everything else).
    pub(crate) async fn storm(&self, size: usize, admin: (&str, &str), workers: usize) -> Value {
        let patches = load::run(
            workers,
            self.limits.reads,
            self.loaded_time(),
            path!(self.clone_parts(), scim_patch),
        );
        let create = self.account_creation(admin).await;
        let creations = load::paced(1.0, usize::MAX, self.loaded_time(), create);
        let ((patches, creations), idle, loaded) = self
            .get_eq_beside(async { tokio::join!(patches, creations) })
            .await;
        json!({"scenario": "storm", "people": size, "workers": workers,
               "patches": patches, "account_creations": creations,
               "get_eq_idle": idle, "get_eq_during_patches": loaded,
               "p99_ratio_loaded_over_idle": loaded.p99_ms / idle.p99_ms.max(f64::MIN_POSITIVE)})
    }

    /// Signs `admin` in to the panel: an operation that creates the account of the next
    /// person without one (`known[1..]`, in order, shared by every panel scenario of the
    /// site). Once all of them have one, it re-issues their one-time
    /// passwords in turn instead: the same work, so a scenario never runs out of people (the
    /// panel scenarios together make more accounts than the 600 known people).
    async fn account_creation(
        &self,
        admin: (&str, &str),
    ) -> impl Fn(usize, usize) -> Answer + Clone + Send + Sync + 'static {
        let panel = Arc::new(panel::Panel::sign_in(&self.site.http, admin.0, admin.1).await);
        let candidates: Arc<Vec<Known>> = Arc::new(self.known.iter().skip(1).cloned().collect());
        let taken = self.accounts_taken.clone();
        move |_: usize, _: usize| -> Answer {
            let (panel, candidates) = (panel.clone(), candidates.clone());
            let i = taken.fetch_add(1, Ordering::Relaxed);
            Box::pin(async move {
                match candidates.get(i) {
                    Some(who) => panel.create_account(&who.id).await,
                    None => {
                        let who = &candidates[(i - candidates.len()) % candidates.len()];
                        panel.reissue_password(&who.id).await
                    }
                }
            })
        }
    }

    /// How long a load runs beside the get-eq: twice the point time.
    fn loaded_time(&self) -> Duration {
        self.limits.seconds * 2
    }

    /// One client's get-eq while `load` runs ([`Self::loaded_time`]), and the same get-eq
    /// idle, half just before and half just after, so that a drift of the machine meanwhile
    /// does not fall on the loaded point alone: `load`'s result, the idle and the loaded
    /// get-eq.
    async fn get_eq_beside<T>(
        &self,
        load: impl std::future::Future<Output = T>,
    ) -> (T, Stats, Stats) {
        let mut idle = load::Side::new(path!(self.clone_parts(), scim_get_eq));
        let half = self.limits.seconds / 2;
        idle.slice(1, self.limits.reads, half).await;
        let (done, loaded) = tokio::join!(load, self.scim_get_eq(1, self.loaded_time()));
        idle.slice(1, self.limits.reads, half).await;
        (done, idle.stats(1), loaded)
    }
}
