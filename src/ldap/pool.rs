//! Connections to slapd: TLS setup, a `deadpool` pool bound as the service identity, timeouts
//! and bounded read retries.
//!
//! **Pipelining.** An operation does not hold a connection exclusively: it takes the next
//! pooled connection (round robin, all `pool_size` opened at start) and sends its request on a
//! clone of the `ldap3` handle, so many operations are outstanding on one connection at once
//! (LDAP matches answers by message id; slapd works on them in parallel). With exclusive
//! checkout, requests queued for a free connection at concurrency 16 and 64 (measured in
//! BENCHMARKS.md: 10 ms average pool wait with 8 connections).
//!
//! **Providers.** `url` and then `standby_urls` are the providers of a replicated directory,
//! in order. The pool connects to the first that answers and stays there (sticky) while it
//! answers; when a connection to it cannot be made, the next provider is tried (each attempt
//! bounded by `connect_timeout`), and a provider reached becomes the active one. Connections to
//! any other provider are dropped at their next checkout, so all writes go to one provider at a
//! time (slapo-unique and the login allocation stay single-writer: schemas/ldap/README.md).
//!
//! **Writes** are pipelined too, but at most `writes_in_flight` at once (`pool/write_places.rs`):
//! slapd applies them one at a time, and each one waiting there holds one of its threads.
//!
//! Invariants: every operation has a timeout (connect, pool wait, a write's wait for its
//! place, each LDAP op); a connection that failed at the transport level is closed by ldap3
//! and the pool drops it at its next checkout (`recycle` checks `is_closed`), never handing
//! it out again; only searches (idempotent reads) are retried, with exponential backoff;
//! when TLS is asked for (`ldaps://` or `starttls`) a TLS failure is an error, never a
//! fallback to plain text.

use super::error::{from_ldap, from_result, is_transient};
use super::names::Filter;
use super::providers::Providers;

mod change_state;
mod connect;
mod write_places;
mod writes;
use crate::ports::{DirectoryError, DirectoryResult};
use crate::{metric_names as names, monitoring};
pub(crate) use connect::{bind, open};
pub use connect::{tls_config, LdapOptions};
use deadpool::managed::{self, Manager, Metrics, Object, PoolError, RecycleError, Timeouts};
use ldap3::adapters::EntriesOnly;
use ldap3::{Ldap, Scope, SearchEntry};
use rustls::ClientConfig;
use secrecy::ExposeSecret;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
pub use writes::WriteError;

/// One connection to `url` outside the pool, bound as the service identity (comparing the
/// providers of a replicated directory reads each on its own).
pub(super) async fn open_bound(options: &LdapOptions, url: &str) -> DirectoryResult<Ldap> {
    let tls = tls_config(options.ca_file.as_deref())?;
    let mut ldap = open(options, url, tls.as_ref()).await?;
    let password = options.bind_password.expose_secret();
    bind(
        &mut ldap,
        &options.bind_dn,
        password,
        options.operation_timeout,
    )
    .await?;
    Ok(ldap)
}

/// A pooled connection and the provider it goes to.
pub struct Connection {
    ldap: Ldap,
    provider: usize,
}

/// deadpool manager: creates bound connections to the active provider (or the next one that
/// answers); recycling drops closed ones and those to a provider no longer in use.
pub struct LdapManager {
    options: LdapOptions,
    tls: Option<Arc<ClientConfig>>,
    providers: Arc<Providers>,
}

impl LdapManager {
    async fn connect_to(&self, url: &str) -> DirectoryResult<Ldap> {
        let mut ldap = open(&self.options, url, self.tls.as_ref()).await?;
        let password = self.options.bind_password.expose_secret();
        bind(
            &mut ldap,
            &self.options.bind_dn,
            password,
            self.options.operation_timeout,
        )
        .await
        .map_err(|e| match e {
            DirectoryError::Unavailable(m) => {
                DirectoryError::Unavailable(format!("cannot connect to {url}: bind as {m}"))
            }
            other => other,
        })?;
        Ok(ldap)
    }
}

impl Manager for LdapManager {
    type Type = Connection;
    type Error = DirectoryError;

    /// The active provider first, then the others in order (wrapping): a provider that
    /// cannot be reached is passed over; any other failure (a refused bind, a TLS error) is
    /// returned at once, never hidden by moving on (fail closed).
    async fn create(&self) -> DirectoryResult<Connection> {
        let urls = &self.providers.urls;
        let first = self.providers.active();
        let mut last = None;
        for step in 0..urls.len() {
            let index = (first + step) % urls.len();
            match self.connect_to(&urls[index]).await {
                Ok(ldap) => {
                    self.providers.settle_on(index);
                    return Ok(Connection {
                        ldap,
                        provider: index,
                    });
                }
                Err(e @ DirectoryError::Unavailable(_)) => {
                    tracing::debug!(error = %e, "directory provider unreachable");
                    last = Some(e);
                }
                Err(other) => return Err(other),
            }
        }
        Err(last.unwrap_or_else(|| DirectoryError::Unavailable("no directory URL".into())))
    }

