//! Composition of the HTTP service: the assembly of every adapter and use case (`AppState`),
//! the router and its middleware, the listeners.
//!
//! `AppState` is the assembly only: from it each edge gets its own narrow state, built here
//! and nowhere else (`ScimState`, `web::state::{PanelState, PortalState}`,
//! `operator::OperatorState`, `monitoring::MetricsState`, the retention job), so no edge
//! imports this module (`.ci/check-edge-states`). `router(state)` is a plain function so
//! tests drive it in-process (`oneshot`) or on port 0.

use crate::clients::{ClientFile, ClientFileError, ClientRegistry};
use crate::clock::Clock;
use crate::config::Config;
use crate::onboarding::links::FileKey;
use crate::ports::{AuditLog, Directory};
use crate::provisioning::{DeprovisioningGuard, Provisioning};
use crate::scim::http::{self as scim_http, ScimState};
use crate::store::held::HeldStore;
use crate::store::sessions::SessionLimits;
use crate::store::StateStore;
use crate::telemetry::RandomRequestId;
use axum::extract::State;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every opened adapter and shared piece of working state; the edges' states are cut from it.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub directory: Arc<dyn Directory>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    pub scim_clients: Arc<ClientRegistry>,
    /// The daemon's working state (idempotency records, held operations).
    pub state: StateStore,
    /// The mass-deprovisioning guard, shared by every use-case call.
    pub guard: Arc<DeprovisioningGuard>,
    /// Failed panel sign-ins per login and per address (`crate::web::throttle`).
    pub panel_throttle: Arc<crate::web::throttle::Throttle>,
    /// Failed portal sign-ins, counted apart from the panel's.
    pub portal_throttle: Arc<crate::web::throttle::Throttle>,
    /// SMTP or `.eml` files (`crate::mail`); used by the outbox sender only.
    pub mailer: Arc<dyn crate::ports::Mailer>,
    /// Wakes the outbox sender when a use case queued mail.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// The key confirmation links are derived with (`portal.link_key_file`).
    pub link_key: Arc<crate::onboarding::links::LinkKey>,
    /// The key administrators' TOTP secrets are encrypted with (`panel.second_factor_key_file`).
    pub second_factor_key: Arc<crate::second_factor::SecretBox>,
    /// Admits password checks and hashes (`passwords.max_hashing_in_flight`).
    pub hashing: Arc<crate::credentials::HashingGate>,
    /// Audit of refused tokens and out-of-scope attempts, rate-limited.
    pub refusals: Arc<crate::provisioning::refusals::RefusalAudit>,
}

