//! The handlers of the staff pages: parse, call the `Directory` port (reads) or a
//! `provisioning` use case (every change), render `views` inside `layout::page`.
//!
//! Scope: every read goes through the signed-in person's `SchoolScope` (`get_person` answers
//! `None` outside it → 404), every change through a use case that checks the scope again and
//! writes the audit record (out of scope → 404 too, so nothing about other schools leaks).
//! A school in the query string outside the scope is 404 as well.

use super::request::PanelRequest;
use super::texts;
use super::views::{self, HandOverRow, PersonView, SchoolOption, StaffPage, PAGE_SIZE};
use crate::domain::SchoolCode;
use crate::ports::PersonEntry;
use crate::web::auth::PanelUser;
use crate::web::csrf::csrf_field;
use crate::web::error::WebError;
use crate::web::i18n::Msg;
use crate::web::layout::{page, PageContext};
use crate::web::state::PanelState;
use crate::web::RequestContext;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

/// The staff pages' stylesheet (beside the layout's `zszo.css`).
pub const CSS_PATH: &str = "/panel/assets/pracownicy.css";
const CSS: &str = include_str!("panel.css");
/// The longest search text taken.
const MAX_QUERY_CHARS: usize = 200;
/// The most history records shown.
const HISTORY_LIMIT: usize = 500;

/// `GET /panel/assets/pracownicy.css`
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

/// The layout's page with this module's stylesheet.
pub(super) fn frame(ctx: &PageContext, title: &str, body: Markup) -> Markup {
    page(
        ctx,
        title,
        html! { link rel="stylesheet" href=(CSS_PATH); (body) },
    )
}

#[derive(Debug, Deserialize)]
pub struct StaffQuery {
    #[serde(rename = "szkola")]
    school: Option<String>,
    q: Option<String>,
    #[serde(rename = "strona")]
    page: Option<String>,
}

/// The schools the person may pick: every school for a system administrator, else theirs,
/// in the order of their roles (their first school first). A local administrator's schools
/// are read one entry each, not from the city's list (issue 17: every staff search read all
/// 500 school entries to keep one).
pub(super) async fn school_options(
    state: &PanelState,
    user: &PanelUser,
) -> Result<Vec<SchoolOption>, WebError> {
    let option = |s: crate::ports::SchoolEntry| SchoolOption {
        code: s.school.code.as_str().to_owned(),
        name: s.school.name.to_string(),
    };
    if user.is_system_administrator() {
        let mut options: Vec<SchoolOption> = state
            .directory
            .list_schools()
            .await?
            .into_iter()
            .filter(|s| user.may_act_on(&s.school.code))
            .map(option)
            .collect();
        options.sort_by(|a, b| a.code.cmp(&b.code));
        return Ok(options);
    }
    let mut options = Vec::new();
    for code in user.local_schools() {
        if !user.may_act_on(&code)
            || options
                .iter()
                .any(|o: &SchoolOption| o.code == code.as_str())
        {
            continue;
        }
        if let Some(school) = state.directory.find_school(&code).await? {
            options.push(option(school));
        }
    }
    Ok(options)
}

/// The school a page shows: the one asked for (`szkola`), which must be the user's and among
/// the offered ones (else 404: nothing is said about other schools), or the first offered.
pub(super) fn chosen_school(
    user: &PanelUser,
    options: &[SchoolOption],
    asked: Option<&str>,
) -> Result<Option<String>, WebError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => {
            let code = SchoolCode::parse(raw).map_err(|_| WebError::NotFound)?;
            if !user.may_act_on(&code) || !options.iter().any(|o| o.code == code.as_str()) {
                return Err(WebError::NotFound);
            }
            Ok(Some(code.as_str().to_owned()))
        }
        None => Ok(options.first().map(|o| o.code.clone())),
    }
}

/// The schools a page offers the person and the one it shows (see [`chosen_school`]).
pub(super) async fn offered_schools(
    state: &PanelState,
    user: &PanelUser,
    asked: Option<&str>,
) -> Result<(Vec<SchoolOption>, Option<String>), WebError> {
    let options = school_options(state, user).await?;
    let chosen = chosen_school(user, &options, asked)?;
    Ok((options, chosen))
}

/// `GET /panel/pracownicy?szkola=<code>&q=<text>&strona=<n>`
pub async fn staff(r: PanelRequest, Query(q): Query<StaffQuery>) -> Result<Markup, WebError> {
    let (options, school) = offered_schools(&r.state, &r.user, q.school.as_deref()).await?;
    let text: String =
        q.q.as_deref()
            .unwrap_or_default()
            .trim()
            .chars()
            .take(MAX_QUERY_CHARS)
            .collect();
    let page_no = q
        .page
        .as_deref()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let (total, rows) = match &school {
        Some(code) => {
            let found = r
                .state
                .staff
                .search(&r.user.scope, code, &text, page_no, PAGE_SIZE)
                .await?;
            let held = held_in_school(&r.state, code).await?;
            let rows = found
                .items
                .iter()
                .map(|p| {
                    let mut v = PersonView::of(p);
                    v.is_self = p.login == r.user.login;
                    v.held = held.get(&p.entry.id).copied();
                    v
                })
                .collect::<Vec<_>>();
            (found.total, rows)
        }
        None => (0, Vec::new()),
    };
    let csrf = csrf_field(&r.ctx.csrf);
    let body = views::staff(&StaffPage {
        lang: r.ctx.lang,
        schools: &options,
        school: school.as_deref().unwrap_or_default(),
        query: &text,
        page: page_no,
        total,
        rows: &rows,
        csrf: &csrf,
        system_view: r.user.is_system_administrator(),
    });
    Ok(frame(&r.ctx, r.ctx.t(&texts::STAFF_TITLE), body))
}

