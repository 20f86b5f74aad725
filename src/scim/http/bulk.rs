//! `POST /Bulk` (RFC 7644 §3.7): parse with `crate::scim::bulk`, run each operation through
//! the same handler code as its single-resource route, answer a BulkResponse (§3.7.3).
//!
//! Execution: operations without `bulkId` references start in request order, at most
//! [`CONCURRENCY`] at a time (the default LDAP pool size, `ldap.pool_size = 8`: more would
//! only queue on the pool). An operation with references waits — without holding a slot —
//! until every operation it references has finished, then runs with their ids substituted;
//! if one of them failed, it fails with `invalidValue` (§3.7.2). The response lists the
//! attempted operations in request order.
//!
//! `failOnErrors` (§3.7.3): once that many operations have failed, no further operation is
//! started; those are neither applied nor reported. Operations already running finish and
//! are reported (with concurrency, "after the n-th error" means "not yet started").
//!
//! Limits (§3.7.4), both answered with 413 naming the limit and both advertised in
//! `/ServiceProviderConfig` by [`limits`]: `maxOperations` (from the served document) and
//! `maxPayloadSize` (the smaller of the document's and the server's body limit).
//!
//! Invariant: an operation that was started runs to its end even if the client goes away
//! (its use case writes its audit record); only operations not yet started are dropped.

use super::body::ScimJson;
use super::convert::{
    group_profile, group_view, new_group_school, person_profile, user_view, Changed,
};
use super::write::{self, ResourceWrite};
use super::{groups, users, Client, ScimState};
use crate::ports::{GroupEntry as Group, PersonEntry as Person};
use crate::provisioning::{Applied, Precondition};
use crate::scim::bulk::{
    bulk_response, dependencies, parse_bulk, substitute, Method, OpOutcome, Operation, Resource,
};
use crate::scim::discovery::Discovery;
use crate::scim::group::parse_group;
use crate::scim::user::{parse_user, WriteMode};
use crate::scim::ScimError;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Semaphore};

/// Operations of one bulk request running at once (matches the default LDAP pool size).
pub const CONCURRENCY: usize = 8;

/// The limits Bulk enforces, exactly as `/ServiceProviderConfig` advertises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    pub max_operations: usize,
    pub max_payload_size: usize,
}

pub fn limits(state: &ScimState) -> BulkLimits {
    let d = Discovery::get();
    BulkLimits {
        max_operations: d.max_operations(),
        max_payload_size: d.max_payload_size().min(state.body_limit),
    }
}

pub async fn bulk(
    State(state): State<ScimState>,
    client: Client,
    request: Request,
) -> Result<Response, ScimError> {
    client.require_write()?;
    let limits = limits(&state);
    let sized = ScimState::new(super::ScimParts {
        body_limit: limits.max_payload_size,
        ..(*state).clone()
    });
    let ScimJson(body) =
        ScimJson::from_request(request, &sized)
            .await
            .map_err(|e| match e.status {
                413 => ScimError::payload_too_large(format!(
                    "the request body exceeds maxPayloadSize ({} bytes)",
                    limits.max_payload_size
                )),
                _ => e,
            })?;
    let request = parse_bulk(body, limits.max_operations)?;
    let outcomes = execute(&state, &client, request).await;
    Ok((StatusCode::OK, Json(bulk_response(&outcomes))).into_response())
}

/// What became of an operation, for those that reference it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resolution {
    Pending,
    /// Succeeded; the id of the resource it created or changed.
    Done(String),
    Failed,
    /// Not started (failOnErrors reached, or the request was abandoned).
    NotAttempted,
}

/// Shared by the tasks of one request.
struct Run {
    state: ScimState,
    client: Client,
    errors: AtomicUsize,
    fail_on_errors: usize,
    /// Set when the handler is dropped (client gone, timeout): start nothing more.
    abandoned: AtomicBool,
    slots: Semaphore,
}

impl Run {
    fn stopped(&self) -> bool {
        self.abandoned.load(Ordering::SeqCst)
            || self.errors.load(Ordering::SeqCst) >= self.fail_on_errors
    }
}

struct AbandonOnDrop(Arc<Run>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.abandoned.store(true, Ordering::SeqCst);
    }
}

