//! Errors of the web edge, rendered as a readable page in the person's language with the
//! right status. Internals are logged once here and never shown.
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
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
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
            WebError::Unavailable(e) => {
                tracing::warn!(error = %e, "panel: a dependency is unavailable")
            }
            WebError::Internal(e) => tracing::error!(error = %e, "panel: internal error"),
            WebError::Csrf => tracing::info!("panel: a POST failed the CSRF check"),
            WebError::Forbidden(e) => tracing::info!(reason = %e, "panel: forbidden"),
            WebError::BadRequest(e) => tracing::debug!(reason = %e, "panel: bad request"),
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
            DirectoryError::Unavailable(m) => WebError::Unavailable(m),
            DirectoryError::InsufficientAccess(m) => WebError::Forbidden(m),
            DirectoryError::AlreadyExists { .. }
            | DirectoryError::StateChanged { .. }
            | DirectoryError::Constraint { .. } => WebError::Conflict(e.client_message()),
            DirectoryError::OutcomeUnknown(m) => WebError::Unavailable(m),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) | StoreError::Io(m) => WebError::Unavailable(m),
            StoreError::Corrupt(m) | StoreError::Incompatible(m) => WebError::Internal(m),
        }
    }
}

impl From<crate::ports::AuditError> for WebError {
    fn from(e: crate::ports::AuditError) -> Self {
        WebError::Unavailable(e.to_string())
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
            ProvisioningError::Unavailable | ProvisioningError::OutcomeUnknown => {
                WebError::Unavailable(text)
            }
            _ => WebError::Internal(text),
        }
    }
}
