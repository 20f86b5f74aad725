//! The pages about one person reached from the staff list's row menu: the confirm pages of
//! "Create account" and "Issue a new one-time password", the answer when the account's state
//! changed meanwhile, the page after a lock or unlock, and the person's history.

use super::texts;
use super::views::{column_heads, date_time, opt, outcome, rfc3339, PersonView};
use crate::domain::audit::AuditRecord;
use crate::domain::AccountState;
use crate::web::i18n::{Lang, Msg};
use maud::{html, Markup};

/// The person's identifying data, for the confirm pages and the slip.
fn person_facts(l: Lang, r: &PersonView) -> Markup {
    html! {
        dl.facts {
            dt { (l.t(&texts::COL_NAME)) } dd { (r.name) }
            dt { (l.t(&texts::COL_EMPLOYEE_NUMBER)) } dd { (opt(l, r.employee_number.as_deref())) }
            dt { (l.t(&texts::COL_POSITION)) } dd { (opt(l, r.position.as_deref())) }
            dt { (l.t(&texts::COL_SCHOOLS)) } dd { (r.schools.join(", ")) }
            dt { (l.t(&texts::COL_ACCOUNT)) } dd { (l.t(&texts::account_state(r.state))) }
        }
    }
}

/// Which confirm page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    CreateAccount,
    Reissue,
}

/// The title of a confirm page.
pub fn confirm_title(l: Lang, what: Confirm, r: &PersonView) -> String {
    let title = match what {
        Confirm::CreateAccount => &texts::CREATE_ACCOUNT,
        Confirm::Reissue => &texts::REISSUE,
    };
    format!("{}: {}", l.t(title), r.name)
}

/// "Create account" or "Issue a new one-time password": what will happen, the person, one
/// POST button. The page's title is [`confirm_title`].
pub fn confirm(l: Lang, what: Confirm, r: &PersonView, csrf: &Markup, back: &str) -> Markup {
    let (title, intro, path) = match what {
        Confirm::CreateAccount => (&texts::CREATE_ACCOUNT, &texts::CREATE_INTRO, "utworz-konto"),
        Confirm::Reissue => (&texts::REISSUE, &texts::REISSUE_INTRO, "nowe-haslo"),
    };
    html! {
        p { (l.t(&texts::CHECK_PERSON)) }
        (person_facts(l, r))
        p { (l.t(intro)) }
        form.confirm method="post" action=(r.href(path)) {
            (csrf)
            button type="submit" { (l.t(title)) }
            " "
            a href=(back) { (l.t(&texts::CANCEL)) }
        }
    }
}

/// The account's state no longer allows `what` (a form sent twice, a stale tab): the state
/// now, and the way forward (a new one-time password while the first sign-in is awaited).
pub fn state_changed(l: Lang, what: Confirm, r: &PersonView, back: &str) -> Markup {
    let text = match (what, r.state) {
        (Confirm::CreateAccount, AccountState::AwaitingFirstLogin) => &texts::ALREADY_CREATED,
        (Confirm::Reissue, AccountState::None) => &texts::NO_ACCOUNT_YET,
        _ => &texts::STATE_NOW,
    };
    html! {
        div.notice role="status" { p { (l.t(text)) } }
        (person_facts(l, r))
        ul {
            @if r.state == AccountState::AwaitingFirstLogin {
                li { a href=(r.href("nowe-haslo")) { (l.t(&texts::REISSUE)) } }
            }
            @if r.state == AccountState::None {
                li { a href=(r.href("utworz-konto")) { (l.t(&texts::CREATE_ACCOUNT)) } }
            }
            li { a href=(r.href("historia")) { (l.t(&texts::HISTORY)) } }
            li { a href=(back) { (l.t(&texts::BACK_TO_STAFF)) } }
        }
    }
}

/// The title of a page about a person: "History: Łukasz Nowak".
pub fn person_title(l: Lang, what: &Msg, r: &PersonView) -> String {
    format!("{}: {}", l.t(what), r.name)
}

/// After a lock or an unlock (title: `person_title(LOCK_TITLE)`).
pub fn done(l: Lang, r: &PersonView, message: &Msg, back: &str) -> Markup {
    html! {
        p role="status" { (l.t(message)) }
        (person_facts(l, r))
        p { a href=(back) { (l.t(&texts::BACK_TO_STAFF)) } }
    }
}

/// The audit records about a person, newest first (as given); title:
/// `person_title(HISTORY_TITLE)`.
pub fn history(l: Lang, r: &PersonView, records: &[AuditRecord], back: &str) -> Markup {
    html! {
        (person_facts(l, r))
        p { (l.t(&texts::HISTORY_INTRO)) }
        @if records.is_empty() {
            p { (l.t(&texts::HISTORY_EMPTY)) }
        } @else {
            table.history {
                caption.visually-hidden { (l.t(&texts::HISTORY_TITLE)) ": " (r.name) }
                (column_heads(l, &[&texts::COL_TIME, &texts::COL_WHO, &texts::COL_WHAT, &texts::COL_OUTCOME]))
                tbody {
                    @for rec in records {
                        tr {
                            td { time datetime=(rfc3339(rec.time)) { (date_time(l, rec.time)) } }
                            td { (texts::actor(l, &rec.record.actor)) }
                            td { (texts::action(l, &rec.record.action)) }
                            td { (outcome(l, &rec.record.outcome)) }
                        }
                    }
                }
            }
        }
        p { a href=(back) { (l.t(&texts::BACK_TO_STAFF)) } }
    }
}
