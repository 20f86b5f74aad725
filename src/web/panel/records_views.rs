//! The records pages' HTML (maud): the school's history with its filters, the hub, the
//! to-dos; F-02 and F-03 in `register_views.rs`, F-04 in `rooms_views.rs`. Printable: the
//! print stylesheet (`panel.css`) hides the page frame and the forms' controls (`.no-print`).

use super::texts;
use super::views::{column_heads, date_time, enc, outcome, SchoolOption};
use crate::domain::audit::AuditRecord;
use crate::forms::Todo;
use crate::web::i18n::msg::LOGIN;
use crate::web::i18n::Lang;
use maud::{html, Markup};

// The F-02 and F-03 pages' HTML is beside (`register_views.rs`), the F-04 pages' too
// (`rooms_views.rs`).
pub use super::register_views::{authorizations, f02, register};
pub use super::rooms_views::{
    remove_room_confirm, rooms, rooms_print, RoomsNotice, RoomsPage, TypedRoom,
};

/// The filters as typed (echoed back into the form and the links).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilters {
    pub action: String,
    pub person: String,
    pub actor: String,
    pub from: String,
    pub to: String,
    /// `from` or `to` is not a day: that bound was left out, and the page says so.
    pub invalid_date: bool,
}

impl HistoryFilters {
    pub fn query(&self, school: &str) -> String {
        format!(
            "szkola={}&akcja={}&osoba={}&wykonawca={}&od={}&do={}",
            enc(school),
            enc(&self.action),
            enc(&self.person),
            enc(&self.actor),
            enc(&self.from),
            enc(&self.to)
        )
    }
}

/// Actions offered in the filter.
const ACTIONS: [&str; 32] = [
    "person.created",
    "person.updated",
    "person.moved",
    "person.deactivated",
    "person.reactivated",
    "person.deleted",
    "account.created",
    "account.password_reissued",
    "account.first_login",
    "account.password_set",
    "account.activated",
    "account.password_changed",
    "password.reset_requested",
    "account.password_reset",
    "email.changed",
    "administrators.notified",
    "account.locked",
    "account.unlocked",
    "email.confirmation_requested",
    "mail.sent",
    "mail.failed",
    "panel.sign_in",
    "portal.sign_in",
    "deprovisioning.held",
    "deprovisioning.released",
    "deprovisioning.discarded",
    "forms.todo_acknowledged",
    "forms.rooms_changed",
    "forms.viewed",
    "forms.exported",
    "audit.viewed",
    "audit.exported",
];

pub struct HistoryPage<'a> {
    pub lang: Lang,
    pub schools: &'a [SchoolOption],
    pub school: &'a str,
    pub filters: &'a HistoryFilters,
    pub records: &'a [AuditRecord],
    pub total: usize,
    pub page: usize,
    pub pages: usize,
}

fn school_picker(l: Lang, schools: &[SchoolOption], school: &str) -> Markup {
    html! {
        @if schools.len() > 1 {
            div.field {
                label for="szkola" { (l.t(&texts::SCHOOL)) }
                select #szkola name="szkola" {
                    @for s in schools {
                        option value=(s.code) selected[s.code == school] { (s.name) " (" (s.code) ")" }
                    }
                }
            }
        } @else {
            input type="hidden" name="szkola" value=(school);
        }
    }
}

/// Whom a record is about: "name (login)", or the entry's own name — never a DN.
pub fn about(r: &AuditRecord) -> String {
    let d = &r.record.details;
    match (d.get("display_name"), d.get("login")) {
        (Some(n), Some(l)) => format!("{n} ({l})"),
        (None, Some(l)) => l.clone(),
        (Some(n), None) => n.clone(),
        (None, None) => r
            .record
            .target
            .as_ref()
            // The entry's own name (`uid=jan.kowalski` → `jan.kowalski`), not its DN.
            .map(|t| {
                let rdn = t.dn.split(',').next().unwrap_or_default();
                rdn.split_once('=').map_or(rdn, |(_, v)| v).to_owned()
            })
            .unwrap_or_default(),
    }
}

