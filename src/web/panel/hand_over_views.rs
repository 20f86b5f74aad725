//! The "to hand over" page: the accounts requested and not issued yet, with who asked and
//! when. Its own file because it is its own page with its own row type; the staff search and
//! the person pages are in `views.rs` and `person_views.rs`.

use super::texts;
use super::views::{column_heads, date_time, enc, opt, rfc3339, PersonView, SchoolOption};
use crate::domain::audit::Actor;
use crate::web::i18n::Lang;
use maud::{html, Markup};
use time::OffsetDateTime;

/// The "to hand over" list: `/panel/do-wydania?szkola=<code>`.
pub const HAND_OVER_PATH: &str = "/panel/do-wydania";

/// A person whose account was requested (SCIM `accountRequested`) and not issued yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOverRow {
    pub person: PersonView,
    /// The requester's actor as stored (`scim:<client>`, `person:<login>` …).
    pub by: String,
    pub at: OffsetDateTime,
}

/// The "to hand over" page (title `texts::HAND_OVER_TITLE`): the school picker, then the
/// pending requests, oldest first, each with "Create account" (the confirm page, then the
/// slip).
pub fn hand_over(
    l: Lang,
    schools: &[SchoolOption],
    school: &str,
    total: usize,
    rows: &[HandOverRow],
) -> Markup {
    html! {
        p { (l.t(&texts::HAND_OVER_INTRO)) }
        form.search method="get" action=(HAND_OVER_PATH) {
            @if schools.len() > 1 {
                div.field {
                    label for="szkola" { (l.t(&texts::SCHOOL)) }
                    select #szkola name="szkola" {
                        @for s in schools {
                            option value=(s.code) selected[s.code == school] {
                                (s.name) " (" (s.code) ")"
                            }
                        }
                    }
                }
                button type="submit" { (l.t(&texts::SHOW)) }
            } @else {
                @for s in schools {
                    p.school-name { (l.t(&texts::SCHOOL)) ": " strong { (s.name) } " (" (s.code) ")" }
                }
            }
        }
        section aria-labelledby="do-wydania" {
            h2 #do-wydania { (l.t(&texts::HAND_OVER_TITLE)) }
            @if rows.is_empty() {
                p role="status" { (l.t(&texts::HAND_OVER_EMPTY)) }
            } @else {
                p role="status" { (l.t(&texts::FOUND)) ": " (total) }
                table.staff.hand-over {
                    caption.visually-hidden { (l.t(&texts::HAND_OVER_TITLE)) }
                    (column_heads(l, &[&texts::COL_NAME, &texts::COL_EMPLOYEE_NUMBER, &texts::COL_POSITION, &texts::COL_SCHOOLS, &texts::COL_REQUESTED_BY, &texts::COL_REQUESTED_AT, &texts::COL_ACTIONS]))
                    tbody {
                        @for r in rows {
                            tr {
                                th scope="row" { (r.person.name) }
                                td { (opt(l, r.person.employee_number.as_deref())) }
                                td { (opt(l, r.person.position.as_deref())) }
                                td { (r.person.schools.join(", ")) }
                                td { (requester(l, &r.by)) }
                                td { time datetime=(rfc3339(r.at)) { (date_time(l, r.at)) } }
                                td {
                                    a.button href=(r.person.href("utworz-konto")) {
                                        (l.t(&texts::CREATE_ACCOUNT))
                                        span.visually-hidden { ": " (r.person.distinguishing()) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href=(format!("/panel/pracownicy?szkola={}", enc(school))) { (l.t(&texts::BACK_TO_STAFF)) } }
    }
}

/// Who asked for an account, in words: a SCIM client by name, an administrator by login.
fn requester(l: Lang, by: &str) -> String {
    match by.split_once(':') {
        Some(("scim", name)) => texts::actor(l, &Actor::ScimClient(name.to_owned())),
        Some(("person", login)) => texts::actor(l, &Actor::Person(login.to_owned())),
        _ => by.to_owned(),
    }
}
