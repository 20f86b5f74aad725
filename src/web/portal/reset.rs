//! "Nie pamiętam hasła" in the Access Portal (`onboarding::reset`): ask for a link by login
//! (one answer for every login, throttled per login and per address), then the link's page
//! with the new password (GET shows the form and spends nothing; the POST sets it). The token
//! is never logged (`app::loggable_path` shows `/portal/nowe-haslo/…`).

use super::first_login::password_fields;
use super::{texts, FormError, SIGN_IN_PATH};
use crate::onboarding::OnboardingError;
use crate::web::csrf::csrf_field;
use crate::web::error::{Cause, WebError};
use crate::web::i18n::Msg;
use crate::web::layout::{page, PageContext};
use crate::web::state::PortalState;
use crate::web::WebRequest;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub const FORGOT_PATH: &str = "/portal/nie-pamietam-hasla";
/// [`FORGOT_PATH`] inside the portal's router.
pub const FORGOT_PATH_IN_PORTAL: &str = "/nie-pamietam-hasla";

fn ask_form(ctx: &PageContext) -> Markup {
    let body = html! {
        p { (ctx.t(&texts::FORGOT_INTRO)) }
        form method="post" action=(FORGOT_PATH) {
            (csrf_field(&ctx.csrf))
            div.form-row {
                label for="login" { (ctx.t(&texts::LOGIN)) }
                input id="login" type="text" name="login" required maxlength="64"
                    autocomplete="username" autocapitalize="none" spellcheck="false";
            }
            button type="submit" id="send-reset" { (ctx.t(&texts::FORGOT_SEND)) }
        }
        p { (ctx.t(&texts::FORGOT_NO_ADDRESS)) }
        p { a href=(SIGN_IN_PATH) { (ctx.t(&texts::GO_TO_SIGN_IN)) } }
    };
    page(ctx, ctx.t(&texts::FORGOT_TITLE), body)
}

/// `GET /portal/nie-pamietam-hasla`
pub async fn ask(ctx: PageContext) -> Response {
    ask_form(&ctx).into_response()
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    login: String,
}

/// `POST /portal/nie-pamietam-hasla`: the same page whatever happened (a link queued, no
/// such login, no confirmed address, throttled); the audit record says which.
pub async fn send(
    WebRequest { state, rc, ctx }: WebRequest<PortalState>,
    Form(f): Form<AskForm>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let typed: String = f.login.trim().chars().take(64).collect();
    // Its own key per login (":" is never in a login), the address shared with sign-ins: an
    // address that keeps asking is slowed down like one that keeps guessing.
    let key = format!("reset:{typed}");
    let throttle = &state.throttle;
    let throttled = throttle.is_blocked(&key, rc.addr, now).await;
    if !throttled {
        throttle.record_failure(&key, rc.addr, now).await;
    }
    match state
        .onboarding
        .request_password_reset(&typed, ctx.lang.code(), throttled, rc.request_id.clone())
        .await
    {
        Ok(()) | Err(OnboardingError::LinkInvalid(_)) | Err(OnboardingError::WrongState(_)) => {}
        Err(OnboardingError::Throttled(_)) | Err(OnboardingError::InvalidCredentials) => {}
        Err(OnboardingError::Unavailable) => {
            return Err(WebError::Unavailable(Cause::LoggedBy("reset")))
        }
        Err(_) => return Err(WebError::Internal(Cause::LoggedBy("reset"))),
    }
    let body = html! {
        p.notice role="status" id="reset-sent" { (ctx.t(&texts::FORGOT_SENT)) }
        p { (ctx.t(&texts::FORGOT_NO_ADDRESS)) }
        p { a href=(SIGN_IN_PATH) { (ctx.t(&texts::GO_TO_SIGN_IN)) } }
    };
    Ok(page(&ctx, ctx.t(&texts::FORGOT_TITLE), body).into_response())
}

fn invalid(ctx: &PageContext) -> Response {
    let body = html! {
        p.error role="alert" { (ctx.t(&texts::RESET_LINK_INVALID)) }
        p { a href=(FORGOT_PATH) { (ctx.t(&texts::FORGOT_TITLE)) } }
    };
    (
        StatusCode::GONE,
        page(ctx, ctx.t(&texts::RESET_TITLE), body),
    )
        .into_response()
}

fn new_password_form(ctx: &PageContext, token: &str, error: Option<Msg>) -> Markup {
    // The form posts to this same path: the token stays out of the page's other links.
    let action = format!("/portal/nowe-haslo/{token}");
    let body = html! {
        p { (ctx.t(&texts::RESET_INTRO)) }
        form method="post" action=(action) {
            (csrf_field(&ctx.csrf))
            (password_fields(ctx, error.map(|m| (m, None)), true))
            button type="submit" id="set-password" { (ctx.t(&texts::SAVE)) }
        }
    };
    page(ctx, ctx.t(&texts::RESET_TITLE), body)
}

/// `GET /portal/nowe-haslo/{token}`: the form, if the link still works (nothing is spent).
pub async fn show(
    State(state): State<PortalState>,
    ctx: PageContext,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match state.onboarding.check_reset_link(&token).await {
        Ok(_) => Ok(new_password_form(&ctx, &token, None).into_response()),
        Err(OnboardingError::LinkInvalid(_)) => Ok(invalid(&ctx)),
        Err(OnboardingError::Unavailable) => Err(WebError::Unavailable(Cause::LoggedBy("reset"))),
        Err(_) => Err(WebError::Internal(Cause::LoggedBy("reset"))),
    }
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    password: Option<SecretString>,
    #[serde(default)]
    password_repeat: Option<SecretString>,
}

/// `POST /portal/nowe-haslo/{token}`: sets the password; every session of the person ends.
pub async fn submit(
    WebRequest { state, rc, ctx }: WebRequest<PortalState>,
    Path(token): Path<String>,
    Form(f): Form<NewPasswordForm>,
) -> Result<Response, WebError> {
    let empty = || SecretString::from("");
    let (new, repeat) = (
        f.password.unwrap_or_else(empty),
        f.password_repeat.unwrap_or_else(empty),
    );
    if new.expose_secret() != repeat.expose_secret() {
        let form = new_password_form(&ctx, &token, Some(texts::PASSWORDS_DIFFER));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, form).into_response());
    }
    match state
        .onboarding
        .reset_password(&token, &new, rc.request_id.clone())
        .await
    {
        Ok(_) => {
            let body = html! {
                p.notice role="status" id="password-reset" { (ctx.t(&texts::RESET_DONE)) }
                p { a href=(SIGN_IN_PATH) { (ctx.t(&texts::GO_TO_SIGN_IN)) } }
            };
            Ok(page(&ctx, ctx.t(&texts::RESET_TITLE), body).into_response())
        }
        Err(OnboardingError::LinkInvalid(_)) | Err(OnboardingError::WrongState(_)) => {
            Ok(invalid(&ctx))
        }
        Err(e) => match FormError::from(e) {
            FormError::Shown(status, msg, _) => {
                Ok((status, new_password_form(&ctx, &token, Some(msg))).into_response())
            }
            FormError::Page(e) => Err(e),
        },
    }
}
