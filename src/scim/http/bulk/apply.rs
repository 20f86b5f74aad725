//! One Bulk operation, its `bulkId` references already resolved, run through the same
//! handler code as its single-resource route (`users`, `groups`), and what a successful one
//! reports. Apart from `bulk.rs`, which schedules the operations and answers the request.

use super::Run;
use crate::ports::{GroupEntry as Group, PersonEntry as Person};
use crate::provisioning::{Applied, Precondition};
use crate::scim::bulk::{Method, Operation, Resource};
use crate::scim::group::parse_group;
use crate::scim::http::body::ScimJson;
use crate::scim::http::convert::{
    group_profile, group_view, new_group_school, person_profile, user_view, Changed,
};
use crate::scim::http::write::{self, ResourceWrite};
use crate::scim::http::{groups, users};
use crate::scim::user::{parse_user, WriteMode};
use crate::scim::ScimError;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

/// What a successful operation reports.
pub(super) struct Written {
    pub(super) id: String,
    pub(super) status: u16,
    pub(super) location: Option<String>,
    pub(super) version: Option<String>,
}

/// Runs one resolved operation through the single-resource handlers.
pub(super) async fn apply(run: &Run, op: Operation) -> Result<Written, ScimError> {
    let state = || State(run.state.clone());
    let expected = match op.version.as_deref() {
        None => Precondition::None,
        Some("*") => Precondition::Exists,
        Some(v) => Precondition::VersionIn(vec![opaque(v).to_owned()]),
    };
    let id = op.id.clone().unwrap_or_default();
    let write = || ResourceWrite {
        client: run.client.clone(),
        id: id.clone(),
        expected: expected.clone(),
    };
    let body = ScimJson(op.data);
    let response = match (op.method, op.resource) {
        (Method::Post, Resource::Users) => return create_user(run, &body.0).await,
        (Method::Post, Resource::Groups) => return create_group(run, &body.0).await,
        (Method::Put, Resource::Users) => write::replace::<Person>(state(), write(), body).await?,
        (Method::Put, Resource::Groups) => write::replace::<Group>(state(), write(), body).await?,
        (Method::Patch, Resource::Users) => users::patch(state(), write(), body).await?,
        (Method::Patch, Resource::Groups) => {
            let whole = axum::extract::Query(super::users::ProjectionParams::default());
            groups::patch(state(), whole, write(), body).await?
        }
        (Method::Delete, Resource::Users) => users::delete(state(), write()).await?.into_response(),
        (Method::Delete, Resource::Groups) => {
            groups::delete(state(), write()).await?.into_response()
        }
    };
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let kind = match op.resource {
        Resource::Users => "User",
        Resource::Groups => "Group",
    };
    let location = header(header::LOCATION).or_else(|| {
        Some(crate::scim::render::location(
            &run.state.base_url,
            kind,
            &id,
        ))
    });
    let id = match op.method {
        Method::Post => location
            .as_deref()
            .and_then(|l| l.rsplit('/').next())
            .unwrap_or_default()
            .to_owned(),
        _ => id,
    };
    Ok(Written {
        id,
        status: response.status().as_u16(),
        location,
        version: header(header::ETAG),
    })
}

/// `POST /Users` in a bulk: as the route, but a person the client already holds under this
/// `externalId` is replaced, not refused (an idempotent replay, `provisioning::replay`).
async fn create_user(run: &Run, body: &serde_json::Value) -> Result<Written, ScimError> {
    let client = &run.client;
    client.require_write()?;
    let draft = parse_user(body, WriteMode::Create)?;
    if draft.account_requested == Some(true) {
        // A replayed POST would have to decide about the request too: ask in a PATCH.
        return Err(ScimError::invalid_value(
            "accountRequested cannot be set in a bulk POST: send it in a PATCH (or POST /Users)",
        ));
    }
    let profile = person_profile(draft, &client.who.scope, Changed::Unknown)?;
    let (applied, entry) = run
        .state
        .provisioning
        .create_or_replay_person(&client.caller(), profile)
        .await?;
    Ok(written(
        run,
        "User",
        &entry.entry.id,
        applied,
        user_view(&entry).meta.etag(),
    ))
}

/// `POST /Groups` in a bulk: an existing group of the school with this `externalId` or
/// `displayName` is replaced (an idempotent replay).
async fn create_group(run: &Run, body: &serde_json::Value) -> Result<Written, ScimError> {
    let client = &run.client;
    client.require_write()?;
    let draft = parse_group(body, WriteMode::Create)?;
    let school = new_group_school(&draft, &client.who.scope)?;
    let (applied, group) = run
        .state
        .provisioning
        .create_or_replay_group(&client.caller(), group_profile(draft, school)?)
        .await?;
    Ok(written(
        run,
        "Group",
        &group.entry.id,
        applied,
        group_view(&group).meta.etag(),
    ))
}

fn written(run: &Run, kind: &str, id: &str, applied: Applied, etag: String) -> Written {
    Written {
        id: id.to_owned(),
        status: match applied {
            Applied::Created => 201,
            Applied::Replayed => 200,
        },
        location: Some(crate::scim::render::location(&run.state.base_url, kind, id)),
        version: Some(etag),
    }
}

/// The opaque value of an entity tag (`W/"v"` → `v`), as `If-Match` compares it.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"')
}