pub fn school_history(p: &HistoryPage<'_>) -> Markup {
    let l = p.lang;
    let f = p.filters;
    let base = f.query(p.school);
    html! {
        form.search.no-print method="get" action="/panel/historia" {
            (school_picker(l, p.schools, p.school))
            div.field {
                label for="akcja" { (l.t(&texts::FILTER_ACTION)) }
                select #akcja name="akcja" {
                    option value="" { (l.t(&texts::FILTER_ANY)) }
                    @for a in ACTIONS {
                        option value=(a) selected[f.action == a] { (texts::action(l, a)) }
                    }
                }
            }
            div.field {
                label for="osoba" { (l.t(&texts::FILTER_PERSON)) }
                input #osoba type="text" name="osoba" value=(f.person) maxlength="100";
            }
            div.field {
                label for="wykonawca" { (l.t(&texts::FILTER_ACTOR)) }
                input #wykonawca type="text" name="wykonawca" value=(f.actor) maxlength="100";
            }
            div.field {
                label for="od" { (l.t(&texts::FILTER_FROM)) }
                input #od type="text" name="od" value=(f.from) inputmode="numeric" maxlength="10"
                    aria-describedby="daty" aria-invalid=[f.invalid_date.then_some("true")];
            }
            div.field {
                label for="do" { (l.t(&texts::FILTER_TO)) }
                input #do type="text" name="do" value=(f.to) inputmode="numeric" maxlength="10"
                    aria-describedby="daty" aria-invalid=[f.invalid_date.then_some("true")];
            }
            p #daty .hint { (l.t(&texts::DATE_HINT)) }
            button type="submit" { (l.t(&texts::FILTER)) }
        }
        @if f.invalid_date {
            p.error role="alert" { (l.t(&texts::DATE_INVALID)) }
        }
        p role="status" { (l.t(&texts::RECORDS_FOUND)) ": " (p.total) }
        p.no-print {
            a href=(format!("/panel/historia/eksport?format=csv&{base}")) { (l.t(&texts::CSV)) }
            " · "
            a href=(format!("/panel/historia/eksport?format=json&{base}")) { (l.t(&texts::JSON)) }
            br;
            small { (l.t(&texts::EXPORT_NOTE)) }
        }
        @if p.records.is_empty() {
            p { (l.t(&texts::HISTORY_EMPTY)) }
        } @else {
            table.history {
                caption.visually-hidden { (l.t(&texts::SCHOOL_HISTORY_TITLE)) " " (p.school) }
                (column_heads(l, &[&texts::COL_TIME, &texts::COL_WHO, &texts::COL_WHAT, &texts::COL_PERSON, &texts::COL_OUTCOME]))
                tbody {
                    @for r in p.records {
                        tr {
                            td { (date_time(l, r.time)) }
                            td { (texts::actor(l, &r.record.actor)) }
                            td { (texts::action(l, &r.record.action)) }
                            td { (about(r)) }
                            td { (outcome(l, &r.record.outcome)) }
                        }
                    }
                }
            }
        }
        @if p.pages > 1 {
            nav.paging.no-print aria-label=(l.t(&texts::PAGING)) {
                @if p.page > 1 {
                    a href=(format!("/panel/historia?{base}&strona={}", p.page - 1)) rel="prev" { (l.t(&texts::PREVIOUS)) }
                }
                span { (l.t(&texts::PAGE)) " " (p.page) " " (l.t(&texts::OF)) " " (p.pages) }
                @if p.page < p.pages {
                    a href=(format!("/panel/historia?{base}&strona={}", p.page + 1)) rel="next" { (l.t(&texts::NEXT)) }
                }
            }
        }
        (back(l, p.school))
    }
}

pub(super) fn back(l: Lang, school: &str) -> Markup {
    html! {
        p.no-print { a href=(format!("/panel/rejestry?szkola={}", enc(school))) { (l.t(&texts::RECORDS_TITLE)) } }
    }
}

