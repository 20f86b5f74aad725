//! The scenarios that measure one SCIM client's get-eq beside a load (panel account
//! creations, a storm of PATCHes) against the same get-eq idle.

use super::{panel, Ctx, Known};
use crate::load::{self, Stats};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

impl Ctx {
    /// Panel account creations flat out (`workers` at once) beside one client's get-eq
    /// ([`Self::get_eq_beside`]).
    pub(crate) async fn accounts(&self, size: usize, admin: (&str, &str), workers: usize) -> Value {
        let panel = Arc::new(panel::Panel::sign_in(&self.site.http, admin.0, admin.1).await);
        let candidates: Arc<Vec<Known>> = Arc::new(self.known.iter().skip(1).cloned().collect());
        let creations = load::run(
            workers,
            candidates.len(),
            self.loaded_time(),
            move |_, i| {
                let (panel, candidates) = (panel.clone(), candidates.clone());
                async move { panel.create_account(&candidates[i].id).await }
            },
        );
        let (creations, idle, loaded) = self.get_eq_beside(creations).await;
        json!({"scenario": "accounts", "people": size, "workers": workers,
               "creations": creations, "get_eq_idle": idle, "get_eq_during_creations": loaded,
               "p99_ratio_loaded_over_idle": loaded.p99_ms / idle.p99_ms.max(f64::MIN_POSITIVE)})
    }

    /// A storm of SCIM PATCHes (`workers` at once, flat out) beside one client's get-eq
    /// ([`Self::get_eq_beside`]): whether reads keep their latency while writes queue.
    pub(crate) async fn storm(&self, size: usize, workers: usize) -> Value {
        let patches = load::run(
            workers,
            self.limits.reads,
            self.loaded_time(),
            path!(self.clone_parts(), scim_patch),
        );
        let (patches, idle, loaded) = self.get_eq_beside(patches).await;
        json!({"scenario": "storm", "people": size, "workers": workers,
               "patches": patches, "get_eq_idle": idle, "get_eq_during_patches": loaded,
               "p99_ratio_loaded_over_idle": loaded.p99_ms / idle.p99_ms.max(f64::MIN_POSITIVE)})
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
