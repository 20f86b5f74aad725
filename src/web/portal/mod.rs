//! The Access Portal (`/portal`): procedure steps 5–7 for the employee. Same edge as the panel
//! (security headers, the request context with CSRF on every POST, localized errors), its own
//! session cookie and checks (`web::session::load_portal`).
//!
//! A restricted first-login session (signed in with the one-time password) reaches only the
//! first-login form and sign-out: [`PortalUser`] refuses it everywhere else, server-side
//! (GET: 303 to the form; POST: 403). Routes:
//!
//! | route | what |
//! |---|---|
//! | `GET /portal` | the account (state, address, resend) |
//! | `GET/POST /portal/logowanie` | sign-in |
//! | `GET/POST /portal/pierwsze-logowanie` | new password + email (restricted session) |
//! | `POST /portal/wyslij-ponownie` | the confirmation link again (throttled) |
//! | `GET/POST /portal/haslo` | change the password (current one required) |
//! | `GET/POST /portal/email` | change the address (current password required) |
//! | `GET/POST /portal/confirm/{token}` | the link from the mail: GET shows a button, POST confirms |
//! | `GET/POST /portal/nie-pamietam-hasla` | "forgotten password": a reset link to the confirmed address (`reset.rs`) |
//! | `GET/POST /portal/nowe-haslo/{token}` | the reset link: GET shows the form, POST sets the password |
//! | `POST /portal/wyloguj`, `GET /portal/jezyk` | sign-out, language |

mod account;
mod confirm;
mod first_login;
mod reset;
mod signin;
pub mod texts;

use super::error::{Cause, WebError};
use super::i18n::Msg;
use super::state::PortalState;
use super::RequestContext;
use crate::domain::{LoginName, PolicyViolation, Strength};
use crate::onboarding::{OnboardingError, PortalCaller};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

pub const SIGN_IN_PATH: &str = "/portal/logowanie";
pub const FIRST_LOGIN_PATH: &str = "/portal/pierwsze-logowanie";

/// The portal, to be nested at `/portal` by `app::router`.
pub fn router(state: PortalState) -> Router {
    let routes = Router::new()
        .route("/", get(account::home))
        .route("/logowanie", get(signin::show).post(signin::sign_in))
        .route("/wyloguj", post(signin::sign_out))
        .route(
            "/pierwsze-logowanie",
            get(first_login::show).post(first_login::submit),
        )
        .route("/wyslij-ponownie", post(account::resend))
        .route(
            "/haslo",
            get(account::password_page).post(account::change_password),
        )
        .route(
            "/email",
            get(account::email_page).post(account::change_email),
        )
        .route("/confirm/{token}", get(confirm::show).post(confirm::submit))
        .route(
            reset::FORGOT_PATH_IN_PORTAL,
            get(reset::ask).post(reset::send),
        )
        .route("/nowe-haslo/{token}", get(reset::show).post(reset::submit));
    super::behind_the_edge(routes, super::Area::Portal, state.web.clone(), state)
}

/// Someone signed in to the portal with their own password (not a first-login session).
#[derive(Debug, Clone)]
pub struct PortalUser {
    pub caller: PortalCaller,
    pub name: String,
}

/// Anyone with a portal session, restricted or not; `first_login` holds the one-time
/// password's digest in a restricted one.
#[derive(Debug, Clone)]
pub struct AnyPortalSession {
    pub caller: PortalCaller,
    pub first_login: Option<[u8; 32]>,
    pub session_key: String,
}

fn session_of(parts: &Parts) -> Option<AnyPortalSession> {
    let rc = parts.extensions.get::<RequestContext>()?;
    let s = rc.session.as_ref()?;
    let login = LoginName::parse(&s.record.login).ok()?;
    let first_login = match &s.record.first_login {
        Some(hex_digest) => Some(hex::decode(hex_digest).ok()?.try_into().ok()?),
        None => None,
    };
    Some(AnyPortalSession {
        caller: PortalCaller {
            person_id: s.record.person_id.clone(),
            login,
            request_id: rc.request_id.clone(),
            session_key: Some(s.key.clone()),
        },
        first_login,
        session_key: s.key.clone(),
    })
}

