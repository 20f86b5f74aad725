//! The operator API: a small HTTP/JSON API on a Unix domain socket (`server.operator_socket`)
//! through which `zszo-connector held list|release|discard` and `zszo-connector backup` reach
//! the running daemon, and
//! the client side of it that the CLI uses.
//!
//! Why a socket: redb lets one process open the state file, and the daemon holds it, so the
//! CLI cannot open the held operations itself; asking the daemon also runs release through
//! the daemon's own use cases, directory connection and audit writer.
//!
//! Invariant: the socket file is mode 0600 from the moment it has its name (bound under a
//! temporary name, restricted, then renamed), so its file permissions are the authentication:
//! only the daemon's OS account (and root) can connect. The operator's identity in the audit
//! record is the peer's OS user (`SO_PEERCRED`), plus the name given with `--operator`.

use crate::ports::AuditLog;
use crate::provisioning::{Operator, Provisioning, ProvisioningError};
use crate::store::held::HeldOperation;
use crate::store::StateStore;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{FromRequest, Path, State};
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::sync::Arc;
use tokio::net::{UnixListener, UnixStream};

/// The connecting process's uid (`SO_PEERCRED`).
#[derive(Debug, Clone, Copy)]
struct Peer {
    uid: Option<u32>,
}

impl Connected<axum::serve::IncomingStream<'_, UnixListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, UnixListener>) -> Self {
        Peer {
            uid: stream.io().peer_cred().ok().map(|c| c.uid()),
        }
    }
}

/// Binds the socket with mode 0600; a stale socket of a stopped daemon is replaced, a live one
/// (another daemon answering) is an error.
pub fn bind(path: &std::path::Path) -> io::Result<UnixListener> {
    let named =
        |e: io::Error| io::Error::new(e.kind(), format!("operator socket {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(named)?;
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(named(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "exists and is not a socket",
            )));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(named(io::Error::new(
                io::ErrorKind::AddrInUse,
                "another daemon is serving it",
            )));
        }
        std::fs::remove_file(path).map_err(named)?;
    }
    let mut temp = path.as_os_str().to_owned();
    temp.push(".new");
    let temp = std::path::PathBuf::from(temp);
    let _ = std::fs::remove_file(&temp);
    let listener = std::os::unix::net::UnixListener::bind(&temp).map_err(named)?;
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600)).map_err(named)?;
    std::fs::rename(&temp, path).map_err(named)?;
    listener.set_nonblocking(true).map_err(named)?;
    UnixListener::from_std(listener).map_err(named)
}

/// What the operator API's handlers use.
#[derive(Clone)]
pub struct OperatorState {
    /// The guard's held operations are listed, released and discarded through these use cases.
    pub provisioning: Provisioning,
    /// The audit store, copied by `backup` (its writer copies the file between batches).
    pub audit: Arc<dyn AuditLog>,
    /// The state store, copied by `backup` between its transactions.
    pub state_store: StateStore,
}