async fn execute(
    state: &ScimState,
    client: &Client,
    request: crate::scim::bulk::BulkRequest,
) -> Vec<OpOutcome> {
    let deps = dependencies(&request.slots);
    let run = Arc::new(Run {
        state: state.clone(),
        client: client.clone(),
        errors: AtomicUsize::new(0),
        fail_on_errors: request.fail_on_errors.unwrap_or(usize::MAX),
        abandoned: AtomicBool::new(false),
        slots: Semaphore::new(CONCURRENCY),
    });
    let _guard = AbandonOnDrop(run.clone());
    let (senders, receivers): (Vec<_>, Vec<_>) = request
        .slots
        .iter()
        .map(|_| watch::channel(Resolution::Pending))
        .unzip();
    let bulk_ids: Vec<Option<String>> = request.slots.iter().map(|s| s.bulk_id.clone()).collect();
    let mut tasks = Vec::with_capacity(request.slots.len());
    for ((slot, deps), tx) in request.slots.into_iter().zip(deps).zip(senders) {
        if run.stopped() {
            break;
        }
        let outcome = |status: u16, error: Option<ScimError>| OpOutcome {
            method: slot.method.clone(),
            bulk_id: slot.bulk_id.clone(),
            location: None,
            version: None,
            status,
            error,
        };
        let invalid = match (slot.op, deps) {
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            (Ok(op), Ok(deps)) => Ok((op, deps)),
        };
        let (op, deps) = match invalid {
            Err(e) => {
                run.errors.fetch_add(1, Ordering::SeqCst);
                tx.send_replace(Resolution::Failed);
                tasks.push(Task::Ready(Some(outcome(e.status, Some(e)))));
                continue;
            }
            Ok(x) => x,
        };
        let waits: Vec<(String, watch::Receiver<Resolution>)> = deps
            .iter()
            .map(|&j| {
                (
                    bulk_ids[j].clone().unwrap_or_default(),
                    receivers[j].clone(),
                )
            })
            .collect();
        // Independent operations take their slot here, in request order.
        let permit = match waits.is_empty() {
            true => match run.slots.acquire().await {
                Ok(p) => {
                    p.forget();
                    true
                }
                Err(_) => break,
            },
            false => false,
        };
        if permit && run.stopped() {
            run.slots.add_permits(1);
            break;
        }
        let base = outcome(0, None);
        let run = run.clone();
        tasks.push(Task::Running(tokio::spawn(async move {
            let result = run_one(&run, op, waits, permit).await;
            let (resolution, out) = match result {
                None => (Resolution::NotAttempted, None),
                Some(Ok(w)) => (
                    Resolution::Done(w.id),
                    Some(OpOutcome {
                        location: w.location,
                        version: w.version,
                        status: w.status,
                        ..base
                    }),
                ),
                Some(Err(e)) => {
                    run.errors.fetch_add(1, Ordering::SeqCst);
                    (
                        Resolution::Failed,
                        Some(OpOutcome {
                            status: e.status,
                            error: Some(e),
                            ..base
                        }),
                    )
                }
            };
            tx.send_replace(resolution);
            out
        })));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        let out = match task {
            Task::Ready(o) => o,
            Task::Running(handle) => handle.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "a bulk operation task failed");
                None
            }),
        };
        outcomes.extend(out);
    }
    outcomes
}

enum Task {
    Ready(Option<OpOutcome>),
    Running(tokio::task::JoinHandle<Option<OpOutcome>>),
}

/// Waits for the referenced operations, takes a slot, runs. `None`: not attempted.
async fn run_one(
    run: &Run,
    op: Operation,
    waits: Vec<(String, watch::Receiver<Resolution>)>,
    has_slot: bool,
) -> Option<Result<Written, ScimError>> {
    let mut resolved = HashMap::new();
    for (bulk_id, mut rx) in waits {
        let r = rx
            .wait_for(|r| *r != Resolution::Pending)
            .await
            .map(|r| r.clone())
            .unwrap_or(Resolution::NotAttempted);
        match r {
            Resolution::Done(id) => {
                resolved.insert(bulk_id, id);
            }
            Resolution::Failed => {
                return Some(Err(ScimError::invalid_value(format!(
                    "bulkId:{bulk_id} refers to an operation that failed"
                ))))
            }
            Resolution::NotAttempted | Resolution::Pending => return None,
        }
    }
    if !has_slot {
        run.slots.acquire().await.ok()?.forget();
    }
    let result = match run.stopped() {
        true => None,
        false => Some(apply(run, substitute(&op, &resolved)).await),
    };
    run.slots.add_permits(1);
    result
}

