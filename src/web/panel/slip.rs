//! The hand-over slip ("Karta przekazania konta ZSZO"): shown once, printable. It names
//! the person and the school, gives the login (breakable only at its dots), the one-time
//! password, the portal's address, the expiry and the employee's steps, and has the lines
//! for the receipt's signatures. Pure: the handlers (`super::pages`) frame it.

use super::texts;
use super::views::{date_time, PersonView};
use crate::web::i18n::Lang;
use maud::{html, Markup};
use time::OffsetDateTime;

/// What the slip prints. The password is borrowed only while the page renders.
pub struct Slip<'a> {
    pub lang: Lang,
    pub person: &'a PersonView,
    /// The name of the school that hands the account over (with its code).
    pub school: &'a str,
    pub login: &'a str,
    pub password: &'a str,
    pub portal_url: &'a str,
    pub expires_at: OffsetDateTime,
    pub issued_at: OffsetDateTime,
    pub issued_by: &'a str,
    pub back: &'a str,
}

/// The hand-over slip (shown once, printable: `.no-print` parts are hidden on paper). The
/// page's title is `texts::SLIP_TITLE`.
pub fn slip(s: &Slip<'_>) -> Markup {
    let l = s.lang;
    html! {
        div.notice.no-print role="alert" { p { strong { (l.t(&texts::SLIP_SHOWN_ONCE)) } } }
        article.slip aria-label=(l.t(&texts::SLIP_TITLE)) {
            dl.slip-data {
                dt { (l.t(&texts::SLIP_FOR)) }
                dd { (s.person.name)
                    @if let Some(n) = &s.person.employee_number { " (" (l.t(&texts::COL_EMPLOYEE_NUMBER)) " " (n) ")" } }
                dt { (l.t(&texts::SCHOOL)) }
                dd { (s.school) }
                dt { (l.t(&texts::SLIP_LOGIN)) }
                dd { code.secret #login { (breakable_at_dots(s.login)) } }
                dt { (l.t(&texts::SLIP_PASSWORD)) }
                dd {
                    code.secret #haslo { (s.password) }
                    br; small { (l.t(&texts::SLIP_PASSWORD_NOTE)) }
                }
                dt { (l.t(&texts::SLIP_PORTAL)) }
                dd { code { (s.portal_url) } }
                dt { (l.t(&texts::SLIP_EXPIRES)) }
                dd { strong { (date_time(l, s.expires_at)) } }
            }
            h2 { (l.t(&texts::SLIP_STEPS)) }
            ol.steps {
                li { (l.t(&texts::SLIP_STEP_OPEN)) }
                li { (l.t(&texts::SLIP_STEP_SIGN_IN)) }
                li { (l.t(&texts::SLIP_STEP_NEW_PASSWORD)) }
                li { (l.t(&texts::SLIP_STEP_EMAIL)) }
                li { (l.t(&texts::SLIP_STEP_EXPIRY)) }
                li { (l.t(&texts::SLIP_STEP_DESTROY)) }
            }
            p.issued {
                (l.t(&texts::SLIP_ISSUED_AT)) ": " (date_time(l, s.issued_at)) ". "
                (l.t(&texts::SLIP_ISSUED_BY)) ": " (s.issued_by) "."
            }
            p.receipt { (l.t(&texts::SLIP_RECEIPT)) }
            div.signatures {
                p { (l.t(&texts::SLIP_SIGNATURE_EMPLOYEE)) }
                p { (l.t(&texts::SLIP_SIGNATURE_ADMIN)) }
            }
        }
        p.no-print { a href=(s.back) { (l.t(&texts::SLIP_DONE)) } }
    }
}

/// A login that may wrap only after its dots (`<wbr>`), never inside a word: a long login
/// on a narrow slip reads "grzegorz.<br>brzeczyszczykiewicz", not "…kiew / icz".
fn breakable_at_dots(login: &str) -> Markup {
    html! {
        @for (i, part) in login.split('.').enumerate() {
            @if i > 0 { "." wbr; }
            (part)
        }
    }
}
