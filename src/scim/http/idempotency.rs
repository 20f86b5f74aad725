//! The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header §2–§2.7,
//! security.md REL-04) on every POST and PATCH under `/scim/v2` — chosen by method, not by
//! route, so `/Bulk` is covered too.
//!
//! Per client: the first request with a key is recorded durably (state store) before it runs
//! and its response (status, body, `ETag`, `Location`) stored when it ends; the same key with
//! the same request (SHA-256 of method, path, query and body) replays that response with
//! `Idempotency-Replayed: true`; with another request → 422; while the first still runs →
//! 409; a malformed key → 400 (all RFC 7644 §3.12 errors). Records expire
//! [`KEY_TTL`] (24 h) after the first request and are purged periodically; a record still in
//! progress after the request timeout (a crashed daemon, a cancelled request) is abandoned
//! and the next request with the key runs again. A 5xx answer is not stored: the record is
//! released so the client's retry runs again (nothing was applied, or the retry is safe).
//! Nor is a Bulk answer with any operation that failed with a 5xx (issue 14 finding 2): the
//! whole Bulk runs again on the retry, and its creations replay by `externalId`
//! (`provisioning/replay.rs`), so the operations that did succeed are not applied twice.
//!
//! Invariant: a request with a key never runs unless its claim is durably committed; if the
//! state store is unavailable the request is refused with 503, never run unprotected.

use super::{Client, ScimState};
use crate::clock::Clock;
use crate::ports::state::IdempotencyRecords;
use crate::scim::ScimError;
use crate::store::idempotency::{
    Claim, IdempotencyClaim, IdempotencyPolicy, KeyOf, StoredResponse,
};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");
/// How long a key is remembered after its first request.
pub const KEY_TTL: time::Duration = time::Duration::hours(24);
/// RFC-style limit on the key's length.
const MAX_KEY_LEN: usize = 255;
/// Expired records are purged after this many claims (and once at start).
const PURGE_EVERY: u64 = 512;
/// Responses larger than this are not kept (they are list-like; none of ours is).
const MAX_STORED_BODY: usize = 4 * 1024 * 1024;

/// The idempotency part of `ScimState`.
#[derive(Clone)]
pub struct Idempotency {
    pub store: Arc<dyn IdempotencyRecords>,
    pub clock: Arc<dyn Clock>,
    pub policy: IdempotencyPolicy,
    claims: Arc<AtomicU64>,
}

impl Idempotency {
    /// `request_timeout`: an in-progress record older than this is abandoned.
    pub fn new(
        store: impl IdempotencyRecords + 'static,
        clock: Arc<dyn Clock>,
        request_timeout: std::time::Duration,
    ) -> Self {
        let abandon_after =
            time::Duration::try_from(request_timeout).unwrap_or(time::Duration::minutes(1));
        Self {
            store: Arc::new(store),
            clock,
            policy: IdempotencyPolicy {
                ttl: KEY_TTL,
                abandon_after,
            },
            claims: Arc::new(AtomicU64::new(0)),
        }
    }

    fn maybe_purge(&self) {
        if !self
            .claims
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PURGE_EVERY)
        {
            return;
        }
        let (store, now, ttl) = (self.store.clone(), self.clock.now(), self.policy.ttl);
        tokio::spawn(async move {
            match store.purge_idempotency(now, ttl).await {
                Ok(n) if n > 0 => tracing::debug!(removed = n, "expired idempotency keys purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed"),
            }
        });
    }
}

/// The key from the header: a bare token or a structured-field string (`"…"`), 1–255
/// printable ASCII characters.
fn parse_key(value: &HeaderValue) -> Result<String, ScimError> {
    let bad = || {
        ScimError::invalid_syntax(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters"
        ))
    };
    let raw = value.to_str().map_err(|_| bad())?.trim();
    let key = raw
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(raw);
    let printable = key.bytes().all(|b| (0x20..=0x7e).contains(&b));
    if key.is_empty() || key.len() > MAX_KEY_LEN || !printable {
        return Err(bad());
    }
    Ok(key.to_owned())
}

/// The request's fingerprint: hex SHA-256 of method, path (as routed under `/scim/v2`), query
/// and body.
pub fn fingerprint(method: &Method, uri: &axum::http::Uri, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update([0]);
    h.update(uri.path().as_bytes());
    h.update([0]);
    h.update(uri.query().unwrap_or("").as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

/// Releases the claim if the request is dropped before it completes (timeout, disconnect).
struct ClaimGuard {
    store: Arc<dyn IdempotencyRecords>,
    key: KeyOf,
    owner: Option<String>,
}

impl ClaimGuard {
    fn disarm(&mut self) -> Option<String> {
        self.owner.take()
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            let (store, key) = (self.store.clone(), self.key.clone());
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    if let Err(e) = store.release_idempotency(key, owner).await {
                        tracing::warn!(error = %e, "releasing an idempotency key failed");
                    }
                });
            }
        }
    }
}

