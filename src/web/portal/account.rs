//! The account page and the later changes: "send the link again", the password, the address.

use super::first_login::password_fields;
use super::{texts, FormError, PortalUser};
use crate::domain::{AccountState, EmailAddress, Strength};
use crate::onboarding::OnboardingError;
use crate::web::csrf::csrf_field;
use crate::web::error::{Cause, WebError};
use crate::web::i18n::Msg;
use crate::web::layout::{page, PageContext};
use crate::web::state::PortalState;
use crate::web::WebRequest;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    #[serde(default)]
    #[serde(rename = "zapisano")]
    saved: Option<String>,
    #[serde(default)]
    #[serde(rename = "haslo")]
    password_changed: Option<String>,
}

/// `GET /portal`
pub async fn home(
    WebRequest { state, ctx, .. }: WebRequest<PortalState>,
    user: PortalUser,
    Query(q): Query<HomeQuery>,
) -> Result<Response, WebError> {
    let notice = if q.password_changed.is_some() {
        Some(ctx.t(&texts::PASSWORD_CHANGED).to_owned())
    } else {
        None
    };
    account_page(
        &state,
        &ctx,
        &user,
        StatusCode::OK,
        notice,
        None,
        q.saved.is_some(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn account_page(
    state: &PortalState,
    ctx: &PageContext,
    user: &PortalUser,
    status: StatusCode,
    notice: Option<String>,
    error: Option<Msg>,
    saved: bool,
) -> Result<Response, WebError> {
    let view = match state.onboarding.account_view(&user.caller).await {
        Ok(Some(view)) => view,
        Ok(None) => return Err(WebError::NotFound),
        Err(e) => {
            return Err(match FormError::from(e) {
                FormError::Page(e) => e,
                FormError::Shown(..) => WebError::Unavailable(Cause::LoggedBy("portal account")),
            })
        }
    };
    let (person, pending_address) = (view.person, view.pending_address);
    let awaiting = person.account_state == AccountState::AwaitingEmailConfirmation;
    let confirmed = (person.account_state == AccountState::Active)
        .then(|| person.profile.emails.first().map(|e| e.value.clone()))
        .flatten();
    let saved_notice = (saved && pending_address.is_some()).then(|| {
        ctx.t(&texts::SENT_SHORTLY)
            .replace("{address}", pending_address.as_deref().unwrap_or(""))
    });
    let body = html! {
        @if let Some(n) = saved_notice.or(notice) { p.notice role="status" { (n) } }
        @if let Some(e) = error { p.error role="alert" { (ctx.t(&e)) } }
        dl.account {
            dt { (ctx.t(&texts::NAME)) } dd { (user.name) }
            dt { (ctx.t(&crate::web::i18n::msg::LOGIN)) } dd { code { (person.login.as_str()) } }
            dt { (ctx.t(&texts::STATE)) }
            dd id="account-state" {
                @if awaiting { (ctx.t(&texts::STATE_AWAITING)) } @else { (ctx.t(&texts::STATE_ACTIVE)) }
            }
            dt { (ctx.t(&texts::EMAIL)) }
            dd id="account-email" {
                @match &confirmed { Some(a) => (a), None => (ctx.t(&texts::EMAIL_NONE)) }
            }
        }
        @if let Some(address) = &pending_address {
            p { (ctx.t(&texts::PENDING_TO)) " " strong id="pending-email" { (address) } }
        }
        @if awaiting {
            h2 { (ctx.t(&texts::RESEND)) }
            p { (ctx.t(&texts::RESEND_INTRO)) }
            form method="post" action="/portal/wyslij-ponownie" {
                (csrf_field(&ctx.csrf))
                div.form-row {
                    label for="email" { (ctx.t(&texts::EMAIL)) }
                    input id="email" type="email" name="email" required maxlength="254"
                        autocomplete="email" value=(pending_address.clone().unwrap_or_default());
                }
                button type="submit" id="resend" { (ctx.t(&texts::RESEND)) }
            }
        }
        ul.actions {
            li { a href="/portal/haslo" { (ctx.t(&texts::CHANGE_PASSWORD)) } }
            @if !awaiting { li { a href="/portal/email" { (ctx.t(&texts::CHANGE_EMAIL)) } } }
        }
    };
    Ok((status, page(ctx, ctx.t(&texts::ACCOUNT_TITLE), body)).into_response())
}

/// What the handlers of the account's forms take, extracted in this order: the request
/// (state and page), the signed-in person (else the sign-in), then the posted form.
type PortalForm<F> = (WebRequest<PortalState>, PortalUser, Form<F>);

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: Option<SecretString>,
}

/// `POST /portal/wyslij-ponownie`
pub async fn resend(form: PortalForm<EmailForm>) -> Result<Response, WebError> {
    let (WebRequest { state, ctx, .. }, user, Form(f)) = form;
    let Ok(email) = EmailAddress::parse(&f.email) else {
        return account_page(
            &state,
            &ctx,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(texts::EMAIL_INVALID),
            false,
        )
        .await;
    };
    match state
        .onboarding
        .request_confirmation(&user.caller, &email, ctx.lang.code())
        .await
    {
        Ok(()) => Ok(Redirect::to("/portal?zapisano=1").into_response()),
        Err(e) => match FormError::from(e) {
            FormError::Shown(status, msg, _) => {
                account_page(&state, &ctx, &user, status, None, Some(msg), false).await
            }
            FormError::Page(e) => Err(e),
        },
    }
}

fn password_form(ctx: &PageContext, error: Option<(Msg, Option<Strength>)>) -> Markup {
    let body = html! {
        form method="post" action="/portal/haslo" {
            (csrf_field(&ctx.csrf))
            div.form-row {
                label for="current_password" { (ctx.t(&texts::CURRENT_PASSWORD)) }
                input id="current_password" type="password" name="current_password" required
                    maxlength="1024" autocomplete="current-password";
            }
            (password_fields(ctx, error, true))
            button type="submit" id="save" { (ctx.t(&texts::SAVE)) }
        }
    };
    page(ctx, ctx.t(&texts::CHANGE_PASSWORD), body)
}

/// `GET /portal/haslo`
pub async fn password_page(ctx: PageContext, _user: PortalUser) -> Response {
    password_form(&ctx, None).into_response()
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: Option<SecretString>,
    #[serde(default)]
    password: Option<SecretString>,
    #[serde(default)]
    password_repeat: Option<SecretString>,
}

/// `POST /portal/haslo`: every session of the person ends; this browser gets a new one.
pub async fn change_password(form: PortalForm<PasswordForm>) -> Result<Response, WebError> {
    let (WebRequest { state, ctx, .. }, user, Form(f)) = form;
    let empty = || SecretString::from("");
    let (current, new, repeat) = (
        f.current_password.unwrap_or_else(empty),
        f.password.unwrap_or_else(empty),
        f.password_repeat.unwrap_or_else(empty),
    );
    if current.expose_secret().is_empty() {
        return Ok((
            StatusCode::BAD_REQUEST,
            password_form(&ctx, Some((texts::WRONG_CURRENT, None))),
        )
            .into_response());
    }
    if new.expose_secret() != repeat.expose_secret() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            password_form(&ctx, Some((texts::PASSWORDS_DIFFER, None))),
        )
            .into_response());
    }
    match state
        .onboarding
        .change_password(&user.caller, &current, &new)
        .await
    {
        Ok(person) => {
            // SESS-02/05: the use case ended every other session (another browser may be an
            // intruder's); this one gets a new id.
            let old = user.caller.session_key.clone();
            super::in_new_session(&state, old, &person, None, "/portal?haslo=1").await
        }
        Err(e) => match FormError::from(e) {
            FormError::Shown(status, msg, strength) => {
                Ok((status, password_form(&ctx, Some((msg, strength)))).into_response())
            }
            FormError::Page(e) => Err(e),
        },
    }
}

