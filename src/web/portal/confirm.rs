//! The link from the confirmation mail (security.md MAIL-04, MAIL-06). `GET` only shows what
//! the link is for and a button: mail scanners that open links spend nothing. The button's
//! `POST` confirms. Both answer with `Referrer-Policy: no-referrer` (set for every page by
//! `web::headers`) and load nothing from elsewhere. The token is never logged (the access log
//! shows `/portal/confirm/…`, see `app::loggable_path`).

use super::texts;
use crate::onboarding::OnboardingError;
use crate::store::confirmations::ConfirmationPurpose;
use crate::web::csrf::csrf_field;
use crate::web::error::{Cause, WebError};
use crate::web::layout::{page, PageContext};
use crate::web::state::PortalState;
use crate::web::WebRequest;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

fn invalid(ctx: &PageContext) -> Response {
    let body = html! {
        p.error role="alert" { (ctx.t(&texts::LINK_INVALID)) }
        p { a href=(super::SIGN_IN_PATH) { (ctx.t(&texts::GO_TO_SIGN_IN)) } }
    };
    (
        StatusCode::GONE,
        page(ctx, ctx.t(&texts::CONFIRM_TITLE), body),
    )
        .into_response()
}

/// `GET /portal/confirm/{token}`
pub async fn show(
    State(state): State<PortalState>,
    ctx: PageContext,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let info = match state.onboarding.check_link(&token).await {
        Ok(i) => i,
        Err(OnboardingError::LinkInvalid(_)) => return Ok(invalid(&ctx)),
        Err(OnboardingError::Unavailable) => {
            return Err(WebError::Unavailable(Cause::LoggedBy("confirmation")))
        }
        Err(_) => return Err(WebError::Internal(Cause::LoggedBy("confirmation"))),
    };
    // The form posts to this same path: the token stays out of the page's other links.
    let action = format!("/portal/confirm/{token}");
    let body = html! {
        p { (ctx.t(&texts::CONFIRM_INTRO).replace("{address}", &info.masked_address)) }
        form method="post" action=(action) {
            (csrf_field(&ctx.csrf))
            button type="submit" id="confirm" { (ctx.t(&texts::CONFIRM_BUTTON)) }
        }
    };
    Ok(page(&ctx, ctx.t(&texts::CONFIRM_TITLE), body).into_response())
}

/// `POST /portal/confirm/{token}`
pub async fn submit(
    WebRequest { state, rc, ctx }: WebRequest<PortalState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let session_person = rc.session.as_ref().map(|s| s.record.person_id.clone());
    match state
        .onboarding
        .confirm(&token, session_person.as_deref(), rc.request_id.clone())
        .await
    {
        Ok(c) => {
            let msg = match c.purpose {
                ConfirmationPurpose::FirstAddress if c.administrators_notified > 0 => {
                    texts::CONFIRMED_FIRST
                }
                ConfirmationPurpose::FirstAddress => texts::CONFIRMED_FIRST_NO_NOTICE,
                ConfirmationPurpose::NewAddress | ConfirmationPurpose::PasswordReset => {
                    texts::CONFIRMED_CHANGE
                }
            };
            let body = html! {
                p.notice role="status" id="confirmed" { (ctx.t(&msg)) }
                p { a href="/portal" { (ctx.t(&texts::GO_TO_PORTAL)) } }
            };
            Ok(page(&ctx, ctx.t(&texts::CONFIRM_TITLE), body).into_response())
        }
        Err(OnboardingError::LinkInvalid(_)) | Err(OnboardingError::WrongState(_)) => {
            Ok(invalid(&ctx))
        }
        Err(OnboardingError::AddressTaken) => {
            let body = html! { p.error role="alert" { (ctx.t(&texts::ADDRESS_TAKEN)) } };
            Ok((
                StatusCode::CONFLICT,
                page(&ctx, ctx.t(&texts::CONFIRM_TITLE), body),
            )
                .into_response())
        }
        Err(OnboardingError::Unavailable) => {
            Err(WebError::Unavailable(Cause::LoggedBy("confirmation")))
        }
        Err(_) => Err(WebError::Internal(Cause::LoggedBy("confirmation"))),
    }
}