/// What a successful operation reports.
struct Written {
    id: String,
    status: u16,
    location: Option<String>,
    version: Option<String>,
}

/// Runs one resolved operation through the single-resource handlers.
async fn apply(run: &Run, op: Operation) -> Result<Written, ScimError> {
    let state = || State(run.state.clone());
    let expected = match op.version.as_deref() {
        None => Precondition::None,
        Some("*") => Precondition::Exists,
        Some(v) => Precondition::VersionIn(vec![opaque(v).to_owned()]),
    };
    let id = op.id.clone().unwrap_or_default();
    let write = || ResourceWrite {
        client: run.client.clone(),
        id: id.clone(),
        expected: expected.clone(),
    };
    let body = ScimJson(op.data);
    let response = match (op.method, op.resource) {
        (Method::Post, Resource::Users) => return create_user(run, &body.0).await,
        (Method::Post, Resource::Groups) => return create_group(run, &body.0).await,
        (Method::Put, Resource::Users) => write::replace::<Person>(state(), write(), body).await?,
        (Method::Put, Resource::Groups) => write::replace::<Group>(state(), write(), body).await?,
        (Method::Patch, Resource::Users) => users::patch(state(), write(), body).await?,
        (Method::Patch, Resource::Groups) => {
            let whole = axum::extract::Query(super::users::ProjectionParams::default());
            groups::patch(state(), whole, write(), body).await?
        }
        (Method::Delete, Resource::Users) => users::delete(state(), write()).await?.into_response(),
        (Method::Delete, Resource::Groups) => {
            groups::delete(state(), write()).await?.into_response()
        }
    };
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let kind = match op.resource {
        Resource::Users => "User",
        Resource::Groups => "Group",
    };
    let location = header(header::LOCATION).or_else(|| {
        Some(crate::scim::render::location(
            &run.state.base_url,
            kind,
            &id,
        ))
    });
    let id = match op.method {
        Method::Post => location
            .as_deref()
            .and_then(|l| l.rsplit('/').next())
            .unwrap_or_default()
            .to_owned(),
        _ => id,
    };
    Ok(Written {
        id,
        status: response.status().as_u16(),
        location,
        version: header(header::ETAG),
    })
}

/// `POST /Users` in a bulk: as the route, but a person the client already holds under this
/// `externalId` is replaced, not refused (an idempotent replay, `provisioning::replay`).
async fn create_user(run: &Run, body: &serde_json::Value) -> Result<Written, ScimError> {
    let client = &run.client;
    client.require_write()?;
    let draft = parse_user(body, WriteMode::Create)?;
    if draft.account_requested == Some(true) {
        // A replayed POST would have to decide about the request too: ask in a PATCH.
        return Err(ScimError::invalid_value(
            "accountRequested cannot be set in a bulk POST: send it in a PATCH (or POST /Users)",
        ));
    }
    let profile = person_profile(draft, &client.who.scope, Changed::Unknown)?;
    let (applied, entry) = run
        .state
        .provisioning
        .create_or_replay_person(&client.caller(), profile)
        .await?;
    Ok(written(
        run,
        "User",
        &entry.entry.id,
        applied,
        user_view(&entry).meta.etag(),
    ))
}

/// `POST /Groups` in a bulk: an existing group of the school with this `externalId` or
/// `displayName` is replaced (an idempotent replay).
async fn create_group(run: &Run, body: &serde_json::Value) -> Result<Written, ScimError> {
    let client = &run.client;
    client.require_write()?;
    let draft = parse_group(body, WriteMode::Create)?;
    let school = new_group_school(&draft, &client.who.scope)?;
    let (applied, group) = run
        .state
        .provisioning
        .create_or_replay_group(&client.caller(), group_profile(draft, school)?)
        .await?;
    Ok(written(
        run,
        "Group",
        &group.entry.id,
        applied,
        group_view(&group).meta.etag(),
    ))
}

fn written(run: &Run, kind: &str, id: &str, applied: Applied, etag: String) -> Written {
    Written {
        id: id.to_owned(),
        status: match applied {
            Applied::Created => 201,
            Applied::Replayed => 200,
        },
        location: Some(crate::scim::render::location(&run.state.base_url, kind, id)),
        version: Some(etag),
    }
}

/// The opaque value of an entity tag (`W/"v"` → `v`), as `If-Match` compares it.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"')
}
