//! The panel's pages (W3 owns this folder): staff search, account actions, history.
//!
//! | route (under `/panel`) | what |
//! |---|---|
//! | `GET /` | redirect to the staff search |
//! | `GET /pracownicy?szkola=&q=&strona=` | staff of a school, searched by name (folded), 20 a page |
//! | `GET`/`POST /pracownicy/{id}/utworz-konto` | confirm, then create the account → the slip |
//! | `GET`/`POST /pracownicy/{id}/nowe-haslo` | confirm, then a new one-time password → the slip |
//! | `POST /pracownicy/{id}/zablokuj`, `/odblokuj` | lock, unlock |
//! | `GET /do-wydania?szkola=` | "to hand over": people whose account HR asked for (SCIM `accountRequested`), each with "create account" |
//! | `GET /pracownicy/{id}/historia` | the audit records about the person, newest first |
//! | `GET /assets/pracownicy.css` | these pages' stylesheet |

pub mod pages;
pub mod texts;
pub mod views;

use crate::app::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The panel pages' routes, merged into `web::panel_router` (paths relative to `/panel`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/pracownicy", get(pages::staff))
        .route("/do-wydania", get(pages::hand_over))
        .route(
            "/pracownicy/{id}/utworz-konto",
            get(pages::create_form).post(pages::create),
        )
        .route(
            "/pracownicy/{id}/nowe-haslo",
            get(pages::reissue_form).post(pages::reissue),
        )
        .route("/pracownicy/{id}/zablokuj", post(pages::lock))
        .route("/pracownicy/{id}/odblokuj", post(pages::unlock))
        .route("/pracownicy/{id}/historia", get(pages::history))
        .route("/assets/pracownicy.css", get(pages::stylesheet))
}
