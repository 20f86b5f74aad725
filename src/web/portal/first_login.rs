//! The first-login form (procedure step 5.6): a new password, repeated, and an email address.
//! Only a restricted first-login session reaches it; on success the session is replaced by a
//! new one (new id, SESS-02) that is no longer restricted.

use super::{texts, AnyPortalSession, FormError, FIRST_LOGIN_PATH};
use crate::domain::{EmailAddress, Strength};
use crate::web::csrf::csrf_field;
use crate::web::error::WebError;
use crate::web::i18n::Msg;
use crate::web::layout::{page, PageContext};
use crate::web::state::PortalState;
use crate::web::WebRequest;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The password fields of a form, with the rules and the refusal's reason. The estimator's
/// strength of a refused password is not shown: "very good" beside "refused" contradicts
/// itself, and the rules, not the estimate, decide.
pub fn password_fields(
    ctx: &PageContext,
    error: Option<(Msg, Option<Strength>)>,
    with_repeat: bool,
) -> Markup {
    html! {
        @if let Some((msg, _strength)) = error {
            div.error role="alert" id="password-error" {
                p { (ctx.t(&msg)) }
            }
        }
        p id="password-rules" { (ctx.t(&texts::PASSWORD_RULES)) }
        div.form-row {
            label for="password" { (ctx.t(&texts::NEW_PASSWORD)) }
            input id="password" type="password" name="password" required minlength="15"
                maxlength="1024" autocomplete="new-password"
                aria-describedby=(if error.is_some() { "password-rules password-error" } else { "password-rules" });
        }
        @if with_repeat {
            div.form-row {
                label for="password_repeat" { (ctx.t(&texts::REPEAT_PASSWORD)) }
                input id="password_repeat" type="password" name="password_repeat" required
                    maxlength="1024" autocomplete="new-password";
            }
        }
    }
}

fn form(
    ctx: &PageContext,
    email: &str,
    error: Option<(Msg, Option<Strength>)>,
    email_error: Option<Msg>,
) -> Markup {
    let body = html! {
        p { (ctx.t(&texts::FIRST_LOGIN_INTRO)) }
        form method="post" action=(FIRST_LOGIN_PATH) {
            (csrf_field(&ctx.csrf))
            (password_fields(ctx, error, true))
            @if let Some(e) = email_error { p.error role="alert" id="email-error" { (ctx.t(&e)) } }
            div.form-row {
                label for="email" { (ctx.t(&texts::EMAIL)) }
                input id="email" type="email" name="email" value=(email) required maxlength="254"
                    autocomplete="email" spellcheck="false"
                    aria-describedby=[email_error.map(|_| "email-error")];
            }
            button type="submit" id="save" { (ctx.t(&texts::SAVE)) }
        }
    };
    page(ctx, ctx.t(&texts::FIRST_LOGIN_TITLE), body)
}

/// `GET /portal/pierwsze-logowanie`
pub async fn show(ctx: PageContext, s: AnyPortalSession) -> Response {
    if s.first_login.is_none() {
        return Redirect::to("/portal").into_response();
    }
    form(&ctx, "", None, None).into_response()
}

#[derive(Deserialize)]
pub struct FirstLoginForm {
    #[serde(default)]
    password: Option<SecretString>,
    #[serde(default)]
    password_repeat: Option<SecretString>,
    #[serde(default)]
    email: String,
}

/// `POST /portal/pierwsze-logowanie`
pub async fn submit(
    WebRequest { state, ctx, .. }: WebRequest<PortalState>,
    s: AnyPortalSession,
    Form(f): Form<FirstLoginForm>,
) -> Result<Response, WebError> {
    let Some(digest) = s.first_login else {
        return Ok(Redirect::to("/portal").into_response());
    };
    let empty = || SecretString::from("");
    let password = f.password.unwrap_or_else(empty);
    let repeat = f.password_repeat.unwrap_or_else(empty);
    let shown = |status: StatusCode, e: Option<(Msg, Option<Strength>)>, ee: Option<Msg>| {
        Ok((status, form(&ctx, f.email.trim(), e, ee)).into_response())
    };
    if password.expose_secret() != repeat.expose_secret() {
        return shown(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some((texts::PASSWORDS_DIFFER, None)),
            None,
        );
    }
    let Ok(email) = EmailAddress::parse(&f.email) else {
        return shown(
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(texts::EMAIL_INVALID),
        );
    };
    let lang = ctx.lang.code();
    match state
        .onboarding
        .complete_first_login(&s.caller, &digest, &password, &email, lang)
        .await
    {
        Ok(person) => {
            // The restricted session ends; a new one (new id) continues.
            let old = Some(s.session_key.clone());
            super::in_new_session(&state, old, &person, None, "/portal?zapisano=1").await
        }
        Err(e) => match FormError::from(e) {
            FormError::Shown(status, msg, strength) => {
                if msg == texts::ADDRESS_TAKEN {
                    shown(status, None, Some(msg))
                } else {
                    shown(status, Some((msg, strength)), None)
                }
            }
            FormError::Page(e) => Err(e),
        },
    }
}
