//! `GET /mon-espace`: for each role the person holds, the first items of each list
//! that waits for them; `GET /mon-espace/liste?role=&liste=&page=`: one whole list,
//! 20 a page, only for a role the person holds (403 otherwise).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use cohesion_app::AppError;
use cohesion_app::space::{self, Section, notification};
use serde::Deserialize;

use super::{ItemView, count, item_view, role_key, role_of, text};
use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, Pagination, encode};
use crate::pages::profile::role_label;
use crate::pages::visitor::Who;

/// Items of each list shown on the space itself.
const PER_LIST: usize = 5;
/// Items of a whole list per page.
const PER_PAGE: usize = 20;

pub struct ListView {
    pub heading: &'static str,
    pub count: String,
    pub items: Vec<ItemView>,
    /// The whole list, when it holds more than shown.
    pub more: Option<String>,
}

pub struct GroupView {
    pub role: String,
    pub lists: Vec<ListView>,
}

#[derive(Template)]
#[template(path = "space.html")]
struct SpacePage {
    layout: Layout,
    name: String,
    unread: u64,
    /// The missions the person is invited onto (whatever their roles).
    invitations: Option<ListView>,
    groups: Vec<GroupView>,
}

/// `GET /mon-espace`.
pub async fn space(State(state): State<AppState>, who: Who) -> Result<Response, PageError> {
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let fail = |e: AppError| PageError::internal(&who.config, e);
    let found = space::overview(&state, &me.principal, PER_LIST).await.map_err(fail)?;
    let mut groups = Vec::new();
    for g in &found.groups {
        let key = role_key(&g.role);
        let lists = g
            .lists
            .iter()
            .filter(|l| l.total > 0)
            .map(|l| {
                let shown = u64::try_from(l.items.len()).unwrap_or(u64::MAX);
                ListView {
                    heading: text(l.section).heading,
                    count: count(l.section, l.total),
                    items: l.items.iter().map(|i| item_view(&state, Some(&g.role), l.section, i)).collect(),
                    more: (l.total > shown)
                        .then(|| format!("/mon-espace/liste?role={}&liste={}", encode(&key), l.section.as_str())),
                }
            })
            .collect();
        groups.push(GroupView { role: role_label(&state, &g.role).await, lists });
    }
    let l = &found.invitations;
    let invitations = (l.total > 0).then(|| ListView {
        heading: text(l.section).heading,
        count: count(l.section, l.total),
        items: l.items.iter().map(|i| item_view(&state, None, l.section, i)).collect(),
        more: None,
    });
    let page = SpacePage {
        layout: Layout::new(&who.config, "Mon espace", Nav::None),
        name: me.person.display_name(),
        invitations,
        unread: notification::unread(&state, me.person.id).await.map_err(fail)?,
        groups,
    };
    Ok(render(&who.config, &page)?.into_response())
}

#[derive(Deserialize)]
pub struct ListParams {
    role: Option<String>,
    liste: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "space_list.html")]
struct ListPage {
    layout: Layout,
    role: String,
    list: ListView,
    pagination: Option<Pagination>,
}

/// `GET /mon-espace/liste?role=&liste=&page=`.
pub async fn list(State(state): State<AppState>, who: Who, Query(q): Query<ListParams>) -> Result<Response, PageError> {
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let Some(section) = q.liste.as_deref().and_then(Section::parse) else {
        return Err(PageError::not_found(&who.config));
    };
    let Some(role) = q.role.as_deref().and_then(|k| role_of(&me.principal.roles, k)).cloned() else {
        // A role the person does not hold: the list is not theirs.
        return Err(PageError::forbidden(&who.config));
    };
    let page = q.page.as_deref().and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let offset = (page - 1).saturating_mul(PER_PAGE);
    let found = match space::list(&state, &me.principal, &role, section, offset, PER_PAGE).await {
        Ok(l) => l,
        Err(AppError::Forbidden(_)) => return Err(PageError::forbidden(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let key = role_key(&role);
    let total = usize::try_from(found.total).unwrap_or(usize::MAX);
    let href = |n: usize| format!("/mon-espace/liste?role={}&liste={}&page={n}", encode(&key), section.as_str());
    let heading = text(section).heading;
    let view = ListPage {
        layout: Layout::new(&who.config, heading, Nav::None).crumb("Mon espace", "/mon-espace"),
        role: role_label(&state, &role).await,
        list: ListView {
            heading,
            count: count(section, found.total),
            items: found.items.iter().map(|i| item_view(&state, Some(&role), section, i)).collect(),
            more: None,
        },
        pagination: Pagination::new(total, PER_PAGE, page, href),
    };
    Ok(render(&who.config, &view)?.into_response())
}