/// The school's deprovisioning operations held for review: person id → `deactivate` /
/// `delete`. The school's administrator sees them (read-only): people HR asked to remove
/// must not look like ordinary staff.
pub(super) async fn held_in_school(
    state: &PanelState,
    school: &str,
) -> Result<std::collections::HashMap<String, &'static str>, WebError> {
    let held = state.provisioning.held_operations().await?;
    Ok(held
        .into_iter()
        .filter(|h| h.school == school)
        .map(|h| (h.target_id.clone(), h.operation()))
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct HandOverQuery {
    #[serde(rename = "szkola")]
    school: Option<String>,
}

/// The most pending requests shown at once (the oldest first).
const HAND_OVER_LIMIT: usize = 200;

/// `GET /panel/do-wydania?szkola=<code>`: the school's people with a pending account request
/// (found by the directory: `zszoAccountRequestedAt` present), oldest request first.
pub async fn hand_over(
    r: PanelRequest,
    Query(q): Query<HandOverQuery>,
) -> Result<Markup, WebError> {
    let (options, school) = offered_schools(&r.state, &r.user, q.school.as_deref()).await?;
    let (total, rows) = match &school {
        Some(code) => {
            let found = r
                .state
                .staff
                .account_requests(&r.user.scope, code, HAND_OVER_LIMIT)
                .await?;
            let rows = found
                .items
                .iter()
                .filter_map(|p| {
                    let r = p.account_request.as_ref()?;
                    Some(HandOverRow {
                        person: PersonView::of(p),
                        by: r.by.clone(),
                        at: r.at,
                    })
                })
                .collect::<Vec<_>>();
            (found.total, rows)
        }
        None => (0, Vec::new()),
    };
    let body = views::hand_over(
        r.ctx.lang,
        &options,
        school.as_deref().unwrap_or_default(),
        total,
        &rows,
    );
    Ok(frame(&r.ctx, r.ctx.t(&texts::HAND_OVER_TITLE), body))
}

/// The person with `id` if the signed-in person may see them; else 404.
pub(super) async fn person_in_scope(
    state: &PanelState,
    user: &PanelUser,
    id: &str,
) -> Result<PersonEntry, WebError> {
    match state.directory.get_person(id, &user.scope).await? {
        Some(person) => Ok(person),
        None => {
            let wanted = crate::provisioning::refusals::Wanted::Person;
            state
                .refusals
                .not_in_scope(&user.caller(None), wanted, id, "panel")
                .await;
            Err(WebError::NotFound)
        }
    }
}

/// The staff list of the person's first school the user acts on.
pub(super) fn back_link(user: &PanelUser, p: &PersonEntry) -> String {
    match p.profile.employment.all().find(|c| user.may_act_on(c)) {
        Some(code) => format!("/panel/pracownicy?szkola={}", views::enc(code.as_str())),
        None => "/panel/pracownicy".to_owned(),
    }
}

pub(super) fn request_id(ctx: &Option<Extension<RequestContext>>) -> Option<String> {
    ctx.as_ref().and_then(|c| c.0.request_id.clone())
}

/// `POST /panel/pracownicy/{id}/zablokuj`
pub async fn lock(r: PanelRequest, Path(id): Path<String>) -> Result<Markup, WebError> {
    let person = r.state.provisioning.lock_account(&r.caller(), &id).await?;
    Ok(done(&r.user, &r.ctx, &person, &texts::LOCKED_DONE))
}

/// `POST /panel/pracownicy/{id}/odblokuj`
pub async fn unlock(r: PanelRequest, Path(id): Path<String>) -> Result<Markup, WebError> {
    let person = r
        .state
        .provisioning
        .unlock_account(&r.caller(), &id)
        .await?;
    Ok(done(&r.user, &r.ctx, &person, &texts::UNLOCKED_DONE))
}

fn done(user: &PanelUser, ctx: &PageContext, person: &PersonEntry, message: &Msg) -> Markup {
    let view = PersonView::of(person);
    let title = views::person_title(ctx.lang, &texts::LOCK_TITLE, &view);
    let body = views::done(ctx.lang, &view, message, &back_link(user, person));
    frame(ctx, &title, body)
}

/// `GET /panel/pracownicy/{id}/historia`: the audit records about the person, newest first.
pub async fn history(
    PanelRequest {
        state, user, ctx, ..
    }: PanelRequest,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    let person = person_in_scope(&state, &user, &id).await?;
    let records = state
        .history
        .of_person(&person.entry.id, HISTORY_LIMIT)
        .await?;
    let view = PersonView::of(&person);
    let title = views::person_title(ctx.lang, &texts::HISTORY_TITLE, &view);
    let body = views::history(ctx.lang, &view, &records, &back_link(&user, &person));
    Ok(frame(&ctx, &title, body))
}

/// A file to download (`Content-Disposition: attachment`): the records' exports and the
/// history's. `file_name` is ours (a form name, a school code, a number), never typed in.
pub(super) fn download(mime: &str, file_name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}
