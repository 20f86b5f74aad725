//! What reading Users and Groups have in common: list (`GET` with a query), `.search`
//! (`POST` with a SearchRequest), get by id and the answer carrying one resource. The
//! resource types differ only in what [`Resource`] says about them, so one handler serves
//! both (they were written twice before).

use super::body::ScimJson;
use super::users::{ProjectionParams, RawParams};
use super::{Client, ScimState};
use crate::ports::{DirectoryError, Page, Search, SortOrder};
use crate::provisioning::refusals::Wanted;
use crate::scim::discovery::Discovery;
use crate::scim::document::Rendered;
use crate::scim::list::{ListQuery, ListResponse};
use crate::scim::render::{location, Projection};
use crate::scim::ScimError;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::future::Future;

/// A SCIM resource type as the read handlers need it.
pub(super) trait Resource: Sized + Send + Sync + 'static {
    /// `User` or `Group` (`meta.resourceType`, `Location`).
    const TYPE: &'static str;
    /// What an out-of-scope read of it is audited as.
    const WANTED: Wanted;
    /// The rendered form (`ScimUserView`, `ScimGroupView`).
    type View: Rendered + Send;

    fn projection(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimError>;
    /// The resource type's filter and `sortBy` attribute (domain types).
    type Filter: Send;
    type SortAttr: Send;
    const PARSE_FILTER: fn(&str) -> Result<Self::Filter, ScimError>;
    const SORT_ATTR: fn(&str) -> Result<Self::SortAttr, ScimError>;
    /// One page of the matches of `search` (built in the client's scope by the list
    /// handler), and how many match.
    fn page(
        state: &ScimState,
        search: Search<Self::Filter, Self::SortAttr>,
    ) -> impl Future<Output = Result<Page<Self>, DirectoryError>> + Send;
    fn get(
        state: &ScimState,
        client: &Client,
        id: &str,
    ) -> impl Future<Output = Result<Option<Self>, ScimError>> + Send;
    fn view(&self) -> Self::View;
}

/// The answer carrying one resource: its (projected) body, its `ETag` and, on create, its
/// `Location` (RFC 7644 §3.3, §3.14).
pub(super) fn respond<R: Resource>(
    state: &ScimState,
    resource: &R,
    projection: &Projection,
    status: StatusCode,
) -> Response {
    let view = resource.view();
    let body = projection.project(view.document(&state.base_url));
    let mut response = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&view.meta().etag()) {
        response.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED {
        let url = location(&state.base_url, R::TYPE, view.id());
        if let Ok(v) = HeaderValue::from_str(&url) {
            response.headers_mut().insert(header::LOCATION, v);
        }
    }
    response
}

/// [`respond`] with the whole resource, as create, replace and a User's PATCH answer.
pub(super) fn respond_whole<R: Resource>(
    state: &ScimState,
    resource: &R,
    status: StatusCode,
) -> Response {
    respond(state, resource, &Projection::Default, status)
}

/// One page of the matches of a list query (its filter and `sortBy` parsed for `R`; empty
/// texts are none).
async fn search_page<R: Resource>(
    state: &ScimState,
    client: &Client,
    query: &ListQuery,
) -> Result<(usize, Vec<R>), ScimError> {
    let filter = query.filter.as_deref().filter(|f| !f.trim().is_empty());
    let sort_by = query.sort_by.as_deref().filter(|s| !s.trim().is_empty());
    let filter = filter.map(R::PARSE_FILTER).transpose()?;
    let sort = sort_by
        .map(|s| Ok::<_, ScimError>(((R::SORT_ATTR)(s)?, order(query))))
        .transpose()?;
    page_in_scope(
        state,
        client,
        filter,
        sort,
        (query.start_index, query.count),
    )
    .await
}

/// One page (1-based start, at most `count`) of the `R`s matching `filter` in the client's
/// scope, and how many match.
pub(super) async fn page_in_scope<R: Resource>(
    state: &ScimState,
    client: &Client,
    filter: Option<R::Filter>,
    sort: Option<(R::SortAttr, SortOrder)>,
    (start_index, count): (usize, usize),
) -> Result<(usize, Vec<R>), ScimError> {
    let search = Search {
        filter,
        scope: client.who.scope.clone(),
        sort,
        start_index,
        count,
    };
    let page = R::page(state, search).await?;
    Ok((page.total, page.items))
}

pub(super) fn order(q: &ListQuery) -> SortOrder {
    if q.descending {
        SortOrder::Descending
    } else {
        SortOrder::Ascending
    }
}

pub(super) fn query_from(params: &[(String, String)]) -> Result<ListQuery, ScimError> {
    ListQuery::from_params(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Discovery::get().max_results(),
    )
}

async fn list_of<R: Resource>(
    state: &ScimState,
    client: &Client,
    query: ListQuery,
) -> Result<Response, ScimError> {
    let projection = R::projection(
        query.attributes.as_deref(),
        query.excluded_attributes.as_deref(),
    )?;
    let (total, items) = search_page::<R>(state, client, &query).await?;
    let views: Vec<_> = items.iter().map(R::view).collect();
    let resources = views
        .iter()
        .map(|v| projection.project(v.document(&state.base_url)))
        .collect();
    Ok(Json(ListResponse::new(resources, total, query.start_index)).into_response())
}

/// `GET /Users`, `GET /Groups`.
pub(super) async fn list<R: Resource>(
    State(state): State<ScimState>,
    client: Client,
    Query(params): RawParams,
) -> Result<Response, ScimError> {
    list_of::<R>(&state, &client, query_from(&params)?).await
}

/// `POST /Users/.search`, `POST /Groups/.search`.
pub(super) async fn search<R: Resource>(
    State(state): State<ScimState>,
    client: Client,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let query = ListQuery::from_search_body(&body, Discovery::get().max_results())?;
    list_of::<R>(&state, &client, query).await
}

/// `GET /Users/{id}`, `GET /Groups/{id}`: 404 (and an audited refusal) when the client
/// cannot see it.
pub(super) async fn get<R: Resource>(
    State(state): State<ScimState>,
    client: Client,
    Path(id): Path<String>,
    Query(p): Query<ProjectionParams>,
) -> Result<Response, ScimError> {
    let projection = R::projection(p.attributes.as_deref(), p.excluded_attributes.as_deref())?;
    let Some(resource) = R::get(&state, &client, &id).await? else {
        state
            .refusals
            .not_in_scope(&client.caller(), R::WANTED, &id, "scim")
            .await;
        let what = R::TYPE.to_lowercase();
        return Err(ScimError::not_found(format!("no {what} {id}")));
    };
    Ok(respond(&state, &resource, &projection, StatusCode::OK))
}
