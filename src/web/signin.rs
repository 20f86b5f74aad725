//! Sign-in, sign-out and the language switch of the panel.
//!
//! `POST /panel/logowanie` (CSRF-checked by the middleware with the pre-session token): a
//! login or address blocked by [`super::throttle`] gets the failure answer; otherwise the use
//! case [`crate::onboarding::Onboarding::sign_in_administrator`] decides (own password only,
//! account state, roles; one `panel.sign_in` audit record per attempt). On success the old
//! session (if any) and the pre-session cookie are dropped, a new session starts (new id),
//! 303 to `/panel`.
//!
//! The failure answer is one and the same for an unknown login, a wrong password and a
//! blocked login or address: status 401, the form again with "wrong login or password, or
//! too many failed attempts". The right password of someone who may not use the panel gets
//! 403 with the reason: no administrator role, or a first sign-in to finish in the portal.

use super::auth::{encode_role, MaybePanelUser, SIGN_IN_PATH};
use super::csrf::csrf_field;
use super::error::{Cause, WebError};
use super::i18n::{msg, Msg};
use super::layout::{page, PageContext};
use super::session::{self, NewSession, Sessions};
use super::{Area, RequestContext, WebRequest};
use crate::domain::LoginName;
use crate::onboarding::admin_sign_in::AdminSignInRefusal;
use crate::web::state::PanelState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    /// Set after sign-out.
    #[serde(default)]
    #[serde(rename = "wylogowano")]
    signed_out: Option<String>,
}

/// `GET /panel/logowanie`
pub async fn sign_in_page(
    ctx: PageContext,
    MaybePanelUser(user): MaybePanelUser,
    Query(q): Query<SignInQuery>,
) -> Response {
    if user.is_some() {
        return Redirect::to("/panel").into_response();
    }
    let notice = q.signed_out.is_some().then_some(msg::SIGNED_OUT);
    form_page(&ctx, "", None, notice).into_response()
}

fn form_page(ctx: &PageContext, login: &str, error: Option<Msg>, notice: Option<Msg>) -> Markup {
    let lang = ctx.lang;
    let body = html! {
        @if let Some(n) = notice {
            p.notice role="status" { (lang.t(&n)) }
        }
        @if let Some(e) = error {
            p.error role="alert" id="sign-in-error" { (lang.t(&e)) }
        }
        p { (lang.t(&msg::SIGN_IN_INTRO)) }
        (sign_in_form(ctx, SIGN_IN_PATH, login, error.is_some()))
    };
    page(ctx, lang.t(&msg::SIGN_IN_TITLE), body)
}

/// The login-and-password form shared by the panel and the portal (posting to `action`);
/// `error`: the fields point at the `#sign-in-error` message above the form.
pub fn sign_in_form(ctx: &PageContext, action: &str, login: &str, error: bool) -> Markup {
    let lang = ctx.lang;
    html! {
        form method="post" action=(action) {
            (csrf_field(&ctx.csrf))
            div.form-row {
                label for="login" { (lang.t(&msg::LOGIN)) }
                input id="login" type="text" name="login" value=(login) required
                    autocomplete="username" autocapitalize="none" spellcheck="false"
                    maxlength="128"
                    aria-describedby=[error.then_some("sign-in-error")];
            }
            div.form-row {
                label for="password" { (lang.t(&msg::PASSWORD)) }
                input id="password" type="password" name="password" required
                    autocomplete="current-password" maxlength="1024";
            }
            div.form-row {
                button type="submit" id="sign-in" { (lang.t(&msg::SIGN_IN)) }
            }
        }
    }
}

/// The sign-in form of both areas (the panel's and the portal's).
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: Option<SecretString>,
}

impl SignInForm {
    /// The login as typed (trimmed: the form shows it again after a refusal) and the
    /// password (empty when the field was left out: refused like a wrong one).
    pub fn typed(self) -> (String, SecretString) {
        let login = self.login.trim().to_owned();
        (
            login,
            self.password.unwrap_or_else(|| SecretString::from("")),
        )
    }
}

