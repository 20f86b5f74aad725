//! The account handlers of a person's row: the confirm pages of "Utwórz konto" and "Wydaj
//! nowe hasło jednorazowe", their POSTs (a `provisioning` use case each) answered with the
//! hand-over slip (`Cache-Control: no-store`, nothing of it kept), and the page that explains
//! a form sent again (Reload or Back on the slip) or a stale tab instead of an error.

use super::pages::{back_link, frame, person_in_scope};
use super::request::PanelRequest;
use super::texts;
use super::views::{self, Confirm, PersonView, Slip};
use crate::ports::PersonEntry;
use crate::provisioning::{IssuedAccount, ProvisioningError};
use crate::web::auth::PanelUser;
use crate::web::csrf::csrf_field;
use crate::web::error::WebError;
use crate::web::layout::PageContext;
use crate::web::state::PanelState;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::Markup;
use secrecy::ExposeSecret;

/// `GET /panel/pracownicy/{id}/utworz-konto`
pub async fn create_form(r: PanelRequest, Path(id): Path<String>) -> Result<Markup, WebError> {
    confirm_form(r, id, Confirm::CreateAccount).await
}

/// `GET /panel/pracownicy/{id}/nowe-haslo`
pub async fn reissue_form(r: PanelRequest, Path(id): Path<String>) -> Result<Markup, WebError> {
    confirm_form(r, id, Confirm::Reissue).await
}

async fn confirm_form(
    PanelRequest {
        state, user, ctx, ..
    }: PanelRequest,
    id: String,
    what: Confirm,
) -> Result<Markup, WebError> {
    let person = person_in_scope(&state, &user, &id).await?;
    let allowed = match what {
        Confirm::CreateAccount => person.account_state == crate::domain::AccountState::None,
        Confirm::Reissue => person.account_state == crate::domain::AccountState::AwaitingFirstLogin,
    };
    if !allowed {
        return Ok(state_changed(&user, &ctx, &person, what));
    }
    let view = PersonView::of(&person);
    let csrf = csrf_field(&ctx.csrf);
    let title = views::confirm_title(ctx.lang, what, &view);
    let body = views::confirm(ctx.lang, what, &view, &csrf, &back_link(&user, &person));
    Ok(frame(&ctx, &title, body))
}

/// `POST /panel/pracownicy/{id}/utworz-konto`: creates the account; the answer is the slip.
pub async fn create(r: PanelRequest, Path(id): Path<String>) -> Result<Response, WebError> {
    issue(r, id, Confirm::CreateAccount).await
}

/// `POST /panel/pracownicy/{id}/nowe-haslo`: a new one-time password; the answer is the slip.
pub async fn reissue(r: PanelRequest, Path(id): Path<String>) -> Result<Response, WebError> {
    issue(r, id, Confirm::Reissue).await
}

/// Calls the use case `action` names and answers with the slip.
async fn issue(r: PanelRequest, id: String, action: Confirm) -> Result<Response, WebError> {
    let provisioning = &r.state.provisioning;
    let issued = match action {
        Confirm::CreateAccount => provisioning.create_account(&r.caller(), &id).await,
        Confirm::Reissue => provisioning.reissue_password(&r.caller(), &id).await,
    };
    answer_with_slip(&r.state, &r.user, &r.ctx, &id, issued, action).await
}

/// The slip for credentials just issued. A `Conflict` is most often a reload or Back on the
/// slip sending the form again: say what happened instead of "someone changed this".
async fn answer_with_slip(
    state: &PanelState,
    user: &PanelUser,
    ctx: &PageContext,
    id: &str,
    issued: Result<IssuedAccount, ProvisioningError>,
    action: Confirm,
) -> Result<Response, WebError> {
    let issued = match issued {
        Ok(issued) => issued,
        Err(ProvisioningError::Conflict(_)) => {
            let person = person_in_scope(state, user, id).await?;
            let page = state_changed(user, ctx, &person, action);
            return Ok((StatusCode::CONFLICT, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let school = school_name(state, &issued.person).await;
    Ok(slip_response(state, user, ctx, &issued, &school))
}

/// The account is no longer in the state the action needs (most often: the slip's form sent
/// again by Reload or Back): what the state is and what can be done now.
fn state_changed(
    user: &PanelUser,
    ctx: &PageContext,
    person: &PersonEntry,
    what: Confirm,
) -> Markup {
    let view = PersonView::of(person);
    let title = views::confirm_title(ctx.lang, what, &view);
    let body = views::state_changed(ctx.lang, what, &view, &back_link(user, person));
    frame(ctx, &title, body)
}

/// The name of the person's primary school (empty if the directory cannot say: the slip
/// still shows the code, and the password must not be lost for want of a name). One entry
/// read, not the city's list of schools (issue 17: every slip read all 500).
async fn school_name(state: &PanelState, person: &PersonEntry) -> String {
    let code = &person.profile.employment.primary;
    match state.directory.find_school(code).await {
        Ok(found) => found.map(|s| s.school.name.to_string()).unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "panel: school names not read for the slip");
            String::new()
        }
    }
}

/// The slip, rendered once into this response (`Cache-Control: no-store`); nothing of it is
/// kept.
fn slip_response(
    state: &PanelState,
    user: &PanelUser,
    ctx: &PageContext,
    issued: &IssuedAccount,
    school_name: &str,
) -> Response {
    let view = PersonView::of(&issued.person);
    let portal = format!("{}/portal", state.public_base_url);
    let back = back_link(user, &issued.person);
    let issued_by = format!("{} ({})", user.name, user.login.as_str());
    let school = format!(
        "{school_name} ({})",
        issued.person.profile.employment.primary
    );
    let body = views::slip(&Slip {
        lang: ctx.lang,
        person: &view,
        school: &school,
        login: issued.login.as_str(),
        password: issued.password.expose_secret(),
        portal_url: &portal,
        expires_at: issued.expires_at,
        issued_at: state.clock.now(),
        issued_by: &issued_by,
        back: &back,
    });
    let html = frame(ctx, ctx.t(&texts::SLIP_TITLE), body);
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        html,
    )
        .into_response()
}
