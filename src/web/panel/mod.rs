//! The panel's pages: staff search, account actions, history, records.
//!
//! | route (under `/panel`) | what |
//! |---|---|
//! | `GET /?szkola=` | the start page: the administrator's work, each item a link (`start.rs`) |
//! | `GET /pracownicy?szkola=&q=&strona=` | staff of a school, searched by name (folded), 20 a page |
//! | `GET`/`POST /pracownicy/{id}/utworz-konto` | confirm, then create the account → the slip (`accounts.rs`, `slip.rs`) |
//! | `GET`/`POST /pracownicy/{id}/nowe-haslo` | confirm, then a new one-time password → the slip; sent again: what happened |
//! | `POST /pracownicy/{id}/zablokuj`, `/odblokuj` | lock, unlock |
//! | `GET /do-wydania?szkola=` | "to hand over": people whose account HR asked for (SCIM `accountRequested`), each with "create account" |
//! | `GET /pracownicy/{id}/historia` | the audit records about the person, newest first |
//! | `GET /rejestry?szkola=` | the records hub: links, open to-dos (a system administrator: per school) |
//! | `GET /historia?szkola=&akcja=&osoba=&wykonawca=&od=&do=&strona=` | the school's history, 50 a page (`history.rs`) |
//! | `GET /historia/eksport?format=csv\|json&…` | every record those filters match |
//! | `GET /nowe-konta?szkola=`, `POST /nowe-konta/{seq}/potwierdz` | step-7 to-dos and their confirmation (`records.rs`) |
//! | `GET /upowaznienia?szkola=`, `/upowaznienia/{nr}`, `/upowaznienia/{nr}/pdf` | F-02: list, print view, PDF |
//! | `GET /ewidencja?szkola=`, `/ewidencja/csv` | F-03: print view, CSV |
//! | `GET /pomieszczenia?szkola=`, `/pomieszczenia/druk?wersja=`, `POST /pomieszczenia/dodaj`, `GET`/`POST /usun` | F-04: list, print, changes (a removal is confirmed first; `rooms.rs`, `rooms_views.rs`) |
//! | `GET /assets/pracownicy.css` | these pages' stylesheet |
//!
//! Texts are in `texts.rs`; the audit records in words (actions, failure reasons, actors) in
//! `audit_words.rs`, shared by the histories and the exports.

pub mod accounts;
pub mod audit_words;
mod hand_over_views;
pub mod history;
pub mod pages;
mod person_views;
pub mod records;
pub mod records_views;
mod register_views;
pub mod request;
pub mod rooms;
pub mod rooms_views;
pub mod slip;
pub mod start;
pub mod texts;
pub mod views;

use super::state::PanelState;
use axum::routing::{get, post};
use axum::Router;

/// The panel pages' routes, merged into `web::panel_router` (paths relative to `/panel`).
pub fn routes() -> Router<PanelState> {
    Router::new()
        .route("/", get(start::start))
        .route("/pracownicy", get(pages::staff))
        .route("/do-wydania", get(pages::hand_over))
        .route(
            "/pracownicy/{id}/utworz-konto",
            get(accounts::create_form).post(accounts::create),
        )
        .route(
            "/pracownicy/{id}/nowe-haslo",
            get(accounts::reissue_form).post(accounts::reissue),
        )
        .route("/pracownicy/{id}/zablokuj", post(pages::lock))
        .route("/pracownicy/{id}/odblokuj", post(pages::unlock))
        .route("/pracownicy/{id}/historia", get(pages::history))
        .route("/assets/pracownicy.css", get(pages::stylesheet))
        .route("/rejestry", get(records::hub))
        .route("/historia", get(history::school_history))
        .route("/historia/eksport", get(history::export))
        .route("/nowe-konta", get(records::todos))
        .route("/nowe-konta/{seq}/potwierdz", post(records::acknowledge))
        .route("/upowaznienia", get(records::authorizations))
        .route("/upowaznienia/{no}", get(records::authorization))
        .route("/upowaznienia/{no}/pdf", get(records::authorization_pdf))
        .route("/ewidencja", get(records::register))
        .route("/ewidencja/csv", get(records::register_csv))
        .route("/pomieszczenia", get(rooms::rooms))
        .route("/pomieszczenia/druk", get(rooms::rooms_print))
        .route("/pomieszczenia/dodaj", post(rooms::add_room))
        .route(
            "/pomieszczenia/usun",
            get(rooms::remove_room_form).post(rooms::remove_room),
        )
}
