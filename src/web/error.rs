//! Errors of the web edge, rendered as a readable page in the person's language with the
//! right status. Internals are never shown, and each failure is logged once: a cause found
//! at the edge ([`Cause::Here`]) when its page is rendered; a use case's error
//! ([`Cause::LoggedBy`]) was logged by the use case, where the detail was (its error type
//! carries only the kind), so the page adds no second line.
//!
//! `WebError::into_response` renders a plain Polish page and tags the response with
//! [`RenderedError`]; the panel's request middleware (`web::context_layer`) re-renders tagged
//! responses in the chosen language with the full layout (header, sign-out, language switch).

use super::i18n::{msg, Lang, Msg};
use crate::ports::DirectoryError;
use crate::provisioning::ProvisioningError;
use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Where the cause of an unavailable or internal answer is logged (see the module doc).
#[derive(Debug)]
pub enum Cause {
    /// Found at the edge (a store or directory read, a rendering step): logged once, when
    /// the answer is rendered.
    Here(String),
    /// A use case's failure, already logged by the use case (named here for the debug log).
    LoggedBy(&'static str),
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Here(text) => f.write_str(text),
            Cause::LoggedBy(use_case) => write!(f, "{use_case} (logged by the use case)"),
        }
    }
}

impl From<String> for Cause {
    fn from(text: String) -> Self {
        Cause::Here(text)
    }
}

impl From<&str> for Cause {
    fn from(text: &str) -> Self {
        Cause::Here(text.to_owned())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A POST without a valid CSRF token (or from another site): nothing was done.
    #[error("CSRF check failed")]
    Csrf,
    /// Signed in, but not allowed (another school, a missing role).
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// The state changed meanwhile (a second submit, someone else acted).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The directory or a store is down: retry later.
    #[error("unavailable: {0}")]
    Unavailable(Cause),
    #[error("internal: {0}")]
    Internal(Cause),
}

/// The kind of a rendered error, kept in the response's extensions so the middleware can
/// render it again in the person's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderedError {
    pub status: StatusCode,
    pub message: Msg,
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Csrf | WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the person reads.
    pub fn message(&self) -> Msg {
        match self {
            WebError::BadRequest(_) => msg::ERROR_BAD_REQUEST,
            WebError::Csrf => msg::ERROR_CSRF,
            WebError::Forbidden(_) => msg::ERROR_FORBIDDEN,
            WebError::NotFound => msg::ERROR_NOT_FOUND,
            WebError::Conflict(_) => msg::ERROR_CONFLICT,
            WebError::Unavailable(_) => msg::ERROR_UNAVAILABLE,
            WebError::Internal(_) => msg::ERROR_INTERNAL,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match &self {
            WebError::Unavailable(Cause::Here(e)) => {
                tracing::warn!(error = %e, "web: a dependency is unavailable")
            }
            WebError::Internal(Cause::Here(e)) => {
                tracing::error!(error = %e, "web: internal error")
            }
            WebError::Unavailable(Cause::LoggedBy(_)) | WebError::Internal(Cause::LoggedBy(_)) => {
                tracing::debug!(error = %self, "web: answered a use case's failure")
            }
            WebError::Csrf => tracing::info!("web: a POST failed the CSRF check"),
            WebError::Forbidden(e) => tracing::info!(reason = %e, "web: forbidden"),
            WebError::BadRequest(e) => tracing::debug!(reason = %e, "web: bad request"),
            WebError::NotFound | WebError::Conflict(_) => {}
        }
        let rendered = RenderedError {
            status: self.status(),
            message: self.message(),
        };
        let mut response = (
            rendered.status,
            super::layout::error_page(None, Lang::Pl, &rendered),
        )
            .into_response();
        response.extensions_mut().insert(rendered);
        response
    }
}

impl From<DirectoryError> for WebError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::NotFound(_) => WebError::NotFound,
            DirectoryError::Unavailable(m) => WebError::Unavailable(m.into()),
            DirectoryError::InsufficientAccess(m) => WebError::Forbidden(m),
            DirectoryError::AlreadyExists { .. }
            | DirectoryError::StateChanged { .. }
            | DirectoryError::Constraint { .. } => WebError::Conflict(e.client_message()),
            DirectoryError::OutcomeUnknown(m) => WebError::Unavailable(m.into()),
            other => WebError::Internal(other.to_string().into()),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) | StoreError::Io(m) => WebError::Unavailable(m.into()),
            StoreError::Corrupt(m) | StoreError::Incompatible(m) => WebError::Internal(m.into()),
        }
    }
}

impl From<crate::ports::AuditError> for WebError {
    fn from(e: crate::ports::AuditError) -> Self {
        WebError::Unavailable(e.to_string().into())
    }
}

impl From<ProvisioningError> for WebError {
    fn from(e: ProvisioningError) -> Self {
        // Mapped by kind: the text of a provisioning error is for the log only.
        let text = e.to_string();
        match e {
            // Out of scope answers like a missing person: nothing about other schools leaks.
            ProvisioningError::NotFound | ProvisioningError::OutOfScope(_) => WebError::NotFound,
            ProvisioningError::Forbidden(m) => WebError::Forbidden(m),
            ProvisioningError::Conflict(_) | ProvisioningError::PreconditionFailed => {
                WebError::Conflict(text)
            }
            ProvisioningError::Invalid(_) => WebError::BadRequest(text),
            // Logged by provisioning where the directory's or the store's detail was.
            ProvisioningError::Unavailable | ProvisioningError::OutcomeUnknown => {
                WebError::Unavailable(Cause::LoggedBy("provisioning"))
            }
            _ => WebError::Internal(text.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// The log lines written while `f` runs (warnings and errors).
    fn logged(f: impl FnOnce()) -> String {
        #[derive(Clone)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer(Arc::new(Mutex::new(Vec::new())));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    /// Issue 15: a use case logs its failure where it has the detail; the page for it adds no
    /// second line. A failure found at the edge is logged once, when its page is rendered.
    #[test]
    fn each_failure_is_logged_once() {
        let from_use_case = logged(|| {
            let _ = WebError::from(ProvisioningError::Unavailable).into_response();
            let _ = WebError::Internal(Cause::LoggedBy("portal")).into_response();
        });
        assert_eq!(from_use_case, "");
        let at_the_edge = logged(|| {
            let _ = WebError::from(StoreError::Io("disk full".into())).into_response();
        });
        assert_eq!(at_the_edge.lines().count(), 1, "{at_the_edge}");
        assert!(at_the_edge.contains("disk full"));
    }

    #[test]
    fn internals_never_reach_the_page() {
        let response =
            WebError::from(StoreError::Corrupt("table x at /var/lib".into())).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let rendered = response
            .extensions()
            .get::<RenderedError>()
            .copied()
            .unwrap();
        assert_eq!(rendered.message, msg::ERROR_INTERNAL);
    }
}
