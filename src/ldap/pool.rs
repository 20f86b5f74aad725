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
//! Invariants: every operation has a timeout (connect, pool wait, each LDAP op); a connection
//! that failed at the transport level is closed by ldap3 and the pool drops it at its next
//! checkout (`recycle` checks `is_closed`), never handing it out again; only searches
//! (idempotent reads) are retried, with exponential backoff; when TLS is asked for (`ldaps://`
//! or `starttls`) a TLS failure is an error, never a fallback to plain text.

use super::error::{from_ldap, from_result, is_transient};
use super::names::Filter;
use super::providers::Providers;

mod writes;
use crate::ports::{DirectoryError, DirectoryResult};
use crate::{metric_names as names, monitoring};
use deadpool::managed::{self, Manager, Metrics, Object, PoolError, RecycleError, Timeouts};
use ldap3::adapters::EntriesOnly;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
pub use writes::WriteError;

/// How to reach and authenticate to the directory. Built by `config`; `Debug` hides the password.
#[derive(Debug, Clone)]
pub struct LdapOptions {
    /// `ldap://host:port` or `ldaps://host:port` (`ldapi://` for a local socket): the first
    /// provider.
    pub url: String,
    /// The other providers of a replicated directory, in the order they are tried.
    pub standby_urls: Vec<String>,
    pub base_dn: String,
    /// The service identity, e.g. `cn=zszo-connector,ou=system,<base>`.
    pub bind_dn: String,
    pub bind_password: SecretString,
    /// Upgrade an `ldap://` connection with StartTLS (RFC 4511 §4.14).
    pub starttls: bool,
    /// PEM file of trusted CA certificates; the system roots when absent.
    pub ca_file: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub operation_timeout: Duration,
    pub pool_size: usize,
    /// How many times a failed search is tried again (0 = no retry).
    pub read_retries: u32,
    /// `eduPersonPrincipalName` scope: `<login>@<scope>`.
    pub eppn_scope: String,
}

impl LdapOptions {
    /// Development defaults for `url`, `base_dn` and the service identity under it.
    pub fn new(url: &str, base_dn: &str, bind_dn: &str, bind_password: SecretString) -> Self {
        Self {
            url: url.to_owned(),
            standby_urls: Vec::new(),
            base_dn: base_dn.to_owned(),
            bind_dn: bind_dn.to_owned(),
            bind_password,
            starttls: false,
            ca_file: None,
            connect_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(10),
            pool_size: 8,
            read_retries: 2,
            eppn_scope: super::names::eppn_scope_from_base(base_dn)
                .unwrap_or_else(|| "localhost".to_owned()),
        }
    }

    /// Whether a URL or the StartTLS flag asks for TLS.
    pub fn wants_tls(&self) -> bool {
        self.starttls
            || self
                .urls()
                .any(|u| u.to_ascii_lowercase().starts_with("ldaps://"))
    }

    /// Every provider, in order.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.url.as_str()).chain(self.standby_urls.iter().map(String::as_str))
    }
}

/// Builds the rustls configuration: roots from `ca_file` (PEM) when given. `Ok(None)` means
/// "ldap3's default": the system roots. A CA file that cannot be read or holds no certificate
/// is an error naming the file.
pub fn tls_config(ca_file: Option<&Path>) -> DirectoryResult<Option<Arc<ClientConfig>>> {
    let Some(path) = ca_file else {
        return Ok(None);
    };
    let bad = |why: String| DirectoryError::Other(format!("TLS CA file {}: {why}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(bad("holds no PEM certificate".to_owned()));
    }
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| bad(format!("holds an unusable certificate: {e}")))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Some(Arc::new(config)))
}

/// Opens one connection (TCP + TLS or StartTLS as configured), within `connect_timeout`.
pub(crate) async fn open(
    options: &LdapOptions,
    url: &str,
    tls: Option<&Arc<ClientConfig>>,
) -> DirectoryResult<Ldap> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("ldap://")
        || lower.starts_with("ldaps://")
        || lower.starts_with("ldapi://"))
    {
        return Err(DirectoryError::Other(format!(
            "unsupported directory URL {url:?}: use ldap://, ldaps:// or ldapi://"
        )));
    }
    if options.starttls && !lower.starts_with("ldap://") {
        return Err(DirectoryError::Other(format!(
            "StartTLS needs an ldap:// URL, not {url:?}"
        )));
    }
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(options.connect_timeout)
        .set_starttls(options.starttls);
    if let Some(config) = tls {
        settings = settings.set_config(config.clone());
    }
    let (conn, ldap) = LdapConnAsync::with_settings(settings, url)
        .await
        .map_err(|e| match from_ldap(url, e) {
            DirectoryError::Unavailable(m) | DirectoryError::Other(m) => {
                DirectoryError::Unavailable(format!("cannot connect to {m}"))
            }
            other => other,
        })?;
    tokio::spawn(async move {
        if let Err(e) = conn.drive().await {
            tracing::debug!(error = %e, "ldap connection ended");
        }
    });
    Ok(ldap)
}

/// Simple bind (RFC 4513 §5.1.3) within `operation_timeout`.
pub(crate) async fn bind(
    ldap: &mut Ldap,
    dn: &str,
    password: &str,
    timeout: Duration,
) -> DirectoryResult<()> {
    let result = ldap
        .with_timeout(timeout)
        .simple_bind(dn, password)
        .await
        .map_err(|e| from_ldap(dn, e))?;
    if result.rc == 0 {
        Ok(())
    } else {
        Err(from_result(dn, &result))
    }
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
            options,
            tls,
            providers,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bind_password() {
        let o = LdapOptions::new(
            "ldap://127.0.0.1:389",
            "dc=zszo,dc=krakow,dc=pl",
            "cn=zszo-connector,ou=system,dc=zszo,dc=krakow,dc=pl",
            SecretString::from("hunter2-very-secret"),
        );
        let shown = format!("{o:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(o.eppn_scope, "zszo.krakow.pl");
        assert!(!o.wants_tls());
    }

    #[test]
    fn tls_is_wanted_for_ldaps_and_starttls() {
        let mut o = LdapOptions::new("LDAPS://h", "dc=x", "cn=s,dc=x", SecretString::from("p"));
        assert!(o.wants_tls());
        o.url = "ldap://h".into();
        o.starttls = true;
        assert!(o.wants_tls());
    }

    #[test]
    fn without_a_ca_file_the_system_roots_are_used() {
        assert!(tls_config(None).unwrap().is_none());
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_clear_error() {
        let missing = tls_config(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert!(
            missing.to_string().contains("/nonexistent/ca.pem"),
            "{missing}"
        );
        assert!(missing.to_string().contains("cannot be read"), "{missing}");

        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = tls_config(Some(&empty)).unwrap_err();
        assert!(e.to_string().contains("holds no PEM certificate"), "{e}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = tls_config(Some(&garbage)).unwrap_err();
        assert!(e.to_string().contains("garbage.pem"), "{e}");
    }

    #[tokio::test]
    async fn starttls_with_an_ldaps_url_is_refused_before_connecting() {
        let mut o = LdapOptions::new(
            "ldaps://127.0.0.1:1",
            "dc=x",
            "cn=s,dc=x",
            SecretString::from("p"),
        );
        o.starttls = true;
        let e = open(&o, &o.url, None).await.unwrap_err();
        assert!(
            e.to_string().contains("StartTLS needs an ldap:// URL"),
            "{e}"
        );
        o.url = "http://127.0.0.1:1".into();
        o.starttls = false;
        assert!(open(&o, &o.url, None)
            .await
            .unwrap_err()
            .to_string()
            .contains("unsupported"));
    }
}
