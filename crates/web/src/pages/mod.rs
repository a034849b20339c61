//! HTML pages (French, DSFR). Being written: see the web-shell work.

use crate::AppState;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
}
