//! `POST /.search` at the service root (RFC 7644 §3.4.3): one search over Users and Groups.
//!
//! The filter is applied to each resource type it can be read for (a filter naming only User
//! attributes finds no Groups, and the other way round); when it fits neither, the Users error
//! is returned. Results are the matching Users, then the matching Groups, each in its own
//! stable order (by id, or `sortBy` within each type); `startIndex`/`count` page over that
//! concatenation and `totalResults` counts both.

use super::body::ScimJson;
use super::convert::{group_view, user_view};
use super::users::order;
use super::{Client, ScimState};
use crate::ports::{GroupSearch, PersonSearch};
use crate::scim::attrs::{GROUP_ATTRS, GROUP_SCHEMAS};
use crate::scim::discovery::Discovery;
use crate::scim::filter::{group_sort_attr, parse_group_filter, parse_user_filter, user_sort_attr};
use crate::scim::list::{ListQuery, ListResponse};
use crate::scim::render::Projection;
use crate::scim::ScimError;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

pub async fn search(
    State(state): State<ScimState>,
    client: Client,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let q = ListQuery::from_search_body(&body, Discovery::get().max_results())?;
    let text = q.filter.as_deref().filter(|f| !f.trim().is_empty());
    let (user_filter, group_filter) = match text {
        None => (Some(None), Some(None)),
        Some(t) => match (parse_user_filter(t), parse_group_filter(t)) {
            (Err(e), Err(_)) => return Err(e),
            (u, g) => (u.ok().map(Some), g.ok().map(Some)),
        },
    };
    let sort_by = q.sort_by.as_deref().filter(|s| !s.trim().is_empty());
    let user_projection =
        Projection::for_users(q.attributes.as_deref(), q.excluded_attributes.as_deref())?;
    let group_projection = Projection::parse(
        &GROUP_ATTRS,
        &GROUP_SCHEMAS,
        q.attributes.as_deref(),
        q.excluded_attributes.as_deref(),
    )?;

    let mut resources = Vec::new();
    let mut users_total = 0;
    if let Some(filter) = user_filter {
        let sort = sort_by
            .and_then(|s| user_sort_attr(s).ok())
            .map(|a| (a, order(&q)));
        let page = state
            .directory
            .search_people(&PersonSearch {
                filter,
                scope: client.who.scope.clone(),
                sort,
                start_index: q.start_index,
                count: q.count,
            })
            .await?;
        users_total = page.total;
        resources.extend(
            page.items
                .iter()
                .map(|e| user_projection.apply(user_view(e).render(&state.base_url))),
        );
    }
    let mut groups_total = 0;
    if let Some(filter) = group_filter {
        // Where the page starts among the groups, and how many of them still fit.
        let start = q.start_index.saturating_sub(users_total).max(1);
        let room = q.count.saturating_sub(resources.len());
        let sort = sort_by
            .and_then(|s| group_sort_attr(s).ok())
            .map(|a| (a, order(&q)));
        let page = state
            .directory
            .search_groups(&GroupSearch {
                filter,
                scope: client.who.scope.clone(),
                sort,
                start_index: start,
                count: room,
            })
            .await?;
        groups_total = page.total;
        resources.extend(
            page.items
                .iter()
                .map(|g| group_projection.apply(group_view(g).render(&state.base_url))),
        );
    }
    let total = users_total + groups_total;
    Ok(Json(ListResponse::new(resources, total, q.start_index)).into_response())
}
