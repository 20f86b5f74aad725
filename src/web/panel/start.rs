//! The panel's start page (`GET /panel`): the administrator's work for one school, each item
//! a link — new accounts to record in F-02/F-03/F-04, accounts HR asked for, the school's
//! deprovisioning held for review (read-only for a local administrator), one-time passwords
//! that expire soon or have expired. Above them: a notice when the administrator has no email
//! address (then the notices of new accounts cannot reach them); for a system administrator
//! also the schools where nobody can be notified.
//!
//! Reads only: the directory through the person's scope, the audit-derived to-dos, the held
//! operations of the state store.

use super::pages::{frame, offered_schools};
use super::records::todo_rows;
use super::request::PanelRequest;
use super::views::{date_time, enc, PersonView, SchoolOption, HAND_OVER_PATH};
use super::{records_views::TodoRow, texts};
use crate::domain::query::{CompareOp, Filter, PersonAttr, Value};
use crate::domain::{AccountState, SchoolCode};
use crate::ports::PersonEntry;
use crate::web::auth::PanelUser;
use crate::web::error::WebError;
use crate::web::i18n::{Lang, Msg};
use crate::web::state::PanelState;
use axum::extract::Query;
use maud::{html, Markup};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

/// One-time passwords expiring within this are listed (with the expired ones).
const EXPIRING_WITHIN: Duration = Duration::days(2);
/// The most rows a section lists (its link leads to the full list).
const SECTION_ROWS: usize = 10;
/// The most people a search here reads.
const SEARCH_LIMIT: usize = 200;

const TITLE: Msg = Msg::new("Twoje zadania", "Your work");
const INTRO: Msg = Msg::new(
    "Co czeka na Ciebie w placówce. Każda pozycja prowadzi do miejsca, w którym ją załatwisz.",
    "What is waiting for you at the school. Each item leads to where you deal with it.",
);
const STAFF_LINK: Msg = Msg::new(
    "Pracownicy placówki: wyszukaj pracownika, utwórz konto",
    "School staff: find an employee, create an account",
);
const NO_EMAIL: Msg = Msg::new(
    "Nie masz w ZSZO potwierdzonego adresu e-mail, więc powiadomienia o nowych kontach pracowników nie mogą do Ciebie dotrzeć (widzisz je tylko tutaj). Podaj i potwierdź swój adres w Portalu Dostępowym:",
    "You have no confirmed email address in ZSZO, so the notices of employees' new accounts cannot reach you (you only see them here). Give and confirm your address in the Access Portal:",
);
const NO_EMAIL_LINK: Msg = Msg::new(
    "Portal Dostępowy — Twoje konto",
    "Access Portal — your account",
);

/// One list of the start page: its heading (and the heading's id, the section's anchor), and
/// what it says when it lists nothing.
struct Section {
    id: &'static str,
    title: Msg,
    none: Msg,
}

const NEW_ACCOUNTS: Section = Section {
    id: "nowe-konta",
    title: Msg::new(
        "Nowe konta: wpisz je do F-02, F-03 i F-04",
        "New accounts: record them in F-02, F-03 and F-04",
    ),
    none: Msg::new(
        "Brak nowych kont do wpisania.",
        "No new accounts to record.",
    ),
};
const ALL_NEW_ACCOUNTS: Msg = Msg::new(
    "Wszystkie nowe konta i potwierdzenia",
    "All new accounts and confirmations",
);
const REQUESTED: Section = Section {
    id: "zamowione",
    title: Msg::new("Konta zamówione przez kadry", "Accounts requested by HR"),
    none: Msg::new(
        "Kadry nie zamówiły nowych kont.",
        "HR has not requested any accounts.",
    ),
};
const HELD: Section = Section {
    id: "wstrzymane",
    title: Msg::new(
        "Wstrzymane usunięcia i zakończenia zatrudnienia",
        "Held deletions and ends of employment",
    ),
    none: Msg::new("Nic nie jest wstrzymane.", "Nothing is held."),
};
const HELD_INTRO: Msg = Msg::new(
    "Kadry zgłosiły te zmiany, ale zostały wstrzymane do sprawdzenia przez administratora systemu. Do jego decyzji konta działają jak dotąd.",
    "HR reported these changes, but they are held for a system administrator's review. Until they decide, the accounts work as before.",
);
const HELD_SYSTEM: Msg = Msg::new(
    "Zatwierdź albo odrzuć je poleceniem „zszo-connector held release/discard”.",
    "Release or discard them with “zszo-connector held release/discard”.",
);
const HELD_DELETE: Msg = Msg::new("usunięcie osoby", "deletion of the person");
const HELD_DEACTIVATE: Msg = Msg::new("koniec zatrudnienia", "end of employment");
const HELD_SINCE: Msg = Msg::new("wstrzymano", "held on");
const EXPIRING: Section = Section {
    id: "wygasajace",
    title: Msg::new(
        "Hasła jednorazowe, które wkrótce wygasną albo już wygasły",
        "One-time passwords that expire soon or have expired",
    ),
    none: Msg::new(
        "Żadne hasło jednorazowe nie wygasa w ciągu dwóch dni.",
        "No one-time password expires within two days.",
    ),
};
const EXPIRES: Msg = Msg::new("ważne do", "valid until");
const EXPIRED: Msg = Msg::new("wygasło", "expired");
const UNREACHABLE: Msg = Msg::new(
    "Placówki, w których nikt nie dostanie powiadomienia o nowym koncie",
    "Schools where nobody can be notified of a new account",
);
const UNREACHABLE_INTRO: Msg = Msg::new(
    "Żaden administrator lokalny tych placówek nie ma aktywnego konta z adresem e-mail. Nowe konta widać tam tylko w panelu.",
    "No local administrator of these schools has an active account with an email address. New accounts there show only in the panel.",
);
const SHOW: Msg = Msg::new("Pokaż", "Show");

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    #[serde(rename = "szkola")]
    school: Option<String>,
}

