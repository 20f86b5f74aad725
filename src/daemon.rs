//! Starting the daemon from a validated `Config`: open the audit store, connect to the
//! directory, build the state, serve. Shared by `serve`, `dev` and `check-config`, so each
//! reports a failed start the same way: one line naming what failed and what to check.

use crate::app::{self, AppState};
use crate::audit::{HmacKey, RedbAuditLog};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::ldap::{LdapDirectory, LdapOptions};
use crate::ports::{AuditLog, Directory};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("audit store {path}: {reason}")]
    Audit { path: String, reason: String },
    #[error("LDAP {url}: {reason}")]
    Ldap { url: String, reason: String },
    #[error("state store: {0}")]
    State(String),
    #[error("SCIM clients: {0}")]
    Clients(String),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
}

pub fn ldap_options(config: &Config) -> LdapOptions {
    config.ldap.clone()
}

pub fn open_audit(config: &Config, clock: Arc<dyn Clock>) -> Result<RedbAuditLog, StartError> {
    let a = &config.audit;
    let err = |reason: String| StartError::Audit {
        path: a.path.display().to_string(),
        reason,
    };
    let key = HmacKey::load(&a.hmac_key_file)
        .map_err(|e| err(format!("HMAC key {}: {e}", a.hmac_key_file.display())))?;
    RedbAuditLog::open(&a.path, key, clock).map_err(|e| err(e.to_string()))
}

pub async fn connect_directory(config: &Config) -> Result<LdapDirectory, StartError> {
    LdapDirectory::connect(ldap_options(config))
        .await
        .map_err(|e| StartError::Ldap {
            url: config.ldap.url.clone(),
            reason: e.to_string(),
        })
}

/// Opens every adapter; the first failure is returned with its explanation.
pub async fn open_state(config: Config) -> Result<AppState, StartError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let audit: Arc<dyn AuditLog> = Arc::new(open_audit(&config, clock.clone())?);
    let ldap = connect_directory(&config).await?;
    warn_if_password_hashes_readable(&ldap).await;
    let directory: Arc<dyn Directory> = Arc::new(ldap);
    let state = crate::store::StateStore::open(&config.state.path)
        .map_err(|e| StartError::State(e.to_string()))?;
    AppState::new(config, directory, audit, state, clock).map_err(|e| match e {
        app::StateError::Clients(e) => StartError::Clients(e.to_string()),
        other => StartError::State(other.to_string()),
    })
}

/// Says once at start when the identity the daemon binds as can read password hashes (a
/// directory whose access control predates this release, or the rootdn): the daemon works,
/// but `check-config` fails until the ACL is applied.
async fn warn_if_password_hashes_readable(directory: &LdapDirectory) {
    match directory.reads_password_hashes().await {
        Ok(false) => {}
        Ok(true) => tracing::warn!(
            "the LDAP identity the daemon binds as can read password hashes; apply this \
             release's olcAccess (schemas/ldap/README.md, Access control)"
        ),
        Err(e) => {
            tracing::warn!(error = %e, "cannot check whether the LDAP identity reads password hashes")
        }
    }
}

async fn bind(addr: std::net::SocketAddr) -> Result<tokio::net::TcpListener, StartError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StartError::Listen {
            addr: addr.to_string(),
            reason: e.to_string(),
        })
}

/// Serves until Ctrl-C or SIGTERM, then lets in-flight requests finish and closes the audit
/// store (`app::serve_with_metrics`).
pub async fn serve(state: AppState) -> Result<(), StartError> {
    let addr = state.config.server.listen;
    let listener = bind(addr).await?;
    let metrics = match state.config.server.metrics_listen {
        Some(metrics_addr) => {
            let l = bind(metrics_addr).await?;
            crate::monitoring::install();
            tracing::info!(address = %metrics_addr, "metrics at /metrics");
            Some(l)
        }
        None => None,
    };
    tracing::info!(address = %addr, "zszo-connector listening");
    // Audit retention (F-03 registers synced first); ends with the runtime.
    tokio::spawn(state.retention_job().run_forever());
    // Chain-head anchors off the machine (log line, optional file); ends with the runtime.
    tokio::spawn(crate::audit::anchor::job(
        state.audit.clone(),
        state.config.audit.anchor_file.clone(),
        state.config.audit.anchor_interval,
        state.clock.clone(),
    ));
    app::serve_with_metrics(state, listener, metrics, app::shutdown_signal())
        .await
        .map_err(|e| StartError::Listen {
            addr: addr.to_string(),
            reason: e.to_string(),
        })
}
