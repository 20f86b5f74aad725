//! `POST /Bulk` (RFC 7644 §3.7): parse with `crate::scim::bulk`, run each operation through
//! the same handler code as its single-resource route, answer a BulkResponse (§3.7.3).
//!
//! Execution: operations without `bulkId` references start in request order, at most
//! [`CONCURRENCY`] at a time (8: enough for one operation's reads, write intent and audit
//! record to overlap the others' writes, which slapd applies one at a time and the pool sends
//! at most `ldap.writes_in_flight` at once; more would only queue there). An operation with references waits — without holding a slot —
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
use super::{users, Client, ScimState};
use crate::scim::bulk::{
    bulk_response, dependencies, parse_bulk, substitute, OpOutcome, Operation,
};
use crate::scim::discovery::Discovery;
use crate::scim::ScimError;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Semaphore};

mod apply;
use apply::{apply, Written};

/// Operations of one bulk request running at once (see the module documentation).
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
