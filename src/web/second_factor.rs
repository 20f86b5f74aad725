//! The panel's second factor at the HTTP edge (issue 12 item 4). After the right password
//! (`signin.rs`) and while `panel.require_second_factor` is on, the session is *pending*
//! ([`SessionRecord::pending_second_factor`]): it reaches only this page, for 10 minutes.
//!
//! - `GET/POST /panel/drugi-skladnik`: at the first panel sign-in the enrolment (a QR code
//!   rendered on the server as inline SVG, the secret as text, the first code to confirm;
//!   then the 10 recovery codes, shown once); afterwards the code (or a recovery code). On
//!   success the pending session is replaced by a full one (a new id).
//! - `POST /panel/pracownicy/{id}/drugi-skladnik-reset`: a system administrator removes
//!   someone's second factor (they enrol again; their sessions end).
//!
//! Wrong codes count as failed sign-ins of the login and the address (`throttle`), so six
//! digits cannot be guessed at leisure.
//!
//! [`SessionRecord::pending_second_factor`]: crate::store::sessions::SessionRecord

use super::auth::{PanelUser, SIGN_IN_PATH};
use super::csrf::csrf_field;
use super::error::{Cause, WebError};
use super::i18n::Msg;
use super::layout::{page, PageContext};
use super::session::{self, NewSession};
use super::RequestContext;
use crate::domain::LoginName;
use crate::onboarding::second_factor::{CodeKind, SecondFactorError, SigningIn};
use crate::second_factor::qr;
use crate::web::state::PanelState;
use crate::web::WebRequest;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

const ENROL_PREFIX: &str = "enrol:";

const TITLE: Msg = Msg::new("Drugi składnik logowania", "Second sign-in factor");
const VERIFY_INTRO: Msg = Msg::new(
    "Wpisz 6-cyfrowy kod z aplikacji uwierzytelniającej albo jeden z kodów odzyskiwania.",
    "Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
);
const ENROL_INTRO: Msg = Msg::new(
    "Panel wymaga drugiego składnika logowania. Zeskanuj kod QR aplikacją uwierzytelniającą (np. FreeOTP, Google Authenticator, Microsoft Authenticator) albo wpisz w niej klucz podany niżej, a następnie wpisz 6-cyfrowy kod, który pokaże aplikacja.",
    "The panel requires a second sign-in factor. Scan the QR code with an authenticator app (e.g. FreeOTP, Google Authenticator, Microsoft Authenticator) or type the key below into it, then enter the 6-digit code the app shows.",
);
const SECRET_LABEL: Msg = Msg::new("Klucz do wpisania ręcznie", "Key to type in by hand");
const QR_LABEL: Msg = Msg::new(
    "Kod QR z kluczem drugiego składnika",
    "QR code with the second factor's key",
);
const CODE_LABEL: Msg = Msg::new("Kod", "Code");
const CONFIRM: Msg = Msg::new("Potwierdź", "Confirm");
const WRONG_CODE: Msg = Msg::new(
    "Nieprawidłowy lub już użyty kod albo zbyt wiele nieudanych prób. Spróbuj ponownie.",
    "Wrong or already used code, or too many failed attempts. Try again.",
);
const RECOVERY_TITLE: Msg = Msg::new("Kody odzyskiwania", "Recovery codes");
const RECOVERY_INTRO: Msg = Msg::new(
    "Drugi składnik jest skonfigurowany. Zapisz te kody odzyskiwania w bezpiecznym miejscu: każdy z nich zastępuje jeden raz kod z aplikacji, gdy nie masz jej przy sobie. Nie zobaczysz ich ponownie.",
    "The second factor is set up. Keep these recovery codes somewhere safe: each replaces the app's code once when you do not have it at hand. You will not see them again.",
);
const RECOVERY_LOW: Msg = Msg::new(
    "Użyto kodu odzyskiwania. Pozostało kodów:",
    "A recovery code was used. Codes left:",
);
const TO_PANEL: Msg = Msg::new("Przejdź do panelu", "Go to the panel");

