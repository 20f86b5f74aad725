//! The F-04 room list in the panel (procedure step 7–8): the list with its add form, one
//! version to print, adding a room, and removing one (asked first). Every change is a new
//! version (`Forms::add_room`/`remove_room`, one audit record each); a change based on a
//! stale version changes nothing, says so, and keeps what was typed. Scope as every records
//! page (`PanelRequest::school`: another school is 404, audited).

use super::pages::frame;
use super::records::{people_names, SchoolQuery};
use super::records_views as rv;
use super::request::PanelRequest;
use super::texts;
use crate::domain::forms::Room;
use crate::domain::SchoolCode;
use crate::forms::FormsError;
use crate::web::error::WebError;
use crate::web::layout::PageContext;
use crate::web::state::PanelState;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::Markup;
use serde::Deserialize;

/// `GET /panel/pomieszczenia?szkola=`: the F-04 list with the forms that change it.
pub async fn rooms(r: PanelRequest, Query(q): Query<SchoolQuery>) -> Result<Markup, WebError> {
    let (code, name, _) = r.school("f04", q.school.as_deref()).await?;
    let notice = match q.change.as_deref() {
        Some("dodano") => Some(rv::RoomsNotice::Added),
        Some("usunieto") => Some(rv::RoomsNotice::Removed),
        _ => None,
    };
    rooms_page(&r.state, &r.ctx, &code, &name, notice, None).await
}

/// The F-04 page: the list, a notice, and the add form (with what was typed, after a
/// refusal: a stale tab loses nothing).
async fn rooms_page(
    state: &PanelState,
    ctx: &PageContext,
    code: &SchoolCode,
    name: &str,
    notice: Option<rv::RoomsNotice>,
    typed: Option<&rv::TypedRoom>,
) -> Result<Markup, WebError> {
    let versions = state.forms.rooms(code).await?;
    let names = people_names(state, versions.iter().map(|v| v.changed_by.clone())).await?;
    let csrf = crate::web::csrf::csrf_field(&ctx.csrf);
    let body = rv::rooms(&rv::RoomsPage {
        names: &names,
        lang: ctx.lang,
        school: code.as_str(),
        name,
        versions: &versions,
        csrf: &csrf,
        notice,
        typed,
    });
    Ok(frame(ctx, ctx.t(&texts::F04_TITLE), body))
}

/// `GET /panel/pomieszczenia/druk?szkola=&wersja=`: one version (default the latest), to print.
pub async fn rooms_print(
    r: PanelRequest,
    Query(q): Query<SchoolQuery>,
) -> Result<Markup, WebError> {
    let (code, name, _) = r.school("f04", q.school.as_deref()).await?;
    let f = &r.state.forms;
    let versions = f.rooms(&code).await?;
    let wanted = q
        .version
        .as_deref()
        .and_then(|v| v.trim().parse::<u32>().ok());
    let version = match wanted {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => versions.last(),
    }
    .ok_or(WebError::NotFound)?;
    r.look(&code)
        .viewed(&[
            ("form", "F-04".into()),
            ("version", version.version.to_string()),
        ])
        .await?;
    let names = people_names(&r.state, [version.changed_by.clone()]).await?;
    let body = rv::rooms_print(r.ctx.lang, code.as_str(), &name, version, &names);
    Ok(frame(&r.ctx, r.ctx.t(&texts::F04_TITLE), body))
}

#[derive(Debug, Deserialize)]
pub struct AddRoomForm {
    #[serde(rename = "szkola")]
    school: String,
    #[serde(rename = "wersja")]
    version: u32,
    #[serde(rename = "pomieszczenie")]
    room: String,
    #[serde(rename = "budynek")]
    building: String,
    #[serde(rename = "przeznaczenie")]
    purpose: String,
}

