//! The bodies of the panel pages as pure functions of what they show (no I/O), so unit tests
//! can read their HTML. The handlers (`super::pages`) wrap them in `layout::page`.
//!
//! Accessibility (WCAG 2.1 AA): every field has a `<label>`, tables have a caption and `scope`
//! on headers, the row menu is a native `<details>` (keyboard and screen readers work without
//! JavaScript), its summary names the person, and paging is a labelled `<nav>`. Forms that
//! change something are POST with the session's CSRF field (passed in rendered).

use super::texts;
use crate::domain::audit::Outcome;
pub use crate::domain::calendar::warsaw;
use crate::domain::calendar::MONTHS_PL;
use crate::domain::AccountState;
use crate::ports::PersonEntry;
use crate::web::i18n::{Lang, Msg};
use maud::{html, Markup};
use time::OffsetDateTime;

// The "to hand over" list and the pages about one person are beside, in their own files;
// re-exported so the handlers take every page body from `views`.
pub use super::hand_over_views::{hand_over, HandOverRow, HAND_OVER_PATH};
pub use super::person_views::{
    confirm, confirm_title, done, history, person_title, state_changed, Confirm,
};
// The hand-over slip is beside (`slip.rs`).
pub use super::slip::{slip, Slip};

/// Results per page of the staff search.
pub const PAGE_SIZE: usize = 20;

/// What the pages show of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonView {
    pub id: String,
    pub name: String,
    pub login: String,
    pub employee_number: Option<String>,
    pub position: Option<String>,
    /// Primary school first.
    pub schools: Vec<String>,
    pub state: AccountState,
    pub employment_active: bool,
    /// A deprovisioning of this person held for a system administrator's review
    /// (`"deactivate"` or `"delete"`), shown read-only to the school's administrator.
    pub held: Option<&'static str>,
    /// The signed-in administrator's own entry (they are not offered to lock themselves).
    pub is_self: bool,
}

impl PersonView {
    pub fn of(p: &PersonEntry) -> Self {
        Self {
            id: p.entry.id.clone(),
            name: p
                .profile
                .display_name
                .clone()
                .unwrap_or_else(|| p.profile.name.full()),
            login: p.login.as_str().to_owned(),
            employee_number: p
                .profile
                .employee_number
                .as_ref()
                .map(|n| n.as_str().to_owned()),
            position: p.profile.position.as_ref().map(|n| n.as_str().to_owned()),
            schools: p
                .profile
                .employment
                .all()
                .map(|c| c.as_str().to_owned())
                .collect(),
            state: p.account_state,
            employment_active: p.profile.employment_active,
            held: None,
            is_self: false,
        }
    }

    /// What tells this person apart from a namesake: the employee number, else the login.
    pub fn distinguishing(&self) -> String {
        match &self.employee_number {
            Some(n) => format!("{} ({n}, {})", self.name, self.login),
            None => format!("{} ({})", self.name, self.login),
        }
    }

    /// The person's pages: `/panel/pracownicy/<id>/<what>`.
    pub fn href(&self, what: &str) -> String {
        format!("/panel/pracownicy/{}/{what}", self.id)
    }
}

/// A school the signed-in person may pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolOption {
    pub code: String,
    pub name: String,
}

/// The staff search page.
pub struct StaffPage<'a> {
    pub lang: Lang,
    pub schools: &'a [SchoolOption],
    pub school: &'a str,
    pub query: &'a str,
    /// 1-based.
    pub page: usize,
    pub total: usize,
    pub rows: &'a [PersonView],
    /// The rendered hidden CSRF field for the row actions.
    pub csrf: &'a Markup,
    /// A system administrator is looking (the second-factor reset is offered).
    pub system_view: bool,
}

impl StaffPage<'_> {
    pub fn pages(&self) -> usize {
        self.total.div_ceil(PAGE_SIZE).max(1)
    }

    fn link(&self, page: usize) -> String {
        let mut s = format!("/panel/pracownicy?szkola={}", enc(self.school));
        if !self.query.is_empty() {
            s.push_str("&q=");
            s.push_str(&enc(self.query));
        }
        if page > 1 {
            s.push_str(&format!("&strona={page}"));
        }
        s
    }
}

pub fn staff(p: &StaffPage<'_>) -> Markup {
    let l = p.lang;
    html! {
        p.to-hand-over {
            a href=(format!("{HAND_OVER_PATH}?szkola={}", enc(p.school))) { (l.t(&texts::HAND_OVER_LINK)) }
            " · "
            a href=(format!("/panel/rejestry?szkola={}", enc(p.school))) { (l.t(&texts::RECORDS_LINK)) }
        }
        form.search method="get" action="/panel/pracownicy" role="search" {
            @if p.schools.len() > 1 {
                div.field {
                    label for="szkola" { (l.t(&texts::SCHOOL)) }
                    select #szkola name="szkola" {
                        @for s in p.schools {
                            option value=(s.code) selected[s.code == p.school] {
                                (s.name) " (" (s.code) ")"
                            }
                        }
                    }
                }
            } @else {
                @for s in p.schools {
                    p.school-name { (l.t(&texts::SCHOOL)) ": " strong { (s.name) } " (" (s.code) ")" }
                }
                input type="hidden" name="szkola" value=(p.school);
            }
            div.field {
                label for="q" { (l.t(&texts::SEARCH_LABEL)) }
                input #q type="search" name="q" value=(p.query) autocomplete="off"
                    aria-describedby="q-hint" maxlength="200";
                p #q-hint .hint { (l.t(&texts::SEARCH_HINT)) }
            }
            button type="submit" { (l.t(&texts::SEARCH)) }
        }
        section aria-labelledby="wyniki" {
            h2 #wyniki { (l.t(&texts::RESULTS)) }
            @if p.rows.is_empty() {
                p role="status" { (l.t(&texts::NOBODY_FOUND)) }
            } @else {
                p role="status" { (l.t(&texts::FOUND)) ": " (p.total) }
                table.staff {
                    caption.visually-hidden { (l.t(&texts::STAFF_TITLE)) ", " (l.t(&texts::PAGE)) " " (p.page) " " (l.t(&texts::OF)) " " (p.pages()) }
                    (column_heads(l, &[&texts::COL_NAME, &texts::COL_EMPLOYEE_NUMBER, &texts::COL_POSITION, &texts::COL_SCHOOLS, &texts::COL_ACCOUNT, &texts::COL_ACTIONS]))
                    tbody {
                        @for r in p.rows { (staff_row(l, r, p.csrf, p.system_view)) }
                    }
                }
                (paging(p))
            }
        }
    }
}

