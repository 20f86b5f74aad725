//! `/Groups` (RFC 7644 §3.3–§3.6) in the school's `ou=grupy`. A membership-only PATCH is
//! applied as a member add/remove (not a rewrite of the whole list), so concurrent changes
//! by Entra or Okta to other members are not lost.

use super::body::ScimJson;
use super::convert::{group_profile, group_view, new_group_school};
use super::resources::{self, Resource};
use super::users::ProjectionParams;
use super::write::{ResourceWrite, Writable};
use super::{Client, ScimState};
use crate::domain::query::{GroupAttr, GroupFilter};
use crate::ports::{DirectoryError, GroupEntry, Page, Search};
use crate::provisioning::refusals::Wanted;
use crate::provisioning::GroupChanges;
use crate::scim::filter::{group_sort_attr, parse_group_filter};
use crate::scim::group::{parse_group, ScimGroupView};
use crate::scim::patch::{parse_patch, patch_group};
use crate::scim::render::Projection;
use crate::scim::user::WriteMode;
use crate::scim::{ScimError, ScimResult};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

impl Resource for GroupEntry {
    const TYPE: &'static str = "Group";
    const WANTED: Wanted = Wanted::Group;
    type View = ScimGroupView;

    fn projection(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimError> {
        use crate::scim::attrs::{GROUP_ATTRS, GROUP_SCHEMAS};
        Projection::parse(&GROUP_ATTRS, &GROUP_SCHEMAS, attributes, excluded)
    }

    type Filter = GroupFilter;
    type SortAttr = GroupAttr;

    const PARSE_FILTER: fn(&str) -> Result<GroupFilter, ScimError> = parse_group_filter;
    const SORT_ATTR: fn(&str) -> Result<GroupAttr, ScimError> = group_sort_attr;

    async fn page(
        state: &ScimState,
        search: Search<GroupFilter, GroupAttr>,
    ) -> Result<Page<Self>, DirectoryError> {
        state.directory.search_groups(&search).await
    }

    async fn get(state: &ScimState, client: &Client, id: &str) -> Result<Option<Self>, ScimError> {
        Ok(state.directory.get_group(id, &client.who.scope).await?)
    }

    fn view(&self) -> ScimGroupView {
        group_view(self)
    }
}

/// The group a change is about, in the client's scope.
async fn current(state: &ScimState, write: &ResourceWrite) -> Result<GroupEntry, ScimError> {
    let id = &write.id;
    state
        .directory
        .get_group(id, &write.client.who.scope)
        .await?
        .ok_or_else(|| ScimError::not_found(format!("no group {id}")))
}

impl Writable for GroupEntry {
    /// A new group in the school the body names (or the client's one school).
    async fn create(state: &ScimState, client: &Client, body: &Value) -> ScimResult<Self> {
        let draft = parse_group(body, WriteMode::Create)?;
        let school = new_group_school(&draft, &client.who.scope)?;
        let profile = group_profile(draft, school)?;
        Ok(state
            .provisioning
            .create_group(&client.caller(), profile)
            .await?)
    }

    /// The group keeps its school (immutable): a body naming another one is refused.
    async fn replace(state: &ScimState, write: &ResourceWrite, body: &Value) -> ScimResult<Self> {
        let draft = parse_group(body, WriteMode::Replace { id: &write.id })?;
        let school = current(state, write).await?.profile.school;
        let profile = group_profile(draft, school)?;
        Ok(state
            .provisioning
            .update_group_if(&write.caller(), &write.id, profile, &write.expected)
            .await?)
    }
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
    Query(p): Query<ProjectionParams>,
    write: ResourceWrite,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let projection =
        GroupEntry::projection(p.attributes.as_deref(), p.excluded_attributes.as_deref())?;
    let ops = parse_patch(&body)?;
    let before = current(&state, &write).await?;
    let ResourceWrite {
        client,
        id,
        expected,
    } = write;
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
    Ok(resources::respond(
        &state,
        &group,
        &projection,
        StatusCode::OK,
    ))
}

pub async fn delete(
    State(state): State<ScimState>,
    write: ResourceWrite,
) -> Result<StatusCode, ScimError> {
    let caller = write.caller();
    state
        .provisioning
        .delete_group_if(&caller, &write.id, &write.expected)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