/// Why the state could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("SCIM clients: {0}")]
    Clients(#[from] ClientFileError),
    #[error("mail: {0}")]
    Mail(#[from] crate::ports::MailError),
    #[error("portal.link_key_file: {0}")]
    LinkKey(String),
    #[error("panel.second_factor_key_file: {0}")]
    SecondFactorKey(String),
}

impl AppState {
    /// Composes the state from opened adapters; reads the SCIM client registry.
    pub fn new(
        config: Config,
        directory: Arc<dyn Directory>,
        audit: Arc<dyn AuditLog>,
        state: StateStore,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StateError> {
        let scim_clients = Arc::new(ClientRegistry::open(
            ClientFile::new(&config.scim.clients_file),
            clock.clone(),
        )?);
        let guard = Arc::new(DeprovisioningGuard::new(
            config.scim.deprovisioning_guard,
            Arc::new(HeldStore::new(state.clone())),
            clock.clone(),
        ));
        let panel_throttle = Arc::new(crate::web::throttle::Throttle::new(
            config.panel.clone(),
            state.clone(),
            "panel",
        ));
        let portal_throttle = Arc::new(crate::web::throttle::Throttle::new(
            config.panel.clone(),
            state.clone(),
            "portal",
        ));
        let mailer: Arc<dyn crate::ports::Mailer> =
            Arc::new(crate::mail::LettreMailer::new(&config.mail)?);
        let link_key = crate::onboarding::links::LinkKey::new(
            FileKey::load_or_create(&config.portal.link_key_file).map_err(StateError::LinkKey)?,
        );
        let second_factor_key = crate::second_factor::SecretBox::new(
            FileKey::load_or_create(&config.panel.second_factor_key_file)
                .map_err(StateError::SecondFactorKey)?,
        );
        let refusals = Arc::new(crate::provisioning::refusals::RefusalAudit::new(
            audit.clone(),
            directory.clone(),
            clock.clone(),
        ));
        Ok(Self {
            guard,
            refusals,
            panel_throttle,
            portal_throttle,
            mailer,
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            link_key: Arc::new(link_key),
            second_factor_key: Arc::new(second_factor_key),
            hashing: crate::credentials::HashingGate::new(config.passwords.max_hashing_in_flight),
            config: Arc::new(config),
            directory,
            audit,
            clock,
            scim_clients,
            state,
        })
    }

    /// The use cases, with the guard.
    pub fn provisioning(&self) -> Provisioning {
        Provisioning {
            directory: self.directory.clone(),
            audit: self.audit.clone(),
            guard: Some(self.guard.clone()),
            clock: self.clock.clone(),
            password_cost: self.config.passwords,
            retired_logins: Some(Arc::new(crate::store::retired_logins::RetiredLogins::new(
                self.state.clone(),
            ))),
            intents: Some(Arc::new(self.state.clone())),
            sessions: Some(Arc::new(self.state.clone())),
        }
    }

    /// The portal's use cases.
    pub fn onboarding(&self) -> crate::onboarding::Onboarding {
        crate::onboarding::Onboarding {
            directory: self.directory.clone(),
            audit: self.audit.clone(),
            clock: self.clock.clone(),
            state: Arc::new(self.state.clone()),
            outbox: self.outbox_wake.clone(),
            link_key: self.link_key.clone(),
            second_factor_key: self.second_factor_key.clone(),
            hashing: self.hashing.clone(),
            portal: self.config.portal.clone(),
            password_cost: self.config.passwords,
            public_base_url: self.config.server.public_base_url.clone(),
        }
    }

    /// The mail sender over this state's outbox.
    pub fn outbox_sender(&self) -> crate::outbox::OutboxSender {
        crate::outbox::OutboxSender {
            state: self.state.clone(),
            mailer: self.mailer.clone(),
            audit: self.audit.clone(),
            clock: self.clock.clone(),
            link_key: self.link_key.clone(),
            public_base_url: self.config.server.public_base_url.clone(),
            confirmation_ttl: self.config.portal.confirmation_ttl,
            wake: self.outbox_wake.clone(),
        }
    }

    /// The F-02/F-03/F-04 forms' use cases.
    pub fn forms(&self) -> crate::forms::Forms {
        crate::forms::Forms::new(self.audit.clone(), self.state.clone(), self.clock.clone())
    }

    /// The hourly audit retention job (F-03 registers synced first).
    pub fn retention_job(&self) -> crate::forms::retention::RetentionJob {
        crate::forms::retention::RetentionJob {
            forms: self.forms(),
            audit: self.audit.clone(),
            directory: self.directory.clone(),
            clock: self.clock.clone(),
            keep: self.config.audit.retention,
        }
    }

    /// What the request middleware of both web areas needs.
    fn web(&self) -> crate::web::state::WebState {
        let config = &self.config;
        crate::web::state::WebState {
            sessions: crate::web::session::Sessions {
                store: self.state.clone(),
                directory: self.directory.clone(),
                clock: self.clock.clone(),
                panel_limits: SessionLimits {
                    idle: config.panel.idle_timeout,
                    absolute: config.panel.absolute_timeout,
                },
                portal_limits: SessionLimits {
                    idle: config.portal.idle_timeout,
                    absolute: config.portal.absolute_timeout,
                },
            },
            audit: self.audit.clone(),
            trusted_proxies: Arc::new(config.server.trusted_proxies.clone()),
            body_limit: config.server.request_body_limit_bytes,
        }
    }

    fn panel(&self) -> crate::web::state::PanelState {
        crate::web::state::PanelState {
            web: self.web(),
            provisioning: self.provisioning(),
            onboarding: self.onboarding(),
            forms: self.forms(),
            history: crate::history::History {
                audit: self.audit.clone(),
            },
            staff: crate::staff::Staff {
                directory: self.directory.clone(),
            },
            directory: self.directory.clone(),
            refusals: self.refusals.clone(),
            clock: self.clock.clone(),
            throttle: self.panel_throttle.clone(),
            require_second_factor: self.config.panel.require_second_factor,
            public_base_url: self.config.server.public_base_url.clone(),
        }
    }

    fn portal(&self) -> crate::web::state::PortalState {
        crate::web::state::PortalState {
            web: self.web(),
            onboarding: self.onboarding(),
            clock: self.clock.clone(),
            throttle: self.portal_throttle.clone(),
        }
    }

    fn operator(&self) -> crate::operator::OperatorState {
        crate::operator::OperatorState {
            provisioning: self.provisioning(),
            audit: self.audit.clone(),
            state_store: self.state.clone(),
        }
    }

    fn metrics(&self) -> crate::monitoring::MetricsState {
        crate::monitoring::MetricsState {
            held: HeldStore::new(self.state.clone()),
            outbox: self.state.clone(),
        }
    }

    fn scim(&self) -> ScimState {
        ScimState::new(scim_http::ScimParts {
            provisioning: self.provisioning(),
            directory: self.directory.clone(),
            clients: self.scim_clients.clone(),
            refusals: self.refusals.clone(),
            base_url: format!("{}/scim/v2", self.config.server.public_base_url),
            body_limit: self.config.server.request_body_limit_bytes,
            idempotency: scim_http::idempotency::Idempotency::new(
                self.state.clone(),
                self.clock.clone(),
                self.config.server.request_timeout,
            ),
        })
    }
}

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