/// A held deprovisioning, as the start page lists it.
pub struct HeldRow {
    pub person_id: String,
    pub login: String,
    pub delete: bool,
    pub since: OffsetDateTime,
}

/// What the start page shows.
pub struct StartPage<'a> {
    pub lang: Lang,
    pub now: OffsetDateTime,
    pub schools: &'a [SchoolOption],
    pub school: &'a str,
    /// The signed-in administrator has no email address.
    pub without_email: bool,
    pub portal_account: &'a str,
    pub todos: &'a [TodoRow],
    pub requested: &'a [PersonView],
    pub held: &'a [HeldRow],
    pub expiring: &'a [(PersonView, OffsetDateTime)],
    /// For a system administrator: schools where no notice can be sent.
    pub unreachable: Option<&'a [SchoolOption]>,
}

/// `GET /panel?szkola=`: the start page.
pub async fn start(r: PanelRequest, Query(q): Query<StartQuery>) -> Result<Markup, WebError> {
    let (options, school) = offered_schools(&r.state, &r.user, q.school.as_deref()).await?;
    let school = school.unwrap_or_default();
    let now = r.state.clock.now();
    let me = r
        .state
        .directory
        .find_person_by_login(&r.user.login)
        .await?;
    let without_email = me.as_ref().is_some_and(|p| p.profile.emails.is_empty());
    let (mut todos, mut requested, mut held, mut expiring) = (vec![], vec![], vec![], vec![]);
    if let Ok(code) = SchoolCode::parse(&school) {
        todos = todo_rows(&r.state, &r.user, &code).await?;
        todos.retain(|t| t.todo.acknowledged.is_none());
        requested = people(
            &r.state,
            &r.user,
            &school,
            Filter::Present(PersonAttr::AccountRequested),
        )
        .await?
        .iter()
        .map(PersonView::of)
        .collect();
        held = held_rows(&r.state, &school).await?;
        let awaiting = Filter::Compare(
            PersonAttr::AccountState,
            CompareOp::Eq,
            Value::Str(AccountState::AwaitingFirstLogin.as_str().to_owned()),
        );
        expiring = people(&r.state, &r.user, &school, awaiting)
            .await?
            .iter()
            .filter_map(|p| Some((PersonView::of(p), p.initial_password_expires?)))
            .filter(|(_, at)| *at <= now + EXPIRING_WITHIN)
            .collect();
        expiring.sort_by_key(|(_, at)| *at);
    }
    let unreachable = if r.user.is_system_administrator() {
        Some(unreachable_schools(&r.state, &options).await?)
    } else {
        None
    };
    let portal_account = format!("{}/portal/email", r.state.public_base_url);
    let body = page(&StartPage {
        lang: r.ctx.lang,
        now,
        schools: &options,
        school: &school,
        without_email,
        portal_account: &portal_account,
        todos: &todos,
        requested: &requested,
        held: &held,
        expiring: &expiring,
        unreachable: unreachable.as_deref(),
    });
    Ok(frame(&r.ctx, r.ctx.t(&TITLE), body))
}

/// The school's people matching `filter` too (through the person's scope).
async fn people(
    state: &PanelState,
    user: &PanelUser,
    school: &str,
    filter: Filter<PersonAttr>,
) -> Result<Vec<PersonEntry>, WebError> {
    Ok(state
        .staff
        .matching(&user.scope, school, filter, SEARCH_LIMIT)
        .await?)
}

async fn held_rows(state: &PanelState, school: &str) -> Result<Vec<HeldRow>, WebError> {
    let held = state.provisioning.held_operations().await?;
    Ok(held
        .into_iter()
        .filter(|h| h.school == school)
        .map(|h| HeldRow {
            delete: h.operation() == "delete",
            person_id: h.target_id,
            login: h.login,
            since: h.held_at,
        })
        .collect())
}