fn email_form(ctx: &PageContext, email: &str, error: Option<Msg>) -> Markup {
    let body = html! {
        p { (ctx.t(&texts::CHANGE_EMAIL_INTRO)) }
        @if let Some(e) = error { p.error role="alert" id="form-error" { (ctx.t(&e)) } }
        form method="post" action="/portal/email" {
            (csrf_field(&ctx.csrf))
            div.form-row {
                label for="email" { (ctx.t(&texts::EMAIL)) }
                input id="email" type="email" name="email" value=(email) required maxlength="254"
                    autocomplete="email";
            }
            div.form-row {
                label for="current_password" { (ctx.t(&texts::CURRENT_PASSWORD)) }
                input id="current_password" type="password" name="current_password" required
                    maxlength="1024" autocomplete="current-password";
            }
            button type="submit" id="save" { (ctx.t(&texts::SAVE)) }
        }
    };
    page(ctx, ctx.t(&texts::CHANGE_EMAIL), body)
}

/// `GET /portal/email`
pub async fn email_page(ctx: PageContext, _user: PortalUser) -> Response {
    email_form(&ctx, "", None).into_response()
}

/// `POST /portal/email`
pub async fn change_email(form: PortalForm<EmailForm>) -> Result<Response, WebError> {
    let (WebRequest { state, ctx, .. }, user, Form(f)) = form;
    let current = f.current_password.unwrap_or_else(|| SecretString::from(""));
    if current.expose_secret().is_empty() {
        return Ok((
            StatusCode::BAD_REQUEST,
            email_form(&ctx, f.email.trim(), Some(texts::WRONG_CURRENT)),
        )
            .into_response());
    }
    let Ok(email) = EmailAddress::parse(&f.email) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            email_form(&ctx, f.email.trim(), Some(texts::EMAIL_INVALID)),
        )
            .into_response());
    };
    match state
        .onboarding
        .change_email(&user.caller, &current, &email, ctx.lang.code())
        .await
    {
        Ok(()) => Ok(Redirect::to("/portal?zapisano=1").into_response()),
        Err(OnboardingError::Internal) => Err(WebError::Internal(Cause::LoggedBy("portal"))),
        Err(e) => match FormError::from(e) {
            FormError::Shown(status, msg, _) => {
                Ok((status, email_form(&ctx, f.email.trim(), Some(msg))).into_response())
            }
            FormError::Page(e) => Err(e),
        },
    }
}
