//! `GET /mon-espace/notifications?page=`: the person's own notifications, newest
//! first, 20 a page; the ones shown are marked read (the page still says which
//! were new).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use cohesion_app::space::notification;
use serde::Deserialize;

use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, Pagination};
use crate::pages::visitor::Who;

const PER_PAGE: usize = 20;

pub struct NoticeView {
    pub title: String,
    pub href: String,
    pub summary: String,
    pub actor: String,
    pub at: String,
    pub new: bool,
}

#[derive(Template)]
#[template(path = "space_notifications.html")]
struct NoticesPage {
    layout: Layout,
    total: usize,
    new: usize,
    items: Vec<NoticeView>,
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
pub struct Params {
    page: Option<String>,
}

/// `GET /mon-espace/notifications`.
pub async fn list(State(state): State<AppState>, who: Who, Query(q): Query<Params>) -> Result<Response, PageError> {
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let page = q.page.as_deref().and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let offset = (page - 1).saturating_mul(PER_PAGE);
    let found = notification::open(&state, &me.principal, offset, PER_PAGE)
        .await
        .map_err(|e| PageError::internal(&who.config, e))?;
    let items: Vec<NoticeView> = found
        .items
        .iter()
        .map(|n| NoticeView {
            title: n.title.clone(),
            href: n.href.clone(),
            summary: n.summary.clone(),
            actor: n.actor.clone(),
            at: cohesion_core::paris::day_time(n.at),
            new: !n.read,
        })
        .collect();
    let view = NoticesPage {
        layout: Layout::new(&who.config, "Mes notifications", Nav::None).crumb("Mon espace", "/mon-espace"),
        total: found.total,
        new: items.iter().filter(|i| i.new).count(),
        items,
        pagination: Pagination::new(found.total, PER_PAGE, page, |n| format!("/mon-espace/notifications?page={n}")),
    };
    Ok(render(&who.config, &view)?.into_response())
}