/// The schools whose local administrators include nobody active with an email address.
async fn unreachable_schools(
    state: &PanelState,
    options: &[SchoolOption],
) -> Result<Vec<SchoolOption>, WebError> {
    let mut out = Vec::new();
    for o in options {
        let Ok(code) = SchoolCode::parse(&o.code) else {
            continue;
        };
        let admins = state.directory.local_administrators(&code).await?;
        let reachable = admins.iter().any(|a| {
            a.account_state == AccountState::Active
                && a.profile.employment_active
                && !a.profile.emails.is_empty()
        });
        if !reachable {
            out.push(o.clone());
        }
    }
    Ok(out)
}

/// The page's body (pure, for unit tests).
pub fn page(p: &StartPage<'_>) -> Markup {
    let l = p.lang;
    let s = enc(p.school);
    html! {
        @if p.without_email {
            div.notice role="status" {
                p { (l.t(&NO_EMAIL)) " " a href=(p.portal_account) { (l.t(&NO_EMAIL_LINK)) } }
            }
        }
        p { (l.t(&INTRO)) }
        @if p.schools.len() > 1 {
            form.search method="get" action="/panel" {
                div.field {
                    label for="szkola" { (l.t(&texts::SCHOOL)) }
                    select #szkola name="szkola" {
                        @for o in p.schools {
                            option value=(o.code) selected[o.code == p.school] { (o.name) " (" (o.code) ")" }
                        }
                    }
                }
                button type="submit" { (l.t(&SHOW)) }
            }
        } @else {
            @for o in p.schools {
                p.school-name { (l.t(&texts::SCHOOL)) ": " strong { (o.name) } " (" (o.code) ")" }
            }
        }
        p { a href=(format!("/panel/pracownicy?szkola={s}")) { (l.t(&STAFF_LINK)) } }

        section aria-labelledby=(NEW_ACCOUNTS.id) {
            (heading(l, &NEW_ACCOUNTS, p.todos.len()))
            @if !p.todos.is_empty() {
                ul {
                    @for t in p.todos.iter().take(SECTION_ROWS) {
                        li {
                            a href=(format!("/panel/nowe-konta?szkola={s}")) { (t.todo.name) }
                            " (" @if let Some(n) = &t.employee_number { (n) ", " } (t.todo.login) "), "
                            (date_time(l, t.todo.activated_at))
                        }
                    }
                }
            }
            p { a href=(format!("/panel/nowe-konta?szkola={s}")) { (l.t(&ALL_NEW_ACCOUNTS)) } }
        }

        section aria-labelledby=(REQUESTED.id) {
            (heading(l, &REQUESTED, p.requested.len()))
            @if !p.requested.is_empty() {
                ul {
                    @for r in p.requested.iter().take(SECTION_ROWS) {
                        li { a href=(r.href("utworz-konto")) { (l.t(&texts::CREATE_ACCOUNT)) ": " (r.distinguishing()) } }
                    }
                }
                p { a href=(format!("{HAND_OVER_PATH}?szkola={s}")) { (l.t(&texts::HAND_OVER_LINK)) } }
            }
        }

        section aria-labelledby=(HELD.id) {
            (heading(l, &HELD, p.held.len()))
            @if !p.held.is_empty() {
                p { (l.t(&HELD_INTRO)) @if p.unreachable.is_some() { " " (l.t(&HELD_SYSTEM)) } }
                ul {
                    @for h in p.held.iter().take(SECTION_ROWS) {
                        li {
                            a href=(format!("/panel/pracownicy/{}/historia", h.person_id)) { (h.login) }
                            ": " (l.t(if h.delete { &HELD_DELETE } else { &HELD_DEACTIVATE }))
                            ", " (l.t(&HELD_SINCE)) " " (date_time(l, h.since))
                        }
                    }
                }
            }
        }

        section aria-labelledby=(EXPIRING.id) {
            (heading(l, &EXPIRING, p.expiring.len()))
            @if !p.expiring.is_empty() {
                ul {
                    @for (r, at) in p.expiring.iter().take(SECTION_ROWS) {
                        li {
                            a href=(r.href("nowe-haslo")) { (l.t(&texts::REISSUE)) ": " (r.distinguishing()) }
                            " — "
                            @if *at <= p.now { strong { (l.t(&EXPIRED)) } } @else { (l.t(&EXPIRES)) " " (date_time(l, *at)) }
                        }
                    }
                }
            }
        }

        @if let Some(schools) = p.unreachable {
            @if !schools.is_empty() {
                section aria-labelledby="bez-powiadomien" {
                    h2 #bez-powiadomien { (l.t(&UNREACHABLE)) " (" (schools.len()) ")" }
                    p { (l.t(&UNREACHABLE_INTRO)) }
                    ul {
                        @for o in schools.iter() {
                            li { a href=(format!("/panel?szkola={}", enc(&o.code))) { (o.name) " (" (o.code) ")" } }
                        }
                    }
                }
            }
        }
    }
}

/// A list's heading, with how many items it has; when it has none, its text saying so.
fn heading(l: Lang, s: &Section, count: usize) -> Markup {
    html! {
        h2 id=(s.id) { (l.t(&s.title)) " (" (count) ")" }
        @if count == 0 {
            p { (l.t(&s.none)) }
        }
    }
}

#[cfg(test)]
#[path = "start_tests.rs"]
mod tests;
