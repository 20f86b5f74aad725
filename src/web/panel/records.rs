//! The school's personal-data records in the panel (procedure step 7–8): the hub, the
//! step-7 to-dos ("new accounts: update F-02/F-03/F-04"), F-02 (print view and PDF), the
//! F-03 register (print view and CSV), the F-04 room list (maintained here, versioned,
//! printable). Handlers are thin: they parse, call `crate::forms`, and render
//! `records_views`.
//!
//! Scope: as the history (`history.rs`): the school must be the person's (a system
//! administrator: any), else 404 and an `access.refused` audit record. Views, prints and
//! exports are audited (`forms.viewed`, `forms.exported`); changes by the use cases.

use super::pages::{download, frame};
use super::records_views as rv;
use super::request::PanelRequest;
use super::texts;
use crate::domain::forms::{current_rows, RegisterRow};
use crate::domain::{LoginName, SchoolCode};
use crate::forms::document::PeopleNames;
use crate::forms::{document, pdf, FormsError};
use crate::web::auth::PanelUser;
use crate::web::error::WebError;
use crate::web::state::PanelState;
use axum::extract::{Path, Query};
use axum::response::{Redirect, Response};
use axum::Form;
use maud::Markup;
use serde::Deserialize;
use std::collections::BTreeMap;