/// Serves the operator API until `shutdown` resolves.
pub async fn serve(
    listener: UnixListener,
    state: OperatorState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = Router::new()
        .route("/held", get(list))
        .route("/held/{id}/release", post(release))
        .route("/held/{id}/discard", post(discard))
        .route("/backup", post(backup))
        .with_state(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<Peer>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// A held operation as the operator sees it (the stored profile stays inside the daemon).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldView {
    pub id: u64,
    pub client: String,
    pub operation: String,
    pub target_id: String,
    pub target_dn: String,
    pub login: String,
    pub school: String,
    pub held_at: String,
    pub reason: String,
}

impl From<&HeldOperation> for HeldView {
    fn from(op: &HeldOperation) -> Self {
        let rfc3339 = &time::format_description::well_known::Rfc3339;
        Self {
            id: op.id,
            client: op.client.clone(),
            operation: op.operation().to_owned(),
            target_id: op.target_id.clone(),
            target_dn: op.target_dn.clone(),
            login: op.login.clone(),
            school: op.school.clone(),
            held_at: op.held_at.format(rfc3339).unwrap_or_default(),
            reason: op.reason.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct OperatorBody {
    operator: Option<String>,
}

fn operator(peer: Peer, body: OperatorBody) -> Operator {
    let os_user = peer
        .uid
        .and_then(|uid| {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                .ok()
                .flatten()
        })
        .map(|u| u.name)
        .or_else(|| peer.uid.map(|u| format!("uid{u}")))
        .unwrap_or_else(|| "unknown".into());
    let stated = body
        .operator
        .map(|s| {
            s.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect::<String>()
        })
        .filter(|s| !s.is_empty());
    Operator {
        os_user,
        uid: peer.uid,
        stated,
    }
}

fn error(e: ProvisioningError, id: u64) -> Response {
    let (status, message) = match e {
        ProvisioningError::NotFound => (StatusCode::NOT_FOUND, format!("no held operation {id}")),
        ProvisioningError::Conflict(m) | ProvisioningError::Invalid(m) => (StatusCode::CONFLICT, m),
        ProvisioningError::Unavailable | ProvisioningError::OutcomeUnknown => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the directory or the state store is unavailable; nothing was changed, retry later"
                .into(),
        ),
        other => {
            tracing::error!(error = %other, "operator request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; see the daemon's log".into(),
            )
        }
    };
    (status, Json(json!({ "error": message }))).into_response()
}

async fn list(State(state): State<OperatorState>) -> Response {
    match state.provisioning.held_operations().await {
        Ok(ops) => Json(ops.iter().map(HeldView::from).collect::<Vec<_>>()).into_response(),
        Err(e) => error(e, 0),
    }
}

/// A release or discard of the held operation in the path, by the operator on the socket.
#[derive(FromRequest)]
struct HeldDecision {
    peer: ConnectInfo<Peer>,
    id: Path<u64>,
    body: Option<Json<OperatorBody>>,
}

impl HeldDecision {
    /// The operation's id and who decides.
    fn parts(self) -> (u64, Operator) {
        let who = operator(self.peer.0, self.body.map(|b| b.0).unwrap_or_default());
        (self.id.0, who)
    }
}

async fn release(State(state): State<OperatorState>, decision: HeldDecision) -> Response {
    let (id, who) = decision.parts();
    match state.provisioning.release_held(&who, id).await {
        Ok(r) => Json(json!({
            "released": HeldView::from(&r.operation),
            "applied_to": r.applied_to,
        }))
        .into_response(),
        Err(e) => error(e, id),
    }
}

async fn discard(State(state): State<OperatorState>, decision: HeldDecision) -> Response {
    let (id, who) = decision.parts();
    match state.provisioning.discard_held(&who, id).await {
        Ok(op) => Json(json!({ "discarded": HeldView::from(&op) })).into_response(),
        Err(e) => error(e, id),
    }
}

#[derive(Debug, Deserialize)]
struct BackupBody {
    to: std::path::PathBuf,
    operator: Option<String>,
}

/// `zszo-connector backup`: copies both stores while the daemon serves (`crate::backup`).
async fn backup(
    State(state): State<OperatorState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    Json(body): Json<BackupBody>,
) -> Response {
    let who = operator(
        peer,
        OperatorBody {
            operator: body.operator,
        },
    );
    let actor = crate::domain::audit::Actor::Person(format!("os:{}", who.os_user));
    match crate::backup::take_online(state.audit.as_ref(), &state.state_store, actor, &body.to)
        .await
    {
        Ok(copied) => Json(json!(copied)).into_response(),
        Err(e @ crate::backup::BackupError::Target(_)) => (
            StatusCode::CONFLICT,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "online backup failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": format!("{e}; nothing usable was written, retry later") })),
            )
                .into_response()
        }
    }
}

/// What the CLI gets back: the status and the JSON body.
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// One request to the daemon's operator socket (the CLI side).
pub async fn call(
    socket: &std::path::Path,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<Answer> {
    let stream = UnixStream::connect(socket).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot reach the daemon at {} ({e}); is it running, and are you its OS user?",
            socket.display()
        )
    })?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            body.unwrap_or(Value::Null).to_string(),
        ))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(axum::body::Body::new(response.into_body()), 16 << 20).await?;
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok(Answer { status, body })
}
