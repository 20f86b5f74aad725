//! `/Users` (RFC 7644 §3.3–§3.6): what a User is to the shared read handlers (`resources`:
//! list and search with the filter evaluated by the directory, get), and create, replace,
//! patch, delete. Writes go through `crate::provisioning`.

use super::body::ScimJson;
use super::convert::{person_profile, user_view, Changed};
use super::resources::{self, Resource};
use super::write::{ResourceWrite, Writable};
use super::{Client, ScimState};
use crate::domain::query::{PersonAttr, PersonFilter};
use crate::ports::{DirectoryError, Page, PersonEntry, Search};
use crate::provisioning::refusals::Wanted;
use crate::scim::filter::{parse_user_filter, user_sort_attr};
use crate::scim::patch::{parse_patch, patch_user};
use crate::scim::render::{Projection, ScimUserView};
use crate::scim::user::{parse_user, WriteMode};
use crate::scim::{ScimError, ScimResult};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionParams {
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

/// The query string as pairs, for `ListQuery`.
pub type RawParams = Query<Vec<(String, String)>>;

impl Resource for PersonEntry {
    const TYPE: &'static str = "User";
    const WANTED: Wanted = Wanted::Person;
    type View = ScimUserView;

    fn projection(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimError> {
        Projection::for_users(attributes, excluded)
    }

    type Filter = PersonFilter;
    type SortAttr = PersonAttr;

    const PARSE_FILTER: fn(&str) -> Result<PersonFilter, ScimError> = parse_user_filter;
    const SORT_ATTR: fn(&str) -> Result<PersonAttr, ScimError> = user_sort_attr;

    async fn page(
        state: &ScimState,
        search: Search<PersonFilter, PersonAttr>,
    ) -> Result<Page<Self>, DirectoryError> {
        state.directory.search_people(&search).await
    }

    async fn get(state: &ScimState, client: &Client, id: &str) -> Result<Option<Self>, ScimError> {
        Ok(state.directory.get_person(id, &client.who.scope).await?)
    }

    fn view(&self) -> ScimUserView {
        user_view(self)
    }
}

impl Writable for PersonEntry {
    /// A new person; `accountRequested` asks for an account (no credentials are made here).
    async fn create(state: &ScimState, client: &Client, body: &Value) -> ScimResult<Self> {
        let draft = parse_user(body, WriteMode::Create)?;
        let requested = draft.account_requested.unwrap_or(false);
        let profile = person_profile(draft, &client.who.scope, Changed::Unknown)?;
        let caller = client.caller();
        Ok(state
            .provisioning
            .create_person_requesting(&caller, profile, requested)
            .await?)
    }

    async fn replace(state: &ScimState, write: &ResourceWrite, body: &Value) -> ScimResult<Self> {
        let draft = parse_user(body, WriteMode::Replace { id: &write.id })?;
        let requested = draft.account_requested;
        let profile = person_profile(draft, &write.client.who.scope, Changed::Unknown)?;
        let (id, expected) = (&write.id, &write.expected);
        Ok(state
            .provisioning
            .update_person_requesting_if(&write.caller(), id, profile, requested, expected)
            .await?)
    }
}

pub async fn patch(
    State(state): State<ScimState>,
    write: ResourceWrite,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let ops = parse_patch(&body)?;
    let ResourceWrite {
        client,
        id,
        expected,
    } = write;
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
    Ok(resources::respond_whole(&state, &entry, StatusCode::OK))
}

pub async fn delete(
    State(state): State<ScimState>,
    write: ResourceWrite,
) -> Result<StatusCode, ScimError> {
    let caller = write.caller();
    state
        .provisioning
        .delete_person_if(&caller, &write.id, &write.expected)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