impl<S: Send + Sync> FromRequestParts<S> for AnyPortalSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        session_of(parts).ok_or_else(|| Redirect::to(SIGN_IN_PATH).into_response())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PortalUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(s) = session_of(parts) else {
            return Err(Redirect::to(SIGN_IN_PATH).into_response());
        };
        if s.first_login.is_some() {
            // INIT-04: the restricted session reaches the first-login form only.
            return Err(if parts.method == Method::GET {
                Redirect::to(FIRST_LOGIN_PATH).into_response()
            } else {
                WebError::Forbidden("finish the first sign-in first".into()).into_response()
            });
        }
        let name = parts
            .extensions
            .get::<RequestContext>()
            .and_then(|rc| rc.session.as_ref())
            .map(|s| s.record.name.clone())
            .unwrap_or_default();
        Ok(PortalUser {
            caller: s.caller,
            name,
        })
    }
}

/// Ends the session under `old` (if any) and goes on in a new one (a new id at every sign-in
/// and after every password change, SESS-02): 303 to `to` with the new cookie. `first_login`:
/// the one-time password's digest for a restricted first-login session.
pub(crate) async fn in_new_session(
    state: &PortalState,
    old: Option<String>,
    person: &crate::ports::PersonEntry,
    first_login: Option<[u8; 32]>,
    to: &str,
) -> Result<Response, WebError> {
    let sessions = &state.web.sessions;
    if let Some(key) = old {
        sessions.end(key).await?;
    }
    let id = sessions.start_portal(person, first_login).await?;
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(
        axum::http::header::SET_COOKIE,
        super::session::set_cookie(super::session::PORTAL_COOKIE, &id),
    );
    Ok(response)
}

/// The message shown for a refused password.
pub fn violation_msg(v: PolicyViolation) -> Msg {
    match v {
        PolicyViolation::TooShort => texts::TOO_SHORT,
        PolicyViolation::TooLong => texts::TOO_LONG,
        PolicyViolation::Unprintable => texts::UNPRINTABLE,
        PolicyViolation::SameAsOneTimePassword => texts::SAME_AS_OTP,
        PolicyViolation::OnBlocklist => texts::ON_BLOCKLIST,
        PolicyViolation::ContainsLogin => texts::CONTAINS_LOGIN,
        PolicyViolation::ContainsName => texts::CONTAINS_NAME,
        PolicyViolation::ContextWordsOnly => texts::CONTEXT_ONLY,
    }
}

/// A refusal shown on the form again (with the status), or an error page.
pub enum FormError {
    Shown(axum::http::StatusCode, Msg, Option<Strength>),
    Page(WebError),
}

impl From<OnboardingError> for FormError {
    fn from(e: OnboardingError) -> Self {
        use axum::http::StatusCode as S;
        match e {
            OnboardingError::Policy(v, strength) => {
                FormError::Shown(S::UNPROCESSABLE_ENTITY, violation_msg(v), Some(strength))
            }
            OnboardingError::WrongCurrentPassword => {
                FormError::Shown(S::UNPROCESSABLE_ENTITY, texts::WRONG_CURRENT, None)
            }
            OnboardingError::AddressTaken => {
                FormError::Shown(S::CONFLICT, texts::ADDRESS_TAKEN, None)
            }
            OnboardingError::Throttled(_) => {
                FormError::Shown(S::TOO_MANY_REQUESTS, texts::THROTTLED, None)
            }
            OnboardingError::WrongState(_) => {
                FormError::Shown(S::CONFLICT, texts::WRONG_STATE, None)
            }
            OnboardingError::InvalidCredentials | OnboardingError::LinkInvalid(_) => {
                FormError::Shown(S::UNPROCESSABLE_ENTITY, texts::LINK_INVALID, None)
            }
            OnboardingError::Unavailable
            | OnboardingError::OutcomeUnknown
            | OnboardingError::Busy => {
                FormError::Shown(S::SERVICE_UNAVAILABLE, texts::UNAVAILABLE, None)
            }
            OnboardingError::Internal => {
                FormError::Page(WebError::Internal(Cause::LoggedBy("portal")))
            }
        }
    }
}
