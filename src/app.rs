//! Composition of the HTTP service: the assembly of every adapter and use case (`AppState`),
//! the router and its middleware, the listeners.
//!
//! `AppState` (`app/assembly.rs`) is the assembly only: from it each edge gets its own narrow
//! state, built there and nowhere else (`ScimState`, `web::state::{PanelState, PortalState}`,
//! `operator::OperatorState`, `monitoring::MetricsState`, the retention job), so no edge
//! imports this module (`.ci/check-edge-states`). `router(state)` is a plain function so
//! tests drive it in-process (`oneshot`) or on port 0.

use crate::scim::http as scim_http;
use crate::telemetry::RandomRequestId;
use axum::extract::State;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

mod assembly;
pub use assembly::{AppState, StateError};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.server.request_body_limit_bytes;
    let timeout = state.config.server.request_timeout;
    // Body limit and timeout sit inside each part so that each answers in its own format:
    // SCIM errors are RFC 7644 JSON (see `scim::http`).
    let limits = tower::ServiceBuilder::new()
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ));
    let scim = scim_http::router(state.scim(), limits.clone());
    let panel = crate::web::panel_router(state.panel()).layer(limits.clone());
    let portal = crate::web::portal::router(state.portal()).layer(limits.clone());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        .with_state(state)
        .layer(limits)
        .nest("/scim/v2", scim)
        .nest("/panel", panel)
        .nest("/portal", portal)
        // After the last route: `layer` wraps the routes added so far, inside the routing, so
        // the middleware sees the matched route template.
        .layer(axum::middleware::from_fn(crate::monitoring::track_requests))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: query strings may carry personal data (SCIM filters).
                tracing::info_span!(
                    "request",
                    method = %req.method(),
                    path = %loggable_path(req.uri().path()),
                    request_id = %id,
                    client = tracing::field::Empty,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, RandomRequestId))
}

/// The process is up and serving. No dependency is checked.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready when the directory answers a search as the service identity and the audit store and
/// the state store can each commit a write (a store that failed is reopened by the check).
/// Each check gets a short deadline so a hung dependency gives 503, not a hang.
async fn readyz(State(state): State<AppState>) -> Response {
    let deadline = Duration::from_secs(3);
    let ldap = match tokio::time::timeout(deadline, state.directory.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 3 s".to_owned()),
    };
    let audit = match tokio::time::timeout(deadline, state.audit.check_writable()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 3 s".to_owned()),
    };
    let store = match tokio::time::timeout(deadline, state.state.check_writable()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 3 s".to_owned()),
    };
    let ready = ldap.is_ok() && audit.is_ok() && store.is_ok();
    let check = |r: &Result<(), String>| match r {
        Ok(()) => json!({ "status": "ok" }),
        Err(e) => {
            // Logged here once; the body names the failing check but no internals.
            tracing::warn!(error = %e, "readiness check failed");
            json!({ "status": "failing" })
        }
    };
    let mut ldap_check = check(&ldap);
    // Which directory provider (ldap.urls) the daemon uses: the operator's own configuration,
    // shown so that a switch is visible without reading logs.
    if let Some(provider) = state.directory.active_provider() {
        ldap_check["provider"] = json!(provider);
    }
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "checks": { "ldap": ldap_check, "audit": check(&audit), "state": check(&store) },
    });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "status": "not found" })),
    )
        .into_response()
}

/// Serves on `listener` (port 0 picks a free one) until `shutdown` resolves; see
/// [`serve_with_metrics`].
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_metrics(state, listener, None, shutdown).await
}

/// Serves the HTTP API on `listener`, the operator API on its Unix socket and, when given,
/// `GET /metrics` on `metrics` (`crate::monitoring`), until `shutdown` resolves. Then each
/// listener stops accepting, the requests in flight finish (each within the request
/// timeout), and last the audit store is closed: its writer commits what is queued and
/// stops, so every record a finished request wrote is on disk when this returns.
pub async fn serve_with_metrics(
    state: AppState,
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.changed().await;
        }
    };
    // The mail sender stops with the server too (after its current pass).
    let sender = tokio::spawn(state.outbox_sender().run(stopped()));
    // The operator API (`crate::operator`) on its Unix socket stops with the HTTP server.
    let operator = crate::operator::bind(&state.config.server.operator_socket)?;
    // Write intents left open (a crash, a lost connection, a failed audit append) get their
    // one record: at start, before any request is served (a resent Bulk must find the
    // record; connections wait in the listeners' backlogs), then periodically
    // (`provisioning/intents.rs`).
    let provisioning = state.provisioning();
    provisioning.reconcile_intents(state.clock.now()).await;
    let reconciler = tokio::spawn(reconcile_intents(provisioning, stopped()));
    let operator = crate::operator::serve(operator, state.operator(), stopped());
    let metrics = crate::monitoring::serve(state.metrics(), metrics, stopped());
    let audit = state.audit.clone();
    // The panel throttles sign-ins per client address: handlers see the TCP peer (and, behind
    // a trusted proxy, the address it forwarded; `web::client_address`).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let http = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing the requests in flight");
        let _ = stop_tx.send(true);
    });
    let (http, operator, metrics) = tokio::join!(http, operator, metrics);
    let _ = sender.await;
    let _ = reconciler.await;
    audit.close().await;
    tracing::info!("audit store closed");
    http.and(operator).and(metrics)
}

/// How often the reconciler looks for abandoned write intents.
const RECONCILE_EVERY: Duration = Duration::from_secs(30);

async fn reconcile_intents(
    provisioning: crate::provisioning::Provisioning,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(RECONCILE_EVERY) => {
                let cutoff = provisioning.clock.now() - crate::provisioning::ABANDONED_AFTER;
                provisioning.reconcile_intents(cutoff).await;
            }
        }
    }
}

/// The path as logged: a confirmation link's token is a secret (security.md MAIL-08).
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/portal/confirm/") {
        "/portal/confirm/…"
    } else if path.starts_with("/portal/nowe-haslo/") {
        "/portal/nowe-haslo/…"
    } else {
        path
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
