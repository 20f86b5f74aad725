//! Logging: `tracing` with a human-readable format by default and JSON on request.
//! `RUST_LOG`, when set, overrides the configured level.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls are ignored (tests call it repeatedly).
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// A random UUID (v4) per request from the thread's random generator: `MakeRequestUuid` asked
/// the kernel (`getrandom`) for every request, which showed in the profile of a SCIM GET
/// (issue 17). An id only tells requests apart in logs; nothing is protected by it.
#[derive(Clone, Copy)]
pub struct RandomRequestId;

impl tower_http::request_id::MakeRequestId for RandomRequestId {
    fn make_request_id<B>(
        &mut self,
        _: &axum::http::Request<B>,
    ) -> Option<tower_http::request_id::RequestId> {
        use rand::Rng;
        let id = uuid::Builder::from_random_bytes(rand::thread_rng().gen()).into_uuid();
        axum::http::HeaderValue::from_str(&id.to_string())
            .ok()
            .map(tower_http::request_id::RequestId::new)
    }
}