pub fn hub(
    l: Lang,
    schools: &[SchoolOption],
    school: &str,
    name: &str,
    open: usize,
    per_school: &[(SchoolOption, usize)],
) -> Markup {
    let s = enc(school);
    html! {
        form.search method="get" action="/panel/rejestry" {
            (school_picker(l, schools, school))
            @if schools.len() > 1 { button type="submit" { (l.t(&texts::SEARCH)) } }
        }
        p { (l.t(&texts::SCHOOL)) ": " strong { (name) } " (" (school) ")" }
        ul {
            li { a href=(format!("/panel/nowe-konta?szkola={s}")) { (l.t(&texts::TODOS_TITLE)) } " (" (l.t(&texts::TODOS_OPEN)) ": " (open) ")" }
            li { a href=(format!("/panel/historia?szkola={s}")) { (l.t(&texts::SCHOOL_HISTORY_TITLE)) } }
            li { a href=(format!("/panel/upowaznienia?szkola={s}")) { (l.t(&texts::F02_TITLE)) } }
            li { a href=(format!("/panel/ewidencja?szkola={s}")) { (l.t(&texts::F03_TITLE)) } }
            li { a href=(format!("/panel/pomieszczenia?szkola={s}")) { (l.t(&texts::F04_TITLE)) } }
        }
        @if !per_school.is_empty() {
            h2 { (l.t(&texts::OPEN_PER_SCHOOL)) }
            table {
                caption.visually-hidden { (l.t(&texts::OPEN_PER_SCHOOL)) }
                (column_heads(l, &[&texts::SCHOOL, &texts::TODOS_OPEN]))
                tbody {
                    @for (o, n) in per_school {
                        tr {
                            td { a href=(format!("/panel/nowe-konta?szkola={}", enc(&o.code))) { (o.name) " (" (o.code) ")" } }
                            td { (n) }
                        }
                    }
                }
            }
        }
    }
}

/// A step-7 to-do with what tells namesakes apart and where the person's forms are.
#[derive(Debug, Clone)]
pub struct TodoRow {
    pub todo: Todo,
    pub employee_number: Option<String>,
    /// The person's F-02 number in the school's register, once it is there.
    pub grant_no: Option<u64>,
}

pub fn todos(l: Lang, school: &str, name: &str, list: &[TodoRow], csrf: &Markup) -> Markup {
    let s = enc(school);
    html! {
        p { (l.t(&texts::SCHOOL)) ": " strong { (name) } " (" (school) ")" }
        p { (l.t(&texts::TODOS_INTRO)) }
        @if list.is_empty() {
            p { (l.t(&texts::TODOS_NONE)) }
        } @else {
            table.todos {
                caption.visually-hidden { (l.t(&texts::TODOS_TITLE)) }
                (column_heads(l, &[&texts::COL_NAME, &texts::COL_EMPLOYEE_NUMBER, &LOGIN, &texts::COL_ACTIVATED, &texts::COL_FORMS, &texts::COL_ACTIONS]))
                tbody {
                    @for r in list {
                        @let t = &r.todo;
                        tr {
                            th scope="row" { (t.name) }
                            td { (r.employee_number.as_deref().unwrap_or("—")) }
                            td { (t.login) }
                            td { (date_time(l, t.activated_at)) }
                            td {
                                @if let Some(no) = r.grant_no {
                                    a href=(format!("/panel/upowaznienia/{no}?szkola={s}")) { (l.t(&texts::TODO_SEE_F02)) " " (school) "/" (no) }
                                    br;
                                }
                                a href=(format!("/panel/ewidencja?szkola={s}")) { (l.t(&texts::TODO_SEE_F03)) }
                                br;
                                a href=(format!("/panel/pomieszczenia?szkola={s}")) { (l.t(&texts::TODO_SEE_F04)) }
                            }
                            td {
                                @match &t.acknowledged {
                                    Some(a) => { (l.t(&texts::TODO_DONE)) ": " (a.by) ", " (date_time(l, a.at)) },
                                    None => {
                                        form method="post" action=(format!("/panel/nowe-konta/{}/potwierdz", t.seq)) {
                                            (csrf)
                                            input type="hidden" name="szkola" value=(school);
                                            button type="submit" aria-label=(format!("{}: {} ({})", l.t(&texts::TODO_CONFIRM), t.name, t.login)) { (l.t(&texts::TODO_CONFIRM)) }
                                        }
                                    },
                                }
                            }
                        }
                    }
                }
            }
        }
        (back(l, school))
    }
}
