//! `/Groups` (RFC 7644 §3.3–§3.6) in the school's `ou=grupy`. A membership-only PATCH is
//! applied as a member add/remove (not a rewrite of the whole list), so concurrent changes
//! by Entra or Okta to other members are not lost.

use super::body::ScimJson;
use super::conditional::IfMatch;
use super::convert::{group_profile, group_view, new_group_school};
use super::users::{order, query_from, ProjectionParams, RawParams};
use super::{Client, ScimState};
use crate::ports::{GroupEntry, GroupSearch};
use crate::provisioning::GroupChanges;
use crate::scim::discovery::Discovery;
use crate::scim::filter::{group_sort_attr, parse_group_filter};
use crate::scim::group::parse_group;
use crate::scim::list::{ListQuery, ListResponse};
use crate::scim::patch::{parse_patch, patch_group};
use crate::scim::render::Projection;
use crate::scim::user::WriteMode;
use crate::scim::ScimError;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

fn projection(attributes: Option<&str>, excluded: Option<&str>) -> Result<Projection, ScimError> {
    use crate::scim::attrs::{GROUP_ATTRS, GROUP_SCHEMAS};
    Projection::parse(&GROUP_ATTRS, &GROUP_SCHEMAS, attributes, excluded)
}

fn respond(state: &ScimState, group: &GroupEntry, status: StatusCode) -> Response {
    respond_projected(state, group, &Projection::Default, status)
}

/// A rendered group with its `ETag` (and `Location` on create), projected.
fn respond_projected(
    state: &ScimState,
    group: &GroupEntry,
    projection: &Projection,
    status: StatusCode,
) -> Response {
    let view = group_view(group);
    let body = projection.project(view.document(&state.base_url));
    super::respond::resource(status, &view.meta, &state.base_url, "Group", &view.id, body)
}

async fn list_groups(
    state: &ScimState,
    client: &Client,
    params: ListQuery,
) -> Result<Response, ScimError> {
    let projection = projection(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    )?;
    let filter = params
        .filter
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(parse_group_filter)
        .transpose()?;
    let sort = params
        .sort_by
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Ok::<_, ScimError>((group_sort_attr(s)?, order(&params))))
        .transpose()?;
    let page = state
        .directory
        .search_groups(&GroupSearch {
            filter,
            scope: client.who.scope.clone(),
            sort,
            start_index: params.start_index,
            count: params.count,
        })
        .await?;
    let views: Vec<_> = page.items.iter().map(group_view).collect();
    let resources = views
        .iter()
        .map(|v| projection.project(v.document(&state.base_url)))
        .collect();
    Ok(Json(ListResponse::new(resources, page.total, params.start_index)).into_response())
}

pub async fn list(
    State(state): State<ScimState>,
    client: Client,
    Query(params): RawParams,
) -> Result<Response, ScimError> {
    list_groups(&state, &client, query_from(&params)?).await
}

pub async fn search(
    State(state): State<ScimState>,
    client: Client,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let query = ListQuery::from_search_body(&body, Discovery::get().max_results())?;
    list_groups(&state, &client, query).await
}

pub async fn get(
    State(state): State<ScimState>,
    client: Client,
    Path(id): Path<String>,
    Query(p): Query<ProjectionParams>,
) -> Result<Response, ScimError> {
    let projection = projection(p.attributes.as_deref(), p.excluded_attributes.as_deref())?;
    let Some(group) = state.directory.get_group(&id, &client.who.scope).await? else {
        let wanted = crate::provisioning::refusals::Wanted::Group;
        state
            .refusals
            .not_in_scope(&client.caller(), wanted, &id, "scim")
            .await;
        return Err(ScimError::not_found(format!("no group {id}")));
    };
    Ok(respond_projected(
        &state,
        &group,
        &projection,
        StatusCode::OK,
    ))
}

pub async fn create(
    State(state): State<ScimState>,
    client: Client,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    client.require_write()?;
    let draft = parse_group(&body, WriteMode::Create)?;
    let school = new_group_school(&draft, &client.who.scope)?;
    let group = state
        .provisioning
        .create_group(&client.caller(), group_profile(draft, school)?)
        .await?;
    Ok(respond(&state, &group, StatusCode::CREATED))
}

async fn current(state: &ScimState, client: &Client, id: &str) -> Result<GroupEntry, ScimError> {
    state
        .directory
        .get_group(id, &client.who.scope)
        .await?
        .ok_or_else(|| ScimError::not_found(format!("no group {id}")))
}

pub async fn replace(
    State(state): State<ScimState>,
    client: Client,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    client.require_write()?;
    let draft = parse_group(&body, WriteMode::Replace { id: &id })?;
    let school = current(&state, &client, &id).await?.profile.school;
    let group = state
        .provisioning
        .update_group_if(
            &client.caller(),
            &id,
            group_profile(draft, school)?,
            &expected,
        )
        .await?;
    Ok(respond(&state, &group, StatusCode::OK))
}

/// Whether `excludedAttributes` names `members` (with or without the schema URN).
fn excludes_members(excluded: Option<&str>) -> bool {
    excluded.is_some_and(|list| {
        list.split(',').any(|name| {
            let name = name.trim();
            let local = name.strip_prefix(GROUP_SCHEMA_PREFIX).unwrap_or(name);
            local.eq_ignore_ascii_case("members")
        })
    })
}

const GROUP_SCHEMA_PREFIX: &str = "urn:ietf:params:scim:schemas:core:2.0:Group:";

/// PATCH answers `200` with the group (projected by `attributes`/`excludedAttributes`, RFC 7644
/// §3.9), or `204 No Content` with the new `ETag` when the client excludes `members`: it then
/// said it does not want the member list, which for a large group is the bulk of the body
/// (RFC 7644 §3.5.2 allows either answer; Entra documents 204).
pub async fn patch(
    State(state): State<ScimState>,
    client: Client,
    Path(id): Path<String>,
    Query(p): Query<ProjectionParams>,
    IfMatch(expected): IfMatch,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    client.require_write()?;
    let projection = projection(p.attributes.as_deref(), p.excluded_attributes.as_deref())?;
    let ops = parse_patch(&body)?;
    let before = current(&state, &client, &id).await?;
    let old = group_view(&before).to_draft();
    let new = patch_group(&old, &id, &ops)?;
    let caller = client.caller();
    let group = if new.display_name == old.display_name && new.external_id == old.external_id {
        let changes = GroupChanges {
            add: new
                .members
                .iter()
                .filter(|m| !old.members.contains(m))
                .cloned()
                .collect(),
            remove: old
                .members
                .iter()
                .filter(|m| !new.members.contains(m))
                .cloned()
                .collect(),
        };
        state
            .provisioning
            .change_group_members_if(&caller, &id, changes, &expected)
            .await?
    } else {
        let profile = group_profile(new, before.profile.school.clone())?;
        state
            .provisioning
            .update_group_if(&caller, &id, profile, &expected)
            .await?
    };
    if excludes_members(p.excluded_attributes.as_deref()) {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if let Ok(v) = HeaderValue::from_str(&group_view(&group).meta.etag()) {
            response.headers_mut().insert(header::ETAG, v);
        }
        return Ok(response);
    }
    Ok(respond_projected(
        &state,
        &group,
        &projection,
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
        .delete_group_if(&client.caller(), &id, &expected)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
