//! How many writes the daemon has in slapd at once (`ldap.writes_in_flight`).
//!
//! slapd applies writes one at a time (back-mdb has one write transaction), but each write it
//! has been sent holds one of its worker threads (`olcThreads`, 16 by default) while it waits
//! for that transaction. The pool pipelines without limit, so under a storm of PATCHes at
//! concurrency 64 the waiting writes took every thread and the reads queued behind them: a
//! PATCH's own search took 8–9 ms on average instead of 0.6 (BENCHMARKS.md, issue 17). A write
//! therefore first takes a place here; the rest wait in the daemon, in arrival order, where
//! they cost slapd nothing, and a write's throughput is what slapd's one writer allows either
//! way. Reads and binds never wait here.
//!
//! A write that gets no place within the operation timeout is not sent at all: the caller
//! gets `Unavailable` (nothing written, as when no connection can be had), never an unknown
//! outcome.

use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// The places; a write holds one from before it is sent until its answer (or failure).
#[derive(Debug)]
pub(super) struct WritePlaces {
    places: Semaphore,
    limit: usize,
}

impl WritePlaces {
    /// `limit` places (at least one).
    pub(super) fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        Self {
            places: Semaphore::new(limit),
            limit,
        }
    }

    /// A place, waited for in arrival order for at most `wait`; `None` when none came free.
    pub(super) async fn take(&self, wait: Duration) -> Option<SemaphorePermit<'_>> {
        tokio::time::timeout(wait, self.places.acquire())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// How many places there are (`ldap.writes_in_flight`), for the refusal's message.
    pub(super) fn limit(&self) -> usize {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const SHORT: Duration = Duration::from_millis(30);

    #[tokio::test]
    async fn a_write_beyond_the_limit_waits_for_a_place_and_gets_none_when_none_frees() {
        let places = WritePlaces::new(2);
        let first = places.take(SHORT).await.expect("a first place");
        let _second = places.take(SHORT).await.expect("a second place");
        assert!(places.take(SHORT).await.is_none(), "a third beyond 2");
        drop(first);
        assert!(places.take(SHORT).await.is_some(), "the freed place");
    }

    #[tokio::test]
    async fn a_waiting_write_gets_the_place_freed_while_it_waits() {
        let places = Arc::new(WritePlaces::new(1));
        let held = places.take(SHORT).await.expect("the one place");
        let waiter = {
            let places = places.clone();
            tokio::spawn(async move { places.take(Duration::from_secs(10)).await.is_some() })
        };
        tokio::task::yield_now().await;
        drop(held);
        assert!(waiter.await.expect("the waiter"), "got the freed place");
    }

    #[test]
    fn zero_places_would_stop_every_write_so_there_is_at_least_one() {
        assert_eq!(WritePlaces::new(0).limit(), 1);
    }
}