/// What the pending session waits for.
enum Pending {
    Verify,
    Enrol { sealed: String },
}

/// The pending session of the request, with who is signing in.
fn pending(rc: &RequestContext) -> Option<(Pending, SigningIn, crate::web::session::Session)> {
    let s = rc.session.as_ref()?;
    let raw = s.record.pending_second_factor.as_deref()?;
    let what = match raw.strip_prefix(ENROL_PREFIX) {
        Some(sealed) => Pending::Enrol {
            sealed: sealed.to_owned(),
        },
        None => Pending::Verify,
    };
    let who = SigningIn {
        person_id: s.record.person_id.clone(),
        login: LoginName::parse(&s.record.login).ok()?,
        request_id: rc.request_id.clone(),
    };
    Some((what, who, s.clone()))
}

/// What the pending session holds after the right password: enrolment when the person has
/// no second factor yet, else the code.
pub async fn pending_after_password(
    state: &PanelState,
    person_id: &str,
) -> Result<Option<String>, WebError> {
    if !state.require_second_factor {
        return Ok(None);
    }
    let onboarding = &state.onboarding;
    match onboarding.has_second_factor(person_id).await {
        Ok(true) => Ok(Some("verify".to_owned())),
        Ok(false) => Ok(Some(format!(
            "{ENROL_PREFIX}{}",
            onboarding.new_enrolment(person_id)
        ))),
        Err(_) => Err(WebError::Unavailable(Cause::LoggedBy("second factor"))),
    }
}

/// `GET /panel/drugi-skladnik`
pub async fn show(WebRequest { state, rc, ctx }: WebRequest<PanelState>) -> Response {
    match pending(&rc) {
        Some((what, who, _)) => form(&state, &ctx, &what, &who, None).into_response(),
        None if rc.session.is_some() => Redirect::to("/panel").into_response(),
        None => Redirect::to(SIGN_IN_PATH).into_response(),
    }
}

fn form(
    state: &PanelState,
    ctx: &PageContext,
    what: &Pending,
    who: &SigningIn,
    error: Option<Msg>,
) -> Markup {
    let enrol = match what {
        Pending::Enrol { sealed } => state.onboarding.pending_secret(&who.person_id, sealed),
        Pending::Verify => None,
    };
    let body = html! {
        @if let Some(e) = error {
            p.error role="alert" id="code-error" { (ctx.t(&e)) }
        }
        @if let Some(secret) = &enrol {
            p { (ctx.t(&ENROL_INTRO)) }
            @if let Some(svg) = qr::svg_of(&secret.otpauth_uri(who.login.as_str()), ctx.t(&QR_LABEL)) {
                div.qr { (PreEscaped(svg)) }
            }
            p {
                (ctx.t(&SECRET_LABEL)) ": "
                code id="sekret" { (grouped(&secret.base32())) }
            }
        } @else {
            p { (ctx.t(&VERIFY_INTRO)) }
        }
        form method="post" action=(super::auth::SECOND_FACTOR_PATH) {
            (csrf_field(&ctx.csrf))
            div.form-row {
                label for="kod" { (ctx.t(&CODE_LABEL)) }
                input id="kod" type="text" name="kod" required autocomplete="one-time-code"
                    autocapitalize="none" spellcheck="false" maxlength="32"
                    aria-describedby=[error.map(|_| "code-error")];
            }
            div.form-row {
                button type="submit" id="confirm-code" { (ctx.t(&CONFIRM)) }
            }
        }
    };
    page(ctx, ctx.t(&TITLE), body)
}

/// The base32 key in groups of four, as authenticator apps accept it.
fn grouped(text: &str) -> String {
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    #[serde(rename = "kod")]
    code: String,
}

