//! The F-02 and F-03 pages' HTML (maud): the school's authorizations (F-02) with each one's
//! print view, and the register of authorized people (F-03). The documents themselves are
//! Polish (the school's forms), the page around them in the reader's language.

use super::records_views::back;
use super::texts;
use super::views::{column_heads, enc};
use crate::domain::calendar::iso_date;
use crate::domain::forms::RegisterRow;
use crate::forms::document::{self, PeopleNames, F02, F03_COLUMNS};
use crate::web::i18n::msg::LOGIN;
use crate::web::i18n::Lang;
use maud::{html, Markup};

pub fn authorizations(l: Lang, school: &str, name: &str, rows: &[RegisterRow]) -> Markup {
    let s = enc(school);
    html! {
        p { (l.t(&texts::SCHOOL)) ": " strong { (name) } " (" (school) ")" }
        @if rows.is_empty() {
            p { (l.t(&texts::NO_AUTHORIZATIONS)) }
        } @else {
            table {
                caption.visually-hidden { (l.t(&texts::F02_TITLE)) }
                (column_heads(l, &[&texts::NUMBER, &texts::COL_NAME, &LOGIN, &texts::GRANTED, &texts::REVOKED, &texts::COL_ACTIONS]))
                tbody {
                    @for r in rows {
                        tr {
                            td { (school) "/" (r.grant_no) }
                            td { (r.name) }
                            td { (r.login) }
                            td { (iso_date(r.granted_at)) }
                            td { (r.revoked_at.map(iso_date).unwrap_or_else(|| l.t(&texts::IN_FORCE).to_owned())) }
                            td {
                                a href=(format!("/panel/upowaznienia/{}?szkola={s}", r.grant_no)) { (l.t(&texts::PRINT)) }
                                " · "
                                a href=(format!("/panel/upowaznienia/{}/pdf?szkola={s}", r.grant_no)) { (l.t(&texts::PDF)) }
                            }
                        }
                    }
                }
            }
        }
        (back(l, school))
    }
}

fn fields(list: &[(&'static str, String)]) -> Markup {
    html! {
        dl.form-fields {
            @for (label, value) in list {
                dt { (label) }
                dd { (value) }
            }
        }
    }
}

/// The F-02 print view (Polish: it is the school's document).
pub fn f02(l: Lang, school: &str, no: u64, doc: &F02) -> Markup {
    html! {
        p.no-print {
            a href=(format!("/panel/upowaznienia/{no}/pdf?szkola={}", enc(school))) { (l.t(&texts::PDF)) }
            " · "
            a href=(format!("/panel/upowaznienia?szkola={}", enc(school))) { (l.t(&texts::F02_TITLE)) }
        }
        article.form-doc lang="pl" {
            p.form-id { "F-02" }
            p.place-date { (doc.place_date) }
            h2 { (doc.title.to_uppercase()) br; "nr " (doc.number) }
            (fields(&doc.fields))
            div.signatures {
                p { "(podpis osoby nadającej upoważnienie)" }
                p { "(podpis osoby upoważnionej)" }
            }
            @if let Some(rev) = &doc.revocation {
                hr;
                h2 { "ODWOŁANIE UPOWAŻNIENIA" br; "nr " (doc.number) }
                (fields(rev))
                div.signatures { p { "(podpis osoby odwołującej upoważnienie)" } }
            }
        }
    }
}

pub fn register(
    l: Lang,
    school: &str,
    name: &str,
    rows: &[RegisterRow],
    names: &PeopleNames,
) -> Markup {
    html! {
        p.no-print {
            a href=(format!("/panel/ewidencja/csv?szkola={}", enc(school))) { (l.t(&texts::CSV)) }
        }
        p.no-print { (l.t(&texts::F03_INTRO)) }
        article.form-doc lang="pl" {
            p.form-id { "F-03" }
            h2 { "EWIDENCJA OSÓB UPOWAŻNIONYCH DO PRZETWARZANIA DANYCH OSOBOWYCH" }
            p { "Placówka: " (name) " (" (school) ")" }
            table.register {
                thead { tr { @for c in F03_COLUMNS { th scope="col" { (c) } } } }
                tbody {
                    @for r in rows {
                        tr { @for cell in document::f03_cells(school, r, names) { td { (cell) } } }
                    }
                }
            }
        }
        (back(l, school))
    }
}
