//! The F-04 pages' HTML (maud): the room list with its notices and add form (what was typed
//! given back after a refusal), the removal's question, one version to print (Polish: the
//! school's document).

use super::records_views::back;
use super::texts;
use super::views::{column_heads, enc};
use crate::domain::calendar::date_pl;
use crate::domain::forms::RoomsVersion;
use crate::forms::document::{self, PeopleNames, F04_COLUMNS};
use crate::web::i18n::Lang;
use maud::{html, Markup};

/// What the F-04 page says above the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomsNotice {
    Added,
    Removed,
    /// The list changed in another tab or by another administrator: nothing was changed.
    ChangedMeanwhile,
    /// A field was empty or too long.
    Invalid,
}

/// What was typed into the add form (given back after a refusal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypedRoom {
    pub room: String,
    pub building: String,
    pub purpose: String,
}

pub struct RoomsPage<'a> {
    pub lang: Lang,
    pub school: &'a str,
    pub name: &'a str,
    pub versions: &'a [RoomsVersion],
    pub csrf: &'a Markup,
    pub notice: Option<RoomsNotice>,
    pub typed: Option<&'a TypedRoom>,
    pub names: &'a PeopleNames,
}

pub fn rooms(p: &RoomsPage<'_>) -> Markup {
    let (l, school, name, versions) = (p.lang, p.school, p.name, p.versions);
    let latest = versions.last();
    let version = latest.map_or(0, |v| v.version);
    let typed = p.typed.cloned().unwrap_or_default();
    html! {
        @match p.notice {
            Some(RoomsNotice::Added) => p.notice role="status" { (l.t(&texts::F04_ADDED)) },
            Some(RoomsNotice::Removed) => p.notice role="status" { (l.t(&texts::F04_REMOVED)) },
            Some(RoomsNotice::ChangedMeanwhile) => p.error role="alert" { (l.t(&texts::F04_CHANGED_MEANWHILE)) },
            Some(RoomsNotice::Invalid) => p.error role="alert" { (l.t(&texts::F04_INVALID)) },
            None => {},
        }
        p { (l.t(&texts::SCHOOL)) ": " strong { (name) } " (" (school) ")" }
        @match latest {
            None => p { (l.t(&texts::F04_EMPTY)) },
            Some(v) => {
                p { (document::f04_version_line(v, p.names)) " · "
                    a href=(format!("/panel/pomieszczenia/druk?szkola={}", enc(school))) { (l.t(&texts::PRINT)) } }
                table {
                    caption.visually-hidden { (l.t(&texts::F04_TITLE)) }
                    (column_heads(l, &[&texts::COL_ROW_NO, &texts::COL_ROOM, &texts::COL_BUILDING, &texts::COL_PURPOSE, &texts::COL_ACTIONS]))
                    tbody {
                        @for (i, r) in v.rooms.iter().enumerate() {
                            tr {
                                td { (i + 1) }
                                td { (r.room) }
                                td { (r.building) }
                                td { (r.purpose) }
                                td {
                                    a href=(format!("/panel/pomieszczenia/usun?szkola={}&wersja={version}&lp={}", enc(school), i + 1)) {
                                        (l.t(&texts::F04_REMOVE)) span.visually-hidden { ": " (r.room) }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        }
        h2 { (l.t(&texts::F04_ADD)) }
        form method="post" action="/panel/pomieszczenia/dodaj" {
            (p.csrf)
            input type="hidden" name="szkola" value=(school);
            input type="hidden" name="wersja" value=(version);
            div.field { label for="pomieszczenie" { (l.t(&texts::COL_ROOM)) } input #pomieszczenie type="text" name="pomieszczenie" value=(typed.room) required maxlength="200"; }
            div.field { label for="budynek" { (l.t(&texts::COL_BUILDING)) } input #budynek type="text" name="budynek" value=(typed.building) required maxlength="200"; }
            div.field { label for="przeznaczenie" { (l.t(&texts::COL_PURPOSE)) } input #przeznaczenie type="text" name="przeznaczenie" value=(typed.purpose) required maxlength="200"; }
            button type="submit" { (l.t(&texts::F04_ADD)) }
        }
        @if !versions.is_empty() {
            h2 { (l.t(&texts::F04_VERSIONS)) }
            ul {
                @for v in versions.iter().rev() {
                    li { a href=(format!("/panel/pomieszczenia/druk?szkola={}&wersja={}", enc(school), v.version)) { (document::f04_version_line(v, p.names)) } }
                }
            }
        }
        (back(l, school))
    }
}

/// "Remove this room?": the room, one POST button, and the way back.
pub fn remove_room_confirm(
    l: Lang,
    school: &str,
    version: u32,
    lp: usize,
    room: &crate::domain::forms::Room,
    csrf: &Markup,
) -> Markup {
    html! {
        p { (l.t(&texts::F04_REMOVE_INTRO)) }
        dl.facts {
            dt { (l.t(&texts::COL_ROOM)) } dd { (room.room) }
            dt { (l.t(&texts::COL_BUILDING)) } dd { (room.building) }
            dt { (l.t(&texts::COL_PURPOSE)) } dd { (room.purpose) }
        }
        form.confirm method="post" action="/panel/pomieszczenia/usun" {
            (csrf)
            input type="hidden" name="szkola" value=(school);
            input type="hidden" name="wersja" value=(version);
            input type="hidden" name="lp" value=(lp);
            button.danger type="submit" { (l.t(&texts::F04_REMOVE_CONFIRM)) }
            " "
            a href=(format!("/panel/pomieszczenia?szkola={}", enc(school))) { (l.t(&texts::F04_KEEP)) }
        }
    }
}

pub fn rooms_print(
    l: Lang,
    school: &str,
    name: &str,
    v: &RoomsVersion,
    names: &PeopleNames,
) -> Markup {
    html! {
        article.form-doc lang="pl" {
            p.form-id { "F-04" }
            h2 { "WYKAZ POMIESZCZEŃ TWORZĄCYCH OBSZAR PRZETWARZANIA DANYCH OSOBOWYCH" }
            p { "Placówka: " (name) " (" (school) ")" }
            p { (document::f04_version_line(v, names)) }
            table.register {
                thead { tr { @for c in F04_COLUMNS { th scope="col" { (c) } } } }
                tbody {
                    @for (i, r) in v.rooms.iter().enumerate() {
                        tr { td { (i + 1) } td { (r.room) } td { (r.building) } td { (r.purpose) } }
                    }
                }
            }
            p { "Stan na dzień " (date_pl(v.changed_at)) "." }
        }
        (back(l, school))
    }
}