impl From<FormsError> for WebError {
    fn from(e: FormsError) -> Self {
        match e {
            FormsError::Audit(e) => e.into(),
            FormsError::Store(e) => e.into(),
            FormsError::NotFound => WebError::NotFound,
            FormsError::Conflict(m) => WebError::Conflict(m),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SchoolQuery {
    #[serde(rename = "szkola")]
    pub(super) school: Option<String>,
    #[serde(rename = "wersja")]
    pub(super) version: Option<String>,
    /// After a change of the F-04 list: `dodano` or `usunieto` (the page says it was done).
    #[serde(rename = "zmiana")]
    pub(super) change: Option<String>,
}

/// The names of the people `labels` name by login (the register's grantors, the F-04
/// versions' authors): the forms name people, not logins. A login the directory does not
/// know (any more) stays a login.
pub(super) async fn people_names(
    state: &PanelState,
    labels: impl IntoIterator<Item = String>,
) -> Result<PeopleNames, WebError> {
    let mut out = BTreeMap::new();
    for label in labels
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
    {
        let Ok(login) = LoginName::parse(&label) else {
            continue;
        };
        if let Some(p) = state.directory.find_person_by_login(&login).await? {
            let name = p
                .profile
                .display_name
                .clone()
                .unwrap_or_else(|| p.profile.name.full());
            out.insert(label, name);
        }
    }
    Ok(PeopleNames(out))
}

fn register_names(rows: &[RegisterRow]) -> impl Iterator<Item = String> + '_ {
    rows.iter()
        .flat_map(|r| std::iter::once(r.granted_by.clone()).chain(r.revoked_by.clone()))
}

/// `GET /panel/rejestry?szkola=`: links to the records, with the open to-dos; a system
/// administrator also sees every school's open to-dos.
pub async fn hub(r: PanelRequest, Query(q): Query<SchoolQuery>) -> Result<Markup, WebError> {
    let (code, name, options) = r.school("hub", q.school.as_deref()).await?;
    let f = &r.state.forms;
    let open =
        |todos: Vec<crate::forms::Todo>| todos.iter().filter(|t| t.acknowledged.is_none()).count();
    let here = open(f.todos(&code).await?);
    let mut per_school = Vec::new();
    if r.user.is_system_administrator() {
        for o in &options {
            if let Ok(c) = SchoolCode::parse(&o.code) {
                let n = open(f.todos(&c).await?);
                if n > 0 {
                    per_school.push((o.clone(), n));
                }
            }
        }
    }
    let body = rv::hub(
        r.ctx.lang,
        &options,
        code.as_str(),
        &name,
        here,
        &per_school,
    );
    Ok(frame(&r.ctx, r.ctx.t(&texts::RECORDS_TITLE), body))
}

/// `GET /panel/nowe-konta?szkola=`: the step-7 to-dos, open first.
pub async fn todos(r: PanelRequest, Query(q): Query<SchoolQuery>) -> Result<Markup, WebError> {
    let (code, name, _) = r.school("todos", q.school.as_deref()).await?;
    let rows = todo_rows(&r.state, &r.user, &code).await?;
    let csrf = crate::web::csrf::csrf_field(&r.ctx.csrf);
    let body = rv::todos(r.ctx.lang, code.as_str(), &name, &rows, &csrf);
    Ok(frame(&r.ctx, r.ctx.t(&texts::TODOS_TITLE), body))
}

/// The school's to-dos, open first, each with what tells namesakes apart (the employee
/// number, from the directory) and the number of the person's F-02 (from the register).
pub(super) async fn todo_rows(
    state: &PanelState,
    user: &PanelUser,
    code: &SchoolCode,
) -> Result<Vec<rv::TodoRow>, WebError> {
    let f = &state.forms;
    let mut list = f.todos(code).await?;
    list.sort_by_key(|t| t.acknowledged.is_some());
    let register = f.register(code).await?;
    let mut rows = Vec::with_capacity(list.len());
    for todo in list {
        let grant_no = todo.person_id.as_deref().and_then(|id| {
            current_rows(&register)
                .into_iter()
                .rev()
                .find(|r| r.person_id == id)
                .map(|r| r.grant_no)
        });
        // Only the open ones are looked up: the closed ones are history.
        let employee_number = match (&todo.person_id, &todo.acknowledged) {
            (Some(id), None) => state
                .directory
                .get_person(id, &user.scope)
                .await?
                .and_then(|p| p.profile.employee_number.map(|n| n.as_str().to_owned())),
            _ => None,
        };
        rows.push(rv::TodoRow {
            todo,
            employee_number,
            grant_no,
        });
    }
    Ok(rows)
}

#[derive(Debug, Deserialize)]
pub struct SchoolForm {
    #[serde(rename = "szkola")]
    school: String,
}

/// `POST /panel/nowe-konta/{seq}/potwierdz` (field `szkola`): closes the to-do.
pub async fn acknowledge(
    r: PanelRequest,
    Path(seq): Path<u64>,
    Form(form): Form<SchoolForm>,
) -> Result<Redirect, WebError> {
    let (code, _, _) = r.school("todos", Some(&form.school)).await?;
    match r
        .state
        .forms
        .acknowledge(&r.forms_caller(), &code, seq)
        .await
    {
        // Confirmed already (a second click, another administrator): the list says by whom.
        Ok(()) | Err(FormsError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!(
        "/panel/nowe-konta?szkola={}",
        code.as_str()
    )))
}

/// The school asked for (see [`PanelRequest::school`]; refused as `what`), with its name,
/// and its F-03 register, every row: what the F-02 and F-03 pages all start from.
async fn school_register(
    r: &PanelRequest,
    what: &str,
    asked: Option<&str>,
) -> Result<(SchoolCode, String, Vec<RegisterRow>), WebError> {
    let (code, name, _) = r.school(what, asked).await?;
    let rows = r.state.forms.register(&code).await?;
    Ok((code, name, rows))
}

/// `GET /panel/upowaznienia?szkola=`: the school's authorizations (F-02), newest first.
pub async fn authorizations(
    r: PanelRequest,
    Query(q): Query<SchoolQuery>,
) -> Result<Markup, WebError> {
    let (code, name, rows) = school_register(&r, "f02", q.school.as_deref()).await?;
    let mut current: Vec<_> = current_rows(&rows).into_iter().cloned().collect();
    current.reverse();
    let body = rv::authorizations(r.ctx.lang, code.as_str(), &name, &current);
    Ok(frame(&r.ctx, r.ctx.t(&texts::F02_TITLE), body))
}

/// What both F-02 handlers (print view and PDF) are asked, `/panel/upowaznienia/{nr}?szkola=`,
/// extracted in this order (sign-in, path, query), each refusal answered as its part's own.
type AskedF02 = (PanelRequest, Path<u64>, Query<SchoolQuery>);

/// F-02 number `grant_no` of the school asked for (404, audited, outside the scope), with
/// the school's code.
async fn f02_of(
    r: &PanelRequest,
    asked: Option<&str>,
    grant_no: u64,
) -> Result<(SchoolCode, document::F02), WebError> {
    let (code, name, rows) = school_register(r, "f02", asked).await?;
    let row = current_rows(&rows)
        .into_iter()
        .find(|r| r.grant_no == grant_no)
        .ok_or(WebError::NotFound)?;
    let names = people_names(&r.state, register_names(std::slice::from_ref(row))).await?;
    let doc = document::f02(code.as_str(), &name, row, &names);
    Ok((code, doc))
}

/// `GET /panel/upowaznienia/{nr}?szkola=`: the F-02 print view.
pub async fn authorization((r, Path(no), Query(q)): AskedF02) -> Result<Markup, WebError> {
    let (code, doc) = f02_of(&r, q.school.as_deref(), no).await?;
    r.look(&code)
        .viewed(&[("form", "F-02".into()), ("number", doc.number.clone())])
        .await?;
    let body = rv::f02(r.ctx.lang, code.as_str(), no, &doc);
    Ok(frame(&r.ctx, &format!("F-02 {}", doc.number), body))
}

/// `GET /panel/upowaznienia/{nr}/pdf?szkola=`: the F-02 as a PDF.
pub async fn authorization_pdf((r, Path(no), Query(q)): AskedF02) -> Result<Response, WebError> {
    let (code, doc) = f02_of(&r, q.school.as_deref(), no).await?;
    r.look(&code)
        .exported(&[
            ("form", "F-02".into()),
            ("number", doc.number.clone()),
            ("format", "pdf".into()),
        ])
        .await?;
    let bytes = tokio::task::spawn_blocking(move || pdf::f02_pdf(&doc))
        .await
        .map_err(|e| WebError::Internal(e.to_string().into()))?;
    let file = format!("F-02-{}-{no}.pdf", code.as_str());
    Ok(download("application/pdf", &file, bytes))
}

/// `GET /panel/ewidencja?szkola=`: the F-03 register, every row (corrections included).
pub async fn register(r: PanelRequest, Query(q): Query<SchoolQuery>) -> Result<Markup, WebError> {
    let (code, name, rows) = school_register(&r, "f03", q.school.as_deref()).await?;
    r.look(&code)
        .viewed(&[("form", "F-03".into()), ("rows", rows.len().to_string())])
        .await?;
    let names = people_names(&r.state, register_names(&rows)).await?;
    let body = rv::register(r.ctx.lang, code.as_str(), &name, &rows, &names);
    Ok(frame(&r.ctx, r.ctx.t(&texts::F03_TITLE), body))
}

/// `GET /panel/ewidencja/csv?szkola=`: the F-03 register as CSV (formulas neutralised).
pub async fn register_csv(
    r: PanelRequest,
    Query(q): Query<SchoolQuery>,
) -> Result<Response, WebError> {
    let (code, _, rows) = school_register(&r, "f03", q.school.as_deref()).await?;
    r.look(&code)
        .exported(&[
            ("form", "F-03".into()),
            ("format", "csv".into()),
            ("rows", rows.len().to_string()),
        ])
        .await?;
    let names = people_names(&r.state, register_names(&rows)).await?;
    let body = document::f03_csv(code.as_str(), &rows, &names)
        .map_err(|e| WebError::Internal(e.to_string().into()))?;
    let file = format!("F-03-{}.csv", code.as_str());
    Ok(download("text/csv; charset=utf-8", &file, body))
}