/// `POST /panel/logowanie`: the throttle, then [`Onboarding::sign_in_administrator`].
pub async fn sign_in(
    WebRequest { state, rc, ctx }: WebRequest<PanelState>,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let (typed, password) = form.typed();
    let parsed = LoginName::parse(&typed).ok();
    let throttle = &state.throttle;
    let address = rc.addr.map(|a| a.to_string());
    let onboarding = &state.onboarding;
    let failure = |ctx: &PageContext, why: Msg| {
        (
            StatusCode::UNAUTHORIZED,
            form_page(ctx, &typed, Some(why), None),
        )
            .into_response()
    };

    let attempt = throttle
        .attempt(
            &typed,
            rc.addr,
            now,
            onboarding.refuse_administrator_throttled(address.clone(), rc.request_id.clone()),
            onboarding.sign_in_administrator(
                parsed.as_ref(),
                &password,
                address,
                rc.request_id.clone(),
            ),
        )
        .await;
    let signed = match attempt {
        None => return Ok(failure(&ctx, msg::SIGN_IN_THROTTLED)),
        Some(Ok(s)) => s,
        Some(Err(AdminSignInRefusal::InvalidCredentials)) => {
            return Ok(failure(&ctx, msg::BAD_CREDENTIALS));
        }
        Some(Err(AdminSignInRefusal::Unavailable)) => {
            return Err(WebError::Unavailable(Cause::LoggedBy("panel sign-in")))
        }
        Some(Err(AdminSignInRefusal::Busy)) => {
            return Ok(busy(form_page(&ctx, &typed, Some(msg::BUSY), None)))
        }
        Some(Err(refusal)) => {
            let text = match refusal {
                AdminSignInRefusal::FirstSignInPending => msg::FIRST_SIGN_IN_PENDING,
                _ => msg::NOT_AN_ADMINISTRATOR,
            };
            let body = html! {
                p.error role="alert" { (ctx.t(&text)) }
                @if refusal == AdminSignInRefusal::FirstSignInPending {
                    p { a href=(crate::web::portal::SIGN_IN_PATH) { (ctx.t(&msg::TO_THE_PORTAL)) } }
                }
            };
            let page = page(&ctx, ctx.t(&msg::SIGN_IN_TITLE), body);
            return Ok((StatusCode::FORBIDDEN, page).into_response());
        }
    };

    let person = signed.person;
    let roles_text: Vec<String> = signed.roles.iter().map(encode_role).collect();
    if let Some(old) = &rc.session {
        state.web.sessions.end(old.key.clone()).await?;
    }
    // With the second factor required, the session waits for it (`second_factor.rs`).
    let pending = super::second_factor::pending_after_password(&state, &person.entry.id).await?;
    let to = match pending {
        Some(_) => super::auth::SECOND_FACTOR_PATH,
        None => "/panel",
    };
    let (id, _) = state
        .web
        .sessions
        .start(NewSession {
            person_id: person.entry.id.clone(),
            login: person.login.as_str().to_owned(),
            name: person.profile.name.full(),
            roles: roles_text,
            pending_second_factor: pending,
        })
        .await?;
    let mut response = Redirect::to(to).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        session::set_cookie(session::SESSION_COOKIE, &id),
    );
    headers.append(
        header::SET_COOKIE,
        session::clear_cookie(session::PRE_COOKIE),
    );
    Ok(response)
}

/// "Try again shortly": 503 with `Retry-After` (the sign-in form again, for panel or portal).
pub fn busy(page: Markup) -> Response {
    let mut r = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
    r.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from(crate::credentials::RETRY_AFTER_SECS),
    );
    r
}

/// `POST /panel/wyloguj`: ends the session server-side; the use case records it.
pub async fn sign_out(
    State(state): State<PanelState>,
    Extension(rc): Extension<RequestContext>,
) -> Result<Response, WebError> {
    let response = end_session(&state.web.sessions, &rc).await?;
    if let Some(s) = &rc.session {
        state
            .onboarding
            .record_administrator_sign_out(&s.record.login, rc.request_id.clone())
            .await;
    }
    Ok(response)
}

/// Both areas' sign-out: ends the request's session server-side (if there is one), then 303
/// to the area's sign-in page saying so, with the area's session cookie cleared.
pub(crate) async fn end_session(
    sessions: &Sessions,
    rc: &RequestContext,
) -> Result<Response, WebError> {
    if let Some(s) = &rc.session {
        sessions.end(s.key.clone()).await?;
    }
    let (sign_in, cookie) = match rc.area {
        Area::Panel => (SIGN_IN_PATH, session::SESSION_COOKIE),
        Area::Portal => (super::portal::SIGN_IN_PATH, session::PORTAL_COOKIE),
    };
    let mut response = Redirect::to(&format!("{sign_in}?wylogowano=1")).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session::clear_cookie(cookie));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LanguageQuery {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    #[serde(rename = "wroc")]
    back_to: String,
}

/// `GET /panel/jezyk?lang=en&wroc=/panel/…` (and `/portal/jezyk`, the same): remembers the
/// language, goes back to a path of the area.
pub async fn language(
    Extension(rc): Extension<RequestContext>,
    Query(q): Query<LanguageQuery>,
) -> Response {
    remember_language(&q, rc.area.root())
}

/// Sets the language cookie and goes back to `q.back_to` if it is a path under `root` (the
/// panel's or the portal's switch).
pub fn remember_language(q: &LanguageQuery, root: &str) -> Response {
    let lang = super::i18n::Lang::parse(&q.lang).unwrap_or_default();
    let mut response = Redirect::to(&safe_return_in(&q.back_to, root)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session::set_lasting_cookie(session::LANG_COOKIE, lang.code()),
    );
    response
}

/// A path inside the panel, or `/panel` (no open redirect).
pub fn safe_return(raw: &str) -> String {
    safe_return_in(raw, "/panel")
}

/// A path under `root`, or `root` itself (no open redirect).
pub fn safe_return_in(raw: &str, root: &str) -> String {
    let inside = raw == root
        || raw
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'));
    let ok = inside
        && !raw.contains("//")
        && !raw.contains('\\')
        && !raw.chars().any(|c| c.is_control());
    if ok {
        raw.to_owned()
    } else {
        root.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_panel_paths_are_returned_to() {
        assert_eq!(
            safe_return("/panel/pracownicy?q=a"),
            "/panel/pracownicy?q=a"
        );
        assert_eq!(safe_return("/panel"), "/panel");
        assert_eq!(safe_return("//evil.example/panel"), "/panel");
        assert_eq!(safe_return("https://evil.example"), "/panel");
        assert_eq!(safe_return("/panelx"), "/panel");
        assert_eq!(safe_return("/panel//evil"), "/panel");
        assert_eq!(safe_return("/panel/\\evil"), "/panel");
        assert_eq!(safe_return_in("/portal/haslo", "/portal"), "/portal/haslo");
        assert_eq!(safe_return_in("/panel/pracownicy", "/portal"), "/portal");
        assert_eq!(safe_return_in("/portalx", "/portal"), "/portal");
    }
}