    async fn recycle(
        &self,
        conn: &mut Connection,
        _: &Metrics,
    ) -> managed::RecycleResult<DirectoryError> {
        if conn.ldap.is_closed() {
            return Err(RecycleError::message("connection closed"));
        }
        if conn.provider != self.providers.active() {
            return Err(RecycleError::message("provider no longer in use"));
        }
        Ok(())
    }
}

/// The pool plus the operations the adapter needs, each with its timeout and error mapping.
pub struct LdapPool {
    pool: managed::Pool<LdapManager>,
    options: LdapOptions,
    tls: Option<Arc<ClientConfig>>,
    providers: Arc<Providers>,
    /// Writes answered (or failed) so far: part of a list's [`Stamp`](super::page_cache::Stamp).
    writes_done: AtomicU64,
    /// Writes sent to slapd at once (`write_places.rs`).
    write_places: write_places::WritePlaces,
}

impl LdapPool {
    /// Builds the pool and opens one connection so a bad URL or bind fails here.
    pub async fn connect(options: LdapOptions) -> DirectoryResult<Self> {
        let tls = tls_config(options.ca_file.as_deref())?;
        let providers = Arc::new(Providers::new(&options));
        // Creating a connection may try every provider, each within connect + bind time.
        let per_provider = options.connect_timeout + options.operation_timeout;
        let timeouts = Timeouts {
            wait: Some(options.operation_timeout),
            create: Some(per_provider * providers.urls.len() as u32),
            recycle: Some(options.operation_timeout),
        };
        let manager = LdapManager {
            options: options.clone(),
            tls: tls.clone(),
            providers: providers.clone(),
        };
        let pool = managed::Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .timeouts(timeouts)
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| DirectoryError::Other(format!("cannot build the LDAP pool: {e}")))?;
        let this = Self {
            pool,
            write_places: write_places::WritePlaces::new(options.writes_in_flight),
            options,
            tls,
            providers,
            writes_done: AtomicU64::new(0),
        };
        // Open every connection now (checked out together, then all given back) so the
        // operations spread over all of them from the start; the first failure is returned.
        let mut opened = Vec::with_capacity(this.options.pool_size.max(1));
        for _ in 0..this.options.pool_size.max(1) {
            opened.push(this.checkout().await?);
        }
        drop(opened);
        this.record_pool_status();
        Ok(this)
    }

    pub fn options(&self) -> &LdapOptions {
        &self.options
    }

    /// The provider the pool uses now (for `/readyz` and the logs).
    pub fn active_url(&self) -> &str {
        self.providers.active_url()
    }

    /// A handle on the next connection, for one operation (see "Pipelining" above): the
    /// pooled connection itself goes back to the pool at once.
    async fn get(&self) -> DirectoryResult<Ldap> {
        let start = Instant::now();
        let conn = self.checkout().await;
        metrics::histogram!(names::LDAP_POOL_WAIT).record(start.elapsed().as_secs_f64());
        let ldap = Ldap::clone(&conn?.ldap);
        metrics::gauge!(names::LDAP_IN_FLIGHT).increment(1.0);
        Ok(ldap)
    }

    async fn checkout(&self) -> DirectoryResult<Object<LdapManager>> {
        self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => e,
            PoolError::Timeout(kind) => DirectoryError::Unavailable(format!(
                "{}: timed out ({kind:?}) getting a connection",
                self.active_url()
            )),
            other => DirectoryError::Unavailable(format!("{}: {other}", self.active_url())),
        })
    }

    /// The pool's gauges, refreshed after every operation.
    fn record_pool_status(&self) {
        let s = self.pool.status();
        metrics::gauge!(names::LDAP_POOL_SIZE).set(s.size as f64);
        metrics::gauge!(names::LDAP_POOL_MAX).set(s.max_size as f64);
        metrics::gauge!(names::LDAP_POOL_WAITING).set(s.waiting as f64);
        // Republished here too: the recorder may be installed after the pool was built.
        self.providers.publish(self.providers.active());
    }

    /// Ends an operation: records its latency and a transport failure (refusals are counted
    /// where the result code is read). A failed connection is closed by ldap3 itself; the
    /// pool drops it at its next checkout.
    fn settle<T>(
        &self,
        operation: &'static str,
        start: Instant,
        conn: Ldap,
        result: &ldap3::result::Result<T>,
    ) {
        drop(conn);
        metrics::gauge!(names::LDAP_IN_FLIGHT).decrement(1.0);
        monitoring::observe(names::LDAP_DURATION, operation, start);
        if let Err(e) = result {
            if !matches!(e, ldap3::LdapError::LdapResult { .. }) {
                metrics::counter!(names::LDAP_ERRORS, "operation" => operation, "kind" => "failed")
                    .increment(1);
            }
        }
        self.record_pool_status();
    }

    /// Counts an answer whose result code is not success (ldap3 returns those as `Ok`).
    fn refused(operation: &'static str) {
        metrics::counter!(names::LDAP_ERRORS, "operation" => operation, "kind" => "refused")
            .increment(1);
    }

    /// Searches, retrying transient failures up to `read_retries` times with exponential
    /// backoff (50 ms, 100 ms, … capped at 2 s). Reads are idempotent, so this is safe. The
    /// [`fold`](Self::fold) that collects every entry.
    pub async fn search(
        &self,
        base: &str,
        scope: Scope,
        filter: &Filter,
        attrs: &[&str],
    ) -> DirectoryResult<Vec<SearchEntry>> {
        let collect = |entries: &mut Vec<SearchEntry>, entry| entries.push(entry);
        self.fold(base, scope, filter, attrs, collect).await
    }

    /// Runs a read, and again after a transient failure (`ldap.read_retries` times, waiting
    /// 50 ms, then twice as long each time, at most 2 s). Only reads: a write that timed out
    /// may have happened.
    async fn with_read_retries<T, F, Fut>(&self, mut once: F) -> DirectoryResult<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = DirectoryResult<T>>,
    {
        let mut attempt = 0u32;
        loop {
            match once().await {
                Err(e) if is_transient(&e) && attempt < self.options.read_retries => {
                    let delay =
                        Duration::from_millis(50u64 << attempt.min(5)).min(Duration::from_secs(2));
                    tracing::warn!(error = %e, attempt, "ldap search failed, retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Searches and folds each entry into `T` as it arrives, keeping no entry: for passes over
    /// every match of a filter (paging), whose memory must not grow with the matches' entries.
    /// Retried like [`search`](Self::search), each attempt from `T::default()`. Only entries
    /// count (`EntriesOnly`, as ldap3's own collecting search): no referral or intermediate
    /// message is folded.
    pub async fn fold<T: Default + Send>(
        &self,
        base: &str,
        scope: Scope,
        filter: &Filter,
        attrs: &[&str],
        each: impl Fn(&mut T, SearchEntry) + Send + Sync,
    ) -> DirectoryResult<T> {
        let request = SearchRequest::new(base, scope, filter, attrs);
        self.with_read_retries(|| self.fold_once(&request, &each))
            .await
    }

    async fn fold_once<T: Default + Send>(
        &self,
        request: &SearchRequest<'_>,
        each: &(impl Fn(&mut T, SearchEntry) + Send + Sync),
    ) -> DirectoryResult<T> {
        let mut conn = self.get().await?;
        let start = Instant::now();
        let mut acc = T::default();
        let res = async {
            let mut stream = conn
                .with_timeout(self.options.operation_timeout)
                .streaming_search_with(
                    EntriesOnly::new(),
                    request.base,
                    request.scope,
                    &request.filter,
                    request.attrs.to_vec(),
                )
                .await?;
            while let Some(entry) = stream.next().await? {
                each(&mut acc, SearchEntry::construct(entry));
            }
            Ok::<_, ldap3::LdapError>(stream.finish().await)
        }
        .await;
        self.settle("search", start, conn, &res);
        let result = res.map_err(|e| from_ldap(request.base, e))?;
        if result.rc != 0 {
            Self::refused("search");
            return Err(from_result(request.base, &result));
        }
        Ok(acc)
    }

    /// How many writes this pool has sent and seen answered or failed (any outcome: one that
    /// timed out may still happen, and then moves `contextCSN`).
    pub fn writes_done(&self) -> u64 {
        self.writes_done.load(Ordering::SeqCst)
    }

    /// A fresh, unpooled connection (for binding as a person) to the provider in use, with
    /// the same TLS: a person's bind (and its ppolicy bookkeeping) goes where the writes go.
    pub async fn open_unpooled(&self) -> DirectoryResult<Ldap> {
        open(
            &self.options,
            self.providers.active_url(),
            self.tls.as_ref(),
        )
        .await
    }
}

/// One search as each attempt of a retried read sends it: the filter rendered once, before
/// the first attempt.
struct SearchRequest<'a> {
    base: &'a str,
    scope: Scope,
    filter: String,
    attrs: &'a [&'a str],
}

impl<'a> SearchRequest<'a> {
    fn new(base: &'a str, scope: Scope, filter: &Filter, attrs: &'a [&'a str]) -> Self {
        Self {
            base,
            scope,
            filter: filter.render(),
            attrs,
        }
    }
}
