//! Operational metrics in Prometheus text format: the recorder, the HTTP middleware that counts
//! and times every request, and `GET /metrics` on a listener of its own.
//!
//! Modules record with the `metrics` crate's macros (`counter!`, `histogram!`, `gauge!`) under
//! the names in [`crate::metric_names`]; this module installs the one global Prometheus
//! recorder (only when `server.metrics_listen` is configured: without it every macro is a
//! no-op) and renders it.
//!
//! Protection: `/metrics` is never routed on the public listener (`server.listen`, the one the
//! reverse proxy forwards); it answers only on `server.metrics_listen`, which operators bind to
//! loopback or an internal interface reachable by Prometheus alone. It carries no personal data
//! (labels are route templates, methods, status codes and operation names, never raw URIs).

use crate::store::held::HeldStore;
use crate::store::StateStore;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::metric_names::*;

/// Latency buckets in seconds: loopback LDAP answers in ~0.2 ms, an Argon2id hash takes tens
/// of ms, a request timeout is 30 s.
const LATENCY_BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 512.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (later calls return the same handle). `None` when
/// another recorder was installed first (then the macros feed that one).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS)
                .and_then(|b| {
                    [AUDIT_COMMIT_BATCH, STATE_COMMIT_BATCH]
                        .into_iter()
                        .try_fold(b, |b, name| {
                            b.set_buckets_for_metric(
                                metrics_exporter_prometheus::Matcher::Full(name.into()),
                                &BATCH_BUCKETS,
                            )
                        })
                });
            match builder.and_then(|b| b.install_recorder()) {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .as_ref()
}

/// What a metric is, for its `# TYPE` line (and a histogram's unit).
#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    /// A histogram of durations in seconds.
    Seconds,
    /// A histogram of counts (records or intents per commit).
    Count,
}

/// Every metric's kind and `# HELP` text.
const DESCRIPTIONS: [(&str, Kind, &str); 20] = [
    (
        HTTP_REQUESTS,
        Kind::Counter,
        "HTTP requests answered, by method, route and status",
    ),
    (HTTP_DURATION, Kind::Seconds, "HTTP request latency"),
    (LDAP_DURATION, Kind::Seconds, "LDAP operation latency"),
    (
        LDAP_ERRORS,
        Kind::Counter,
        "LDAP operations that failed: refused (a result code), failed (transport, timeout) or not_sent (a write with no place among ldap.writes_in_flight in time)",
    ),
    (
        LDAP_POOL_WAIT,
        Kind::Seconds,
        "Wait for a pooled LDAP connection",
    ),
    (
        LDAP_WRITE_WAIT,
        Kind::Seconds,
        "Wait of an LDAP write for a place among ldap.writes_in_flight",
    ),
    (
        LDAP_POOL_SIZE,
        Kind::Gauge,
        "LDAP connections open in the pool",
    ),
    (
        LDAP_IN_FLIGHT,
        Kind::Gauge,
        "LDAP operations outstanding (pipelined over the pool's connections)",
    ),
    (
        LDAP_POOL_MAX,
        Kind::Gauge,
        "LDAP pool size limit (ldap.pool_size)",
    ),
    (
        LDAP_POOL_WAITING,
        Kind::Gauge,
        "Requests waiting for an LDAP connection",
    ),
    (
        LDAP_PROVIDER_ACTIVE,
        Kind::Gauge,
        "1 for the directory provider (ldap.urls) the daemon uses now, 0 for the others",
    ),
    (
        LDAP_PROVIDER_SWITCHES,
        Kind::Counter,
        "Moves to another directory provider because the one in use could not be reached",
    ),
    (
        AUDIT_APPEND_DURATION,
        Kind::Seconds,
        "Audit append latency, queued to fsync'd",
    ),
    (
        AUDIT_APPEND_FAILURES,
        Kind::Counter,
        "Audit appends that failed",
    ),
    (
        AUDIT_COMMIT_BATCH,
        Kind::Count,
        "Audit records per fsync'd commit",
    ),
    (
        STATE_COMMIT_BATCH,
        Kind::Count,
        "Write intents per fsync'd state-store commit",
    ),
    (
        HELD_OPERATIONS,
        Kind::Gauge,
        "Deprovisioning operations held by the guard",
    ),
    (
        MAIL_OUTBOX_DEPTH,
        Kind::Gauge,
        "Mails waiting in the outbox",
    ),
    (MAIL_SENT, Kind::Counter, "Mails handed to the SMTP server"),
    (
        MAIL_FAILURES,
        Kind::Counter,
        "Mail delivery attempts that failed (retried later, or dropped)",
    ),
];

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    for (name, kind, help) in DESCRIPTIONS {
        match kind {
            Kind::Counter => describe_counter!(name, help),
            Kind::Gauge => describe_gauge!(name, help),
            Kind::Seconds => describe_histogram!(name, Unit::Seconds, help),
            Kind::Count => describe_histogram!(name, help),
        }
    }
    // Registered at zero so the series exist before their first event (a dashboard or an
    // alert on `rate(...)` needs them); adding zero never changes what others recorded.
    metrics::counter!(MAIL_SENT).increment(0);
    metrics::counter!(LDAP_PROVIDER_SWITCHES).increment(0);
    metrics::counter!(MAIL_FAILURES).increment(0);
    metrics::gauge!(MAIL_OUTBOX_DEPTH).increment(0.0);
    metrics::gauge!(HELD_OPERATIONS).increment(0.0);
}

/// Middleware: counts and times every request under its route template (`/scim/v2/Users/{id}`,
/// never the raw URI, which may carry personal data and has unbounded values).
pub async fn track_requests(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let method = method_label(req.method());
    let response = next.run(req).await;
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(start.elapsed().as_secs_f64());
    response
}

/// Known methods by name, anything else as `other` (the label set stays bounded).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Times one operation into a histogram with the `operation` label.
pub fn observe(histogram: &'static str, operation: &'static str, since: Instant) {
    metrics::histogram!(histogram, "operation" => operation).record(since.elapsed().as_secs_f64());
}

/// What `/metrics` reads at scrape time, and nothing else.
#[derive(Clone)]
pub struct MetricsState {
    /// The guard's held operations (counted).
    pub held: HeldStore,
    /// The state store, for the mail outbox's depth.
    pub outbox: StateStore,
}

/// The metrics listener's router: `GET /metrics` and nothing else.
pub fn router(state: MetricsState) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(state)
}

async fn render(State(state): State<MetricsState>) -> Response {
    let Some(handle) = install() else {
        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    // Read at scrape time: held operations and queued mail live in the state store.
    match state.held.count().await {
        Ok(n) => metrics::gauge!(HELD_OPERATIONS).set(n as f64),
        Err(e) => tracing::warn!(error = %e, "cannot count held operations for /metrics"),
    }
    match state.outbox.outbox_depth().await {
        Ok(n) => metrics::gauge!(MAIL_OUTBOX_DEPTH).set(n as f64),
        Err(e) => tracing::warn!(error = %e, "cannot count the mail outbox for /metrics"),
    }
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Serves `/metrics` on `listener` until `shutdown`, and drains the histograms every few
/// seconds even when nobody scrapes, so their memory stays bounded. Without a listener
/// (`server.metrics_listen` unset) there is nothing to serve.
pub async fn serve(
    state: MetricsState,
    listener: Option<tokio::net::TcpListener>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Some(listener) = listener else {
        return Ok(());
    };
    let upkeep = install().cloned().map(|handle| {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                handle.run_upkeep();
            }
        })
    });
    let result = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(task) = upkeep {
        task.abort();
    }
    result
}