/// The guard of a POST or PATCH, after authentication (the key is scoped per client);
/// `inner` runs the request when it is not answered from the key's record.
pub async fn guard<F, Fut>(state: &ScimState, request: Request, inner: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let is_write = matches!(*request.method(), Method::POST | Method::PATCH);
    let Some(value) = request.headers().get(&IDEMPOTENCY_KEY).filter(|_| is_write) else {
        return inner(request).await;
    };
    let key = match parse_key(value) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let Some(client) = request.extensions().get::<Client>().cloned() else {
        return ScimError::unauthorized("authentication required").into_response();
    };
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, state.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return ScimError::payload_too_large("the request body is too large").into_response()
        }
    };
    let idem = &state.idempotency;
    let key = KeyOf {
        client: client.who.name.clone(),
        key,
    };
    let print = fingerprint(&parts.method, &parts.uri, &bytes);
    idem.maybe_purge();
    let claim = idem
        .store
        .claim_idempotency(IdempotencyClaim {
            key: key.clone(),
            fingerprint: print,
            now: idem.clock.now(),
            policy: idem.policy,
        })
        .await;
    let owner = match claim {
        Ok(Claim::Started { owner }) => owner,
        Ok(Claim::Replay(stored)) => return replay(stored),
        Ok(Claim::Mismatch) => {
            return ScimError::unprocessable(
                "this Idempotency-Key was used for a different request",
            )
            .into_response()
        }
        Ok(Claim::InFlight) => {
            let detail =
                "a request with this Idempotency-Key is still being processed; retry later";
            return ScimError::conflict(detail).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "idempotency store unavailable");
            return ScimError::unavailable("the server cannot record this request; retry later")
                .into_response();
        }
    };
    let mut guard = ClaimGuard {
        store: idem.store.clone(),
        key: key.clone(),
        owner: Some(owner),
    };
    let response = inner(Request::from_parts(parts, Body::from(bytes))).await;
    let owner = guard.disarm().unwrap_or_default();
    if response.status().is_server_error() {
        if let Err(e) = idem.store.release_idempotency(key, owner).await {
            tracing::warn!(error = %e, "releasing an idempotency key failed");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_STORED_BODY).await else {
        let _ = idem.store.release_idempotency(key, owner).await;
        return ScimError::internal("internal error").into_response();
    };
    if has_failed_bulk_operation(&body) {
        if let Err(e) = idem.store.release_idempotency(key, owner).await {
            tracing::warn!(error = %e, "releasing an idempotency key failed");
        }
        return Response::from_parts(parts, Body::from(body));
    }
    let kept = [header::CONTENT_TYPE, header::ETAG, header::LOCATION]
        .iter()
        .filter_map(|n| {
            let v = parts.headers.get(n)?.to_str().ok()?;
            Some((n.as_str().to_owned(), v.to_owned()))
        })
        .collect();
    let stored = StoredResponse::new(parts.status.as_u16(), kept, &body);
    if let Err(e) = idem.store.complete_idempotency(key, owner, stored).await {
        // The change is done; the key stays in progress until it is abandoned.
        tracing::error!(error = %e, "storing an idempotent response failed");
    }
    Response::from_parts(parts, Body::from(body))
}

/// Whether `body` is a Bulk response (RFC 7644 §3.7.3) with an operation whose status is a
/// server error (5xx): a retry could fix it, so it is not kept under the key.
fn has_failed_bulk_operation(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct BulkAnswer {
        #[serde(rename = "Operations", default)]
        operations: Vec<OperationStatus>,
    }
    #[derive(serde::Deserialize)]
    struct OperationStatus {
        #[serde(default)]
        status: serde_json::Value,
    }
    let Ok(answer) = serde_json::from_slice::<BulkAnswer>(body) else {
        return false;
    };
    answer.operations.iter().any(|op| {
        let code = match &op.status {
            serde_json::Value::String(s) => s.parse::<u16>().ok(),
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            _ => None,
        };
        code.is_some_and(|c| (500..600).contains(&c))
    })
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body()).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    for (name, value) in &stored.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_printable_ascii_of_at_most_255_characters() {
        let ok = |s: &str| parse_key(&HeaderValue::from_str(s).unwrap());
        assert_eq!(ok("8e03978e-40d5").unwrap(), "8e03978e-40d5");
        assert_eq!(ok("\"quoted key\"").unwrap(), "quoted key");
        assert!(ok(&"k".repeat(255)).is_ok());
        assert!(ok(&"k".repeat(256)).is_err());
        assert!(ok("\"\"").is_err());
        let non_ascii = HeaderValue::from_bytes("klucz-żółw".as_bytes()).unwrap();
        assert!(parse_key(&non_ascii).is_err());
    }

    #[test]
    fn a_bulk_answer_with_a_server_error_operation_is_recognised() {
        let failed = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
            "Operations":[{"method":"POST","status":"201"},{"method":"POST","status":"503"}]}"#;
        let ok = br#"{"Operations":[{"status":"201"},{"status":"409"}]}"#;
        assert!(has_failed_bulk_operation(failed));
        assert!(!has_failed_bulk_operation(ok));
        assert!(!has_failed_bulk_operation(br#"{"id":"x","userName":"a"}"#));
        assert!(!has_failed_bulk_operation(b"not json"));
    }

    #[test]
    fn the_fingerprint_covers_method_path_query_and_body() {
        let uri = |s: &str| s.parse::<axum::http::Uri>().unwrap();
        let base = fingerprint(&Method::POST, &uri("/Users"), b"{}");
        assert_eq!(base, fingerprint(&Method::POST, &uri("/Users"), b"{}"));
        assert_ne!(base, fingerprint(&Method::PATCH, &uri("/Users"), b"{}"));
        assert_ne!(base, fingerprint(&Method::POST, &uri("/Groups"), b"{}"));
        assert_ne!(base, fingerprint(&Method::POST, &uri("/Users?x=1"), b"{}"));
        assert_ne!(base, fingerprint(&Method::POST, &uri("/Users"), b"{ }"));
    }
}
