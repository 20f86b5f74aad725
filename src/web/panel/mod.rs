//! The panel's pages (W3 owns this folder): staff search, account actions, history.

use crate::app::AppState;
use axum::Router;

/// The panel pages' routes, merged into `web::panel_router` (paths relative to `/panel`).
pub fn routes() -> Router<AppState> {
    Router::new()
}