/// `POST /panel/pomieszczenia/dodaj`: on success back to the list (saying so); refused (the
/// list changed in another tab, an empty field) the page again with what was typed.
pub async fn add_room(
    r: PanelRequest,
    Form(form): Form<AddRoomForm>,
) -> Result<Response, WebError> {
    let (code, name, _) = r.school("f04", Some(&form.school)).await?;
    let typed = rv::TypedRoom {
        room: form.room.clone(),
        building: form.building.clone(),
        purpose: form.purpose.clone(),
    };
    let notice = match Room::parse(&form.room, &form.building, &form.purpose) {
        Err(_) => rv::RoomsNotice::Invalid,
        Ok(room) => match r
            .state
            .forms
            .add_room(&r.forms_caller(), &code, form.version, room)
            .await
        {
            Ok(_) => return Ok(back_to_rooms(&code, "dodano")),
            Err(FormsError::Conflict(_)) => rv::RoomsNotice::ChangedMeanwhile,
            Err(e) => return Err(e.into()),
        },
    };
    let page = rooms_page(&r.state, &r.ctx, &code, &name, Some(notice), Some(&typed)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RemoveRoomQuery {
    #[serde(rename = "szkola")]
    school: Option<String>,
    #[serde(rename = "wersja")]
    version: u32,
    #[serde(rename = "lp")]
    row_no: usize,
}

/// `GET /panel/pomieszczenia/usun?szkola=&wersja=&lp=`: which room, and one button that
/// removes it (removing takes two steps, like every change that cannot be undone in one).
pub async fn remove_room_form(
    r: PanelRequest,
    Query(q): Query<RemoveRoomQuery>,
) -> Result<Markup, WebError> {
    let (code, name, _) = r.school("f04", q.school.as_deref()).await?;
    let versions = r.state.forms.rooms(&code).await?;
    let latest = versions.last().filter(|v| v.version == q.version);
    let room = q
        .row_no
        .checked_sub(1)
        .and_then(|i| latest.and_then(|v| v.rooms.get(i)));
    let Some(room) = room else {
        return rooms_page(
            &r.state,
            &r.ctx,
            &code,
            &name,
            Some(rv::RoomsNotice::ChangedMeanwhile),
            None,
        )
        .await;
    };
    let csrf = crate::web::csrf::csrf_field(&r.ctx.csrf);
    let body = rv::remove_room_confirm(r.ctx.lang, code.as_str(), q.version, q.row_no, room, &csrf);
    Ok(frame(&r.ctx, r.ctx.t(&texts::F04_REMOVE_TITLE), body))
}

#[derive(Debug, Deserialize)]
pub struct RemoveRoomForm {
    #[serde(rename = "szkola")]
    school: String,
    #[serde(rename = "wersja")]
    version: u32,
    #[serde(rename = "lp")]
    row_no: usize,
}

/// `POST /panel/pomieszczenia/usun` (`lp`: the room's position in version `wersja`, from 1).
pub async fn remove_room(
    r: PanelRequest,
    Form(form): Form<RemoveRoomForm>,
) -> Result<Response, WebError> {
    let (code, name, _) = r.school("f04", Some(&form.school)).await?;
    let index = form.row_no.checked_sub(1).ok_or(WebError::NotFound)?;
    match r
        .state
        .forms
        .remove_room(&r.forms_caller(), &code, form.version, index)
        .await
    {
        Ok(_) => Ok(back_to_rooms(&code, "usunieto")),
        Err(FormsError::Conflict(_)) | Err(FormsError::NotFound) => {
            let notice = Some(rv::RoomsNotice::ChangedMeanwhile);
            let page = rooms_page(&r.state, &r.ctx, &code, &name, notice, None).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// After a change: 303 to the school's list, which says what changed (`zmiana`).
fn back_to_rooms(code: &SchoolCode, change: &str) -> Response {
    let to = format!(
        "/panel/pomieszczenia?szkola={}&zmiana={change}",
        code.as_str()
    );
    Redirect::to(&to).into_response()
}