fn staff_row(l: Lang, r: &PersonView, csrf: &Markup, system_view: bool) -> Markup {
    html! {
        tr {
            th scope="row" { (r.name) }
            td { (opt(l, r.employee_number.as_deref())) }
            td { (opt(l, r.position.as_deref())) }
            td { (r.schools.join(", ")) }
            td {
                (l.t(&texts::account_state(r.state)))
                @if !r.employment_active {
                    br; small { (l.t(&texts::EMPLOYMENT_INACTIVE)) }
                }
                @if let Some(op) = r.held {
                    br; strong.held { (l.t(if op == "delete" { &texts::HELD_DELETE } else { &texts::HELD_DEACTIVATE })) }
                }
            }
            td { (row_menu(l, r, csrf, system_view)) }
        }
    }
}

/// The "⋯" menu: only the actions the account's state allows (and, for a system
/// administrator, the reset of the person's second factor).
pub fn row_menu(l: Lang, r: &PersonView, csrf: &Markup, system_view: bool) -> Markup {
    html! {
        details.row-menu {
            summary {
                span aria-hidden="true" { "⋯" }
                span.visually-hidden { (l.t(&texts::ACTIONS_FOR)) " " (r.distinguishing()) }
            }
            ul.menu {
                @if r.state == AccountState::None {
                    li { a href=(r.href("utworz-konto")) { (l.t(&texts::CREATE_ACCOUNT)) } }
                }
                @if r.state == AccountState::AwaitingFirstLogin {
                    li { a href=(r.href("nowe-haslo")) { (l.t(&texts::REISSUE)) } }
                }
                // Locking is not the row's main action: an outlined button, and never on the
                // administrator's own row (they would lock themselves out).
                @if r.state.has_credentials() && r.state != AccountState::Locked && !r.is_self {
                    li { form method="post" action=(r.href("zablokuj")) {
                        (csrf) button.secondary type="submit" { (l.t(&texts::LOCK)) }
                    } }
                }
                @if r.state == AccountState::Locked && !r.is_self {
                    li { form method="post" action=(r.href("odblokuj")) {
                        (csrf) button.secondary type="submit" { (l.t(&texts::UNLOCK)) }
                    } }
                }
                @if system_view && r.state.has_credentials() {
                    li { form method="post" action=(r.href("drugi-skladnik-reset")) {
                        (csrf) button.secondary type="submit" { (l.t(&texts::RESET_SECOND_FACTOR)) }
                    } }
                }
                @if r.is_self {
                    li.muted { (l.t(&texts::YOUR_ACCOUNT)) }
                }
                li { a href=(r.href("historia")) { (l.t(&texts::HISTORY)) } }
            }
        }
    }
}

fn paging(p: &StaffPage<'_>) -> Markup {
    let l = p.lang;
    let pages = p.pages();
    html! {
        @if pages > 1 {
            nav.pager aria-label=(l.t(&texts::PAGING)) {
                @if p.page > 1 {
                    a rel="prev" href=(p.link(p.page - 1)) { (l.t(&texts::PREVIOUS)) }
                }
                span aria-current="page" { (l.t(&texts::PAGE)) " " (p.page) " " (l.t(&texts::OF)) " " (pages) }
                @if p.page < pages {
                    a rel="next" href=(p.link(p.page + 1)) { (l.t(&texts::NEXT)) }
                }
            }
        }
    }
}

pub(super) fn opt(l: Lang, v: Option<&str>) -> Markup {
    html! {
        @match v {
            Some(v) => (v),
            None => span.muted { (l.t(&texts::NOT_GIVEN)) },
        }
    }
}

/// "wykonano" or "nie wykonano (powód)", the reason in words of the page's language.
pub fn outcome(l: Lang, o: &Outcome) -> String {
    match o {
        Outcome::Success => l.t(&texts::OUTCOME_OK).to_owned(),
        Outcome::Failure(why) => format!(
            "{} ({})",
            l.t(&texts::OUTCOME_FAILED),
            texts::failure_reason(l, why)
        ),
    }
}

/// A table's head row: one column heading each, in the page's language.
pub fn column_heads(l: Lang, heads: &[&Msg]) -> Markup {
    html! {
        thead { tr { @for h in heads { th scope="col" { (l.t(h)) } } } }
    }
}

/// Percent-encoding for a query-string value.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// "19 czerwca 2025, 14:03" / "19 June 2025, 14:03", Polish time.
pub fn date_time(l: Lang, t: OffsetDateTime) -> String {
    let w = warsaw(t);
    let month = match l {
        Lang::Pl => MONTHS_PL[usize::from(u8::from(w.month())) - 1].to_owned(),
        Lang::En => w.month().to_string(),
    };
    format!(
        "{} {month} {}, {:02}:{:02}",
        w.day(),
        w.year(),
        w.hour(),
        w.minute()
    )
}

#[cfg(test)]
#[path = "views_tests.rs"]
pub(super) mod tests;
