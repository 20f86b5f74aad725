//! `POST /.search` at the service root (RFC 7644 §3.4.3): one search over Users and Groups.
//!
//! The filter is applied to each resource type it can be read for (a filter naming only User
//! attributes finds no Groups, and the other way round); when it fits neither, the Users error
//! is returned. Results are the matching Users, then the matching Groups, each in its own
//! stable order (by id, or `sortBy` within each type); `startIndex`/`count` page over that
//! concatenation and `totalResults` counts both.

use super::body::ScimJson;
use super::convert::{group_view, user_view};
use super::resources::{order, page_in_scope, Resource};
use super::{Client, ScimState};
use crate::ports::{GroupEntry, PersonEntry};
use crate::scim::discovery::Discovery;
use crate::scim::filter::{parse_group_filter, parse_user_filter};
use crate::scim::list::{ListQuery, ListResponse};
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
        PersonEntry::projection(q.attributes.as_deref(), q.excluded_attributes.as_deref())?;
    let group_projection =
        GroupEntry::projection(q.attributes.as_deref(), q.excluded_attributes.as_deref())?;

    let mut resources = Vec::new();
    let mut users_total = 0;
    if let Some(filter) = user_filter {
        let sort = sort_by
            .and_then(|s| (PersonEntry::SORT_ATTR)(s).ok())
            .map(|a| (a, order(&q)));
        let paging = (q.start_index, q.count);
        let (total, people) =
            page_in_scope::<PersonEntry>(&state, &client, filter, sort, paging).await?;
        users_total = total;
        resources.extend(
            people
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
            .and_then(|s| (GroupEntry::SORT_ATTR)(s).ok())
            .map(|a| (a, order(&q)));
        let (total, groups) =
            page_in_scope::<GroupEntry>(&state, &client, filter, sort, (start, room)).await?;
        groups_total = total;
        resources.extend(
            groups
                .iter()
                .map(|g| group_projection.apply(group_view(g).render(&state.base_url))),
        );
    }
    let total = users_total + groups_total;
    Ok(Json(ListResponse::new(resources, total, q.start_index)).into_response())
}
