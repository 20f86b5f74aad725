//! `/Users` (RFC 7644 §3.3–§3.6): list and search (filter evaluated by the directory), get,
//! create, replace, patch, delete. Writes go through `crate::provisioning`.

use super::body::ScimJson;
use super::conditional::IfMatch;
use super::convert::{person_profile, user_view, Changed};
use super::{Client, ScimState};
use crate::ports::{PersonEntry, PersonSearch, SortOrder};
use crate::scim::discovery::Discovery;
use crate::scim::filter::{parse_user_filter, user_sort_attr};
use crate::scim::list::{ListQuery, ListResponse};
use crate::scim::patch::{parse_patch, patch_user};
use crate::scim::render::Projection;
use crate::scim::user::{parse_user, WriteMode};
use crate::scim::ScimError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionParams {
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

/// A rendered user with its `ETag` (and `Location` on create).
fn respond(
    state: &ScimState,
    entry: &PersonEntry,
    projection: &Projection,
    status: StatusCode,
) -> Response {
    let view = user_view(entry);
    let body = projection.project(view.document(&state.base_url));
    super::respond::resource(status, &view.meta, &state.base_url, "User", &view.id, body)
}

/// The query string as pairs, for `ListQuery`.
pub type RawParams = Query<Vec<(String, String)>>;

pub(super) fn query_from(params: &[(String, String)]) -> Result<ListQuery, ScimError> {
    ListQuery::from_params(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Discovery::get().max_results(),
    )
}

pub(super) fn order(q: &ListQuery) -> SortOrder {
    if q.descending {
        SortOrder::Descending
    } else {
        SortOrder::Ascending
    }
}

pub(super) async fn search_users(
    state: &ScimState,
    client: &Client,
    params: &ListQuery,
) -> Result<(usize, Vec<PersonEntry>), ScimError> {
    let filter = params
        .filter
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(parse_user_filter)
        .transpose()?;
    let sort = params
        .sort_by
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Ok::<_, ScimError>((user_sort_attr(s)?, order(params))))
        .transpose()?;
    let page = state
        .directory
        .search_people(&PersonSearch {
            filter,
            scope: client.who.scope.clone(),
            sort,
            start_index: params.start_index,
            count: params.count,
        })
        .await?;
    Ok((page.total, page.items))
}

async fn list_users(
    state: &ScimState,
    client: &Client,
    params: ListQuery,
) -> Result<Response, ScimError> {
    let projection = Projection::for_users(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    )?;
    let (total, items) = search_users(state, client, &params).await?;
    let views: Vec<_> = items.iter().map(user_view).collect();
    let resources = views
        .iter()
        .map(|v| projection.project(v.document(&state.base_url)))
        .collect();
    Ok(Json(ListResponse::new(resources, total, params.start_index)).into_response())
}

pub async fn list(
    State(state): State<ScimState>,
    client: Client,
    Query(params): RawParams,
) -> Result<Response, ScimError> {
    list_users(&state, &client, query_from(&params)?).await
}

pub async fn search(
    State(state): State<ScimState>,
    client: Client,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let query = ListQuery::from_search_body(&body, Discovery::get().max_results())?;
    list_users(&state, &client, query).await
}

pub async fn get(
    State(state): State<ScimState>,
    client: Client,
    Path(id): Path<String>,
    Query(p): Query<ProjectionParams>,
) -> Result<Response, ScimError> {
    let projection =
        Projection::for_users(p.attributes.as_deref(), p.excluded_attributes.as_deref())?;
    let Some(entry) = state.directory.get_person(&id, &client.who.scope).await? else {
        let wanted = crate::provisioning::refusals::Wanted::Person;
        state
            .refusals
            .not_in_scope(&client.caller(), wanted, &id, "scim")
            .await;
        return Err(ScimError::not_found(format!("no user {id}")));
    };
    Ok(respond(&state, &entry, &projection, StatusCode::OK))
}

pub async fn create(
    State(state): State<ScimState>,
    client: Client,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    client.require_write()?;
    let draft = parse_user(&body, WriteMode::Create)?;
    let requested = draft.account_requested.unwrap_or(false);
    let profile = person_profile(draft, &client.who.scope, Changed::Unknown)?;
    let entry = state
        .provisioning
        .create_person_requesting(&client.caller(), profile, requested)
        .await?;
    Ok(respond(
        &state,
        &entry,
        &Projection::Default,
        StatusCode::CREATED,
    ))
}

pub async fn replace(
    State(state): State<ScimState>,
    client: Client,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    client.require_write()?;
    let draft = parse_user(&body, WriteMode::Replace { id: &id })?;
    let requested = draft.account_requested;
    let profile = person_profile(draft, &client.who.scope, Changed::Unknown)?;
    let entry = state
        .provisioning
        .update_person_requesting_if(&client.caller(), &id, profile, requested, &expected)
        .await?;
    Ok(respond(
        &state,
        &entry,
        &Projection::Default,
        StatusCode::OK,
    ))
}

pub async fn patch(
    State(state): State<ScimState>,
    client: Client,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    client.require_write()?;
    let ops = parse_patch(&body)?;
    let current = state
        .directory
        .get_person(&id, &client.who.scope)
        .await?
        .ok_or_else(|| ScimError::not_found(format!("no user {id}")))?;
    // All operations are applied to a copy first; only a fully valid result is written.
    let before = user_view(&current).to_draft();
    let draft = patch_user(&before, &id, &ops)?;
    let changed = Changed::between(&before, &draft);
    let requested = draft.account_requested;
    let profile = person_profile(draft, &client.who.scope, changed)?;
    let entry = state
        .provisioning
        .update_read_person_requesting_if(&client.caller(), current, profile, requested, &expected)
        .await?;
    Ok(respond(
        &state,
        &entry,
        &Projection::Default,
        StatusCode::OK,
    ))
}

pub async fn delete(
    State(state): State<ScimState>,
    client: Client,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
) -> Result<StatusCode, ScimError> {
    client.require_write()?;
    state
        .provisioning
        .delete_person_if(&client.caller(), &id, &expected)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
