//! Portal sign-in and sign-out (security.md RATE-01/03, SESS-01..03): the same throttling and
//! one failure answer as the panel; a new session id at every sign-in; a first sign-in with
//! the one-time password gets a restricted session that reaches only the first-login form.

use super::{texts, FIRST_LOGIN_PATH, SIGN_IN_PATH};
use crate::domain::LoginName;
use crate::onboarding::first_login::SignedIn;
use crate::onboarding::OnboardingError;
use crate::web::error::{Cause, WebError};
use crate::web::i18n::Msg;
use crate::web::layout::{page, PageContext};
use crate::web::state::PortalState;
use crate::web::{session, RequestContext, WebRequest};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    #[serde(rename = "wylogowano")]
    signed_out: Option<String>,
}

/// `GET /portal/logowanie`
pub async fn show(ctx: PageContext, Query(q): Query<SignInQuery>) -> Response {
    let notice = q.signed_out.is_some().then_some(texts::SIGNED_OUT);
    form(&ctx, "", None, notice).into_response()
}

fn form(ctx: &PageContext, login: &str, error: Option<Msg>, notice: Option<Msg>) -> Markup {
    let body = html! {
        @if let Some(n) = notice { p.notice role="status" { (ctx.t(&n)) } }
        @if let Some(e) = error { p.error role="alert" id="sign-in-error" { (ctx.t(&e)) } }
        p { (ctx.t(&texts::SIGN_IN_INTRO)) }
        (crate::web::signin::sign_in_form(ctx, SIGN_IN_PATH, login, error.is_some()))
        p { a href=(super::reset::FORGOT_PATH) { (ctx.t(&texts::FORGOT_LINK)) } }
    };
    page(ctx, ctx.t(&texts::SIGN_IN_TITLE), body)
}

/// `POST /portal/logowanie`
pub async fn sign_in(
    WebRequest { state, rc, ctx }: WebRequest<PortalState>,
    Form(f): Form<crate::web::signin::SignInForm>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let (typed, password) = f.typed();
    let failure = |ctx: &PageContext| {
        (
            StatusCode::UNAUTHORIZED,
            form(ctx, &typed, Some(texts::BAD_CREDENTIALS), None),
        )
            .into_response()
    };
    let login = LoginName::parse(&typed).ok();
    let onboarding = &state.onboarding;
    let attempt = state
        .throttle
        .attempt(
            &typed,
            rc.addr,
            now,
            // Same answer and about the same time as a wrong password (RATE-03).
            onboarding.refuse_throttled(rc.request_id.clone()),
            onboarding.sign_in(login.as_ref(), &password, rc.request_id.clone()),
        )
        .await;
    let signed = match attempt {
        None | Some(Err(OnboardingError::InvalidCredentials)) => return Ok(failure(&ctx)),
        Some(Ok(s)) => s,
        Some(Err(OnboardingError::Unavailable)) => {
            return Err(WebError::Unavailable(Cause::LoggedBy("portal sign-in")))
        }
        Some(Err(OnboardingError::Busy)) => {
            let page = form(&ctx, &typed, Some(crate::web::i18n::msg::BUSY), None);
            return Ok(crate::web::signin::busy(page));
        }
        Some(Err(_)) => return Err(WebError::Internal(Cause::LoggedBy("portal sign-in"))),
    };
    let (person, first_login, to) = match signed {
        SignedIn::FirstLogin { person, otp_digest } => (person, Some(otp_digest), FIRST_LOGIN_PATH),
        SignedIn::Full { person } => (person, None, "/portal"),
    };
    let old = rc.session.as_ref().map(|s| s.key.clone());
    let mut response = super::in_new_session(&state, old, &person, first_login, to).await?;
    response.headers_mut().append(
        header::SET_COOKIE,
        session::clear_cookie(session::PRE_COOKIE),
    );
    Ok(response)
}

/// `POST /portal/wyloguj`
pub async fn sign_out(
    State(state): State<PortalState>,
    Extension(rc): Extension<RequestContext>,
) -> Result<Response, WebError> {
    crate::web::signin::end_session(&state.web.sessions, &rc).await
}