/// `POST /panel/drugi-skladnik`
pub async fn submit(
    WebRequest { state, rc, ctx }: WebRequest<PanelState>,
    Form(f): Form<CodeForm>,
) -> Result<Response, WebError> {
    let Some((what, who, session)) = pending(&rc) else {
        return Ok(Redirect::to(SIGN_IN_PATH).into_response());
    };
    let now = state.clock.now();
    let throttle = &state.throttle;
    let refused = |state: &PanelState, ctx: &PageContext| {
        (
            StatusCode::UNAUTHORIZED,
            form(state, ctx, &what, &who, Some(WRONG_CODE)),
        )
            .into_response()
    };
    let onboarding = &state.onboarding;
    let check = async {
        match &what {
            Pending::Enrol { sealed } => onboarding
                .confirm_enrolment(&who, sealed, &f.code)
                .await
                .map(Accepted::Enrolled),
            Pending::Verify => onboarding
                .verify_second_factor(&who, &f.code)
                .await
                .map(Accepted::Code),
        }
    };
    let attempt = throttle
        .attempt(who.login.as_str(), rc.addr, now, async {}, check)
        .await;
    let accepted = match attempt {
        Some(Ok(a)) => a,
        Some(Err(SecondFactorError::Unavailable)) => {
            return Err(WebError::Unavailable(Cause::LoggedBy("second factor")))
        }
        None | Some(Err(_)) => return Ok(refused(&state, &ctx)),
    };
    // The pending session ends; a full one starts under a new id.
    state.web.sessions.end(session.key.clone()).await?;
    let (id, _) = state
        .web
        .sessions
        .start(NewSession {
            person_id: session.record.person_id.clone(),
            login: session.record.login.clone(),
            name: session.record.name.clone(),
            roles: session.record.roles.clone(),
            pending_second_factor: None,
        })
        .await?;
    let cookie = session::set_cookie(session::SESSION_COOKIE, &id);
    let mut response = match accepted {
        Accepted::Code(CodeKind::Totp) => Redirect::to("/panel").into_response(),
        Accepted::Code(CodeKind::Recovery { left }) => {
            let body = html! {
                p.notice role="status" { (ctx.t(&RECOVERY_LOW)) " " (left) }
                p { a href="/panel" id="to-panel" { (ctx.t(&TO_PANEL)) } }
            };
            page(&ctx, ctx.t(&TITLE), body).into_response()
        }
        Accepted::Enrolled(codes) => {
            let body = html! {
                p { (ctx.t(&RECOVERY_INTRO)) }
                ol id="recovery-codes" {
                    @for c in &codes { li { code { (c) } } }
                }
                p { a href="/panel" id="to-panel" { (ctx.t(&TO_PANEL)) } }
            };
            let mut r = page(&ctx, ctx.t(&RECOVERY_TITLE), body).into_response();
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            r
        }
    };
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

enum Accepted {
    Code(CodeKind),
    Enrolled(Vec<String>),
}

/// `POST /panel/pracownicy/{id}/drugi-skladnik-reset`
pub async fn reset(
    State(state): State<PanelState>,
    user: PanelUser,
    Extension(rc): Extension<RequestContext>,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let caller = user.caller(rc.request_id.clone());
    match state
        .onboarding
        .reset_second_factor(&caller, &user.roles, &id)
        .await
    {
        Ok(()) => {
            let body = html! {
                p.notice role="status" { (ctx.t(&crate::web::panel::texts::SECOND_FACTOR_RESET_DONE)) }
                p { a href="/panel/pracownicy" { (ctx.t(&crate::web::panel::texts::BACK_TO_STAFF)) } }
            };
            Ok(page(&ctx, ctx.t(&TITLE), body).into_response())
        }
        Err(SecondFactorError::Forbidden) => Err(WebError::Forbidden(
            "only a system administrator resets a second factor".into(),
        )),
        Err(SecondFactorError::NotEnrolled) => Err(WebError::NotFound),
        Err(_) => Err(WebError::Unavailable(Cause::LoggedBy("second factor"))),
    }
}
