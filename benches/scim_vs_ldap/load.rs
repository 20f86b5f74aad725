//! A closed-loop load generator: `concurrency` workers each run one operation after another
//! until `total` operations were started or `limit` has passed, whichever comes first.
//!
//! [`alternate`] measures two paths (SCIM and direct) of one point in interleaved slices, so
//! that a drift of the machine during the point (a disk whose fsync time changes fivefold
//! within minutes, another process's burst) falls on both paths alike instead of on whichever
//! ran second.

use crate::cpu;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stats {
    pub concurrency: usize,
    pub operations: usize,
    pub errors: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Operations per second in each slice, in the order run (one for [`run`]).
    #[serde(default)]
    pub slice_rates: Vec<f64>,
    /// CPU time per operation, microseconds, of the load generator, the daemon and slapd (in
    /// that order; `cpu.rs`) over this path's slices: what one operation cost the machine,
    /// process by process, at the resolution of the kernel's 10 ms ticks. Meaningful when the
    /// slices ran alone (the two paths of a point); a load measured beside another holds both.
    #[serde(default)]
    pub cpu_us_per_op: Vec<f64>,
}

/// What slices of one path measured so far: latencies, failures and the time they took. The
/// operation numbering continues from slice to slice (`next`), so a PATCH never repeats the
/// value the same person was given by an earlier slice of its path.
pub struct Side<F> {
    op: Arc<F>,
    next: Arc<AtomicUsize>,
    latencies: Vec<Duration>,
    errors: usize,
    seconds: f64,
    slice_rates: Vec<f64>,
    /// CPU seconds of the load generator, the daemon and slapd over the slices so far.
    cpu_seconds: [f64; 3],
}

impl<F, Fut> Side<F>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    pub fn new(op: F) -> Self {
        Self {
            op: Arc::new(op),
            next: Arc::default(),
            latencies: Vec::new(),
            errors: 0,
            seconds: 0.0,
            slice_rates: Vec::new(),
            cpu_seconds: [0.0; 3],
        }
    }

    /// Runs operations numbered from where the last slice stopped, up to number `until`
    /// (exclusive) or for `limit`, from `concurrency` workers.
    pub async fn slice(&mut self, concurrency: usize, until: usize, limit: Duration) {
        let start = Instant::now();
        let cpu_before = cpu::seconds();
        let before = self.latencies.len();
        let workers: Vec<_> = (0..concurrency)
            .map(|worker| {
                let (op, next) = (self.op.clone(), self.next.clone());
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut errors = 0;
                    loop {
                        if start.elapsed() >= limit {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= until {
                            break;
                        }
                        let t = Instant::now();
                        if !op(worker, i).await {
                            errors += 1;
                        }
                        latencies.push(t.elapsed());
                    }
                    (latencies, errors)
                })
            })
            .collect();
        for w in workers {
            let (l, e) = w.await.expect("a load worker panicked");
            self.latencies.extend(l);
            self.errors += e;
        }
        let seconds = start.elapsed().as_secs_f64();
        self.seconds += seconds;
        for (total, (after, before)) in self
            .cpu_seconds
            .iter_mut()
            .zip(cpu::seconds().into_iter().zip(cpu_before))
        {
            // A process that ended (slapd restarted by an experiment) reads as 0.
            if before > 0.0 && after >= before {
                *total += after - before;
            }
        }
        let ran = self.latencies.len() - before;
        self.slice_rates
            .push(ran as f64 / seconds.max(f64::MIN_POSITIVE));
        // Numbers taken by workers that stopped on the time limit were not run: the next
        // slice starts after the last one that was.
        self.next.store(self.latencies.len(), Ordering::Relaxed);
    }

    pub fn stats(mut self, concurrency: usize) -> Stats {
        self.latencies.sort();
        let latencies = &self.latencies;
        let pct = |p: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
            latencies[i].as_secs_f64() * 1000.0
        };
        Stats {
            concurrency,
            operations: latencies.len(),
            errors: self.errors,
            seconds: self.seconds,
            per_second: latencies.len() as f64 / self.seconds.max(f64::MIN_POSITIVE),
            p50_ms: pct(0.50),
            p99_ms: pct(0.99),
            slice_rates: self.slice_rates,
            cpu_us_per_op: self
                .cpu_seconds
                .iter()
                .map(|s| s * 1e6 / latencies.len().max(1) as f64)
                .collect(),
        }
    }
}

/// Runs `op(worker, i)` for i = 0, 1, 2, … from `concurrency` workers; `op` answers whether
/// the operation succeeded. Latencies of failed operations count too (they were waited for).
pub async fn run<F, Fut>(concurrency: usize, total: usize, limit: Duration, op: F) -> Stats
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let mut side = Side::new(op);
    side.slice(concurrency, total, limit).await;
    side.stats(concurrency)
}

/// Measures `a` and `b` (each at most `total` operations in `limit` all told) in `rounds`
/// slices each, interleaved a b b a a b …, so that both paths see the same stretch of the
/// machine's time and a linear drift cancels out. Returns the stats of `a`, then of `b`.
pub async fn alternate<F, FutF, G, FutG>(
    concurrency: usize,
    total: usize,
    limit: Duration,
    rounds: usize,
    a: F,
    b: G,
) -> (Stats, Stats)
where
    F: Fn(usize, usize) -> FutF + Send + Sync + 'static,
    FutF: Future<Output = bool> + Send,
    G: Fn(usize, usize) -> FutG + Send + Sync + 'static,
    FutG: Future<Output = bool> + Send,
{
    let rounds = rounds.max(1);
    let (mut a, mut b) = (Side::new(a), Side::new(b));
    let slice_limit = limit / rounds as u32;
    for round in 0..rounds {
        // Each slice may run up to its share of `total` more operations.
        let until = |done: usize| (done + total.div_ceil(rounds)).min(total);
        let (until_a, until_b) = (until(a.latencies.len()), until(b.latencies.len()));
        if round % 2 == 0 {
            a.slice(concurrency, until_a, slice_limit).await;
            b.slice(concurrency, until_b, slice_limit).await;
        } else {
            b.slice(concurrency, until_b, slice_limit).await;
            a.slice(concurrency, until_a, slice_limit).await;
        }
    }
    (a.stats(concurrency), b.stats(concurrency))
}

/// Starts `op(0, i)` for i = 0, 1, 2, … at `per_second`, each on a task of its own whether or
/// not the ones before have answered (an open loop: a slow answer does not slow the arrivals,
/// as people at their browsers do not wait for each other), until `total` were started or
/// `limit` has passed; then waits for those started. `concurrency` in the stats is 0.
pub async fn paced<F, Fut>(per_second: f64, total: usize, limit: Duration, op: F) -> Stats
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second));
    // Arrivals missed while the runtime was busy are made up at once: the rate is kept.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut started = tokio::task::JoinSet::new();
    for i in 0..total {
        ticks.tick().await;
        if start.elapsed() >= limit {
            break;
        }
        let op = op.clone();
        started.spawn(async move {
            let t = Instant::now();
            let ok = op(0, i).await;
            (t.elapsed(), ok)
        });
    }
    let mut side = Side::new(|_: usize, _: usize| async { true });
    while let Some(done) = started.join_next().await {
        let (latency, ok) = done.expect("a paced operation panicked");
        side.latencies.push(latency);
        side.errors += usize::from(!ok);
    }
    side.seconds = start.elapsed().as_secs_f64();
    side.stats(0)
}
