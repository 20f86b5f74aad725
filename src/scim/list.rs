//! Query parameters of list and search requests (RFC 7644 §3.4.2 GET, §3.4.3 `POST /.search`)
//! and the `ListResponse` body (§3.4.2).
//!
//! Paging follows §3.4.2.4: `startIndex` below 1 counts as 1, a negative `count` as 0, and
//! `count` is capped at `filter.maxResults`. `totalResults`, `startIndex` and `itemsPerPage`
//! are JSON integers (Okta 5 in scim-clients.md).

use super::ScimError;
use serde_json::Value;

pub const LIST_RESPONSE_SCHEMA: &str = scim_v2::schema_urns::LIST_RESPONSE;
pub const SEARCH_REQUEST_SCHEMA: &str = scim_v2::schema_urns::SEARCH_REQUEST;

/// A list/search request, not yet interpreted: the filter and names are parsed by
/// `filter` / `render::Projection` for the resource type at hand.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub descending: bool,
    /// 1-based.
    pub start_index: usize,
    pub count: usize,
    /// Comma-separated, as in the query string.
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

fn number(name: &str, raw: &Value) -> Result<i64, ScimError> {
    match raw {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ScimError::invalid_value(format!("{name} must be an integer")))
}

impl ListQuery {
    /// From GET query parameters (names compared case-insensitively).
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        max_results: usize,
    ) -> Result<Self, ScimError> {
        let mut map = serde_json::Map::new();
        for (k, v) in params {
            map.insert(k.to_owned(), Value::String(v.to_owned()));
        }
        Self::build(&map, max_results, false)
    }

    /// From a `POST /.search` body (`schemas` must name the SearchRequest message).
    pub fn from_search_body(body: &Value, max_results: usize) -> Result<Self, ScimError> {
        let object = super::message_object(body, SEARCH_REQUEST_SCHEMA)?;
        let mut map = object.clone();
        map.remove("schemas");
        Self::build(&map, max_results, true)
    }

    /// `strict`: unknown members are refused (a `.search` body); GET ignores other parameters.
    fn build(
        map: &serde_json::Map<String, Value>,
        max_results: usize,
        strict: bool,
    ) -> Result<Self, ScimError> {
        let mut q = ListQuery {
            start_index: 1,
            count: max_results,
            ..ListQuery::default()
        };
        let text = |name: &str, v: &Value| -> Result<String, ScimError> {
            match v {
                Value::String(s) => Ok(s.clone()),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .map(|l| l.join(","))
                    .ok_or_else(|| ScimError::invalid_value(format!("{name} must hold strings"))),
                _ => Err(ScimError::invalid_value(format!("{name} must be a string"))),
            }
        };
        for (k, v) in map {
            match k.to_ascii_lowercase().as_str() {
                "filter" => q.filter = Some(text("filter", v)?),
                "sortby" => q.sort_by = Some(text("sortBy", v)?),
                "sortorder" => {
                    q.descending = match text("sortOrder", v)?.to_ascii_lowercase().as_str() {
                        "ascending" => false,
                        "descending" => true,
                        _ => {
                            return Err(ScimError::invalid_value(
                                "sortOrder must be ascending or descending",
                            ))
                        }
                    }
                }
                "startindex" => q.start_index = number("startIndex", v)?.max(1) as usize,
                "count" => {
                    q.count = usize::try_from(number("count", v)?.max(0))
                        .unwrap_or(0)
                        .min(max_results)
                }
                "attributes" => q.attributes = Some(text("attributes", v)?),
                "excludedattributes" => {
                    q.excluded_attributes = Some(text("excludedAttributes", v)?)
                }
                other if strict => {
                    return Err(ScimError::invalid_syntax(format!(
                        "unknown search request member {other:?}"
                    )))
                }
                _ => {}
            }
        }
        Ok(q)
    }
}

/// The `ListResponse` body (RFC 7644 §3.4.2), serialized as is (the resources too: no
/// `Value` tree per answer). A search that matches nothing is an empty list with status 200
/// (Entra's connection test, scim-clients.md Entra 8).
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    schemas: [&'static str; 1],
    total_results: usize,
    start_index: usize,
    items_per_page: usize,
    #[serde(rename = "Resources")]
    resources: Vec<T>,
}

impl<T> ListResponse<T> {
    pub fn new(resources: Vec<T>, total: usize, start_index: usize) -> Self {
        ListResponse {
            schemas: [LIST_RESPONSE_SCHEMA],
            total_results: total,
            start_index: start_index.max(1),
            items_per_page: resources.len(),
            resources,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn okta_paging_parameters_parse_as_integers() {
        let q = ListQuery::from_params(
            [
                ("filter", r#"userName eq "a@b.pl""#),
                ("startIndex", "101"),
                ("count", "100"),
            ],
            200,
        )
        .unwrap();
        assert_eq!(q.filter.as_deref(), Some(r#"userName eq "a@b.pl""#));
        assert_eq!((q.start_index, q.count), (101, 100));
    }

    #[test]
    fn paging_is_clamped_as_rfc_7644_section_3_4_2_4_says() {
        let table = [
            (("0", "-5"), (1, 0)),
            (("-3", "1000"), (1, 200)),
            (("7", "20"), (7, 20)),
        ];
        for ((start, count), want) in table {
            let q = ListQuery::from_params([("startIndex", start), ("count", count)], 200).unwrap();
            assert_eq!((q.start_index, q.count), want, "{start} {count}");
        }
        let q = ListQuery::from_params([], 200).unwrap();
        assert_eq!((q.start_index, q.count), (1, 200));
        assert!(ListQuery::from_params([("count", "ten")], 200).is_err());
        assert!(ListQuery::from_params([("utm_source", "x")], 200).is_ok());
    }

    #[test]
    fn search_bodies_need_the_search_request_schema() {
        let body = json!({
            "schemas": [SEARCH_REQUEST_SCHEMA],
            "filter": "title pr",
            "attributes": ["userName", "emails"],
            "sortBy": "userName",
            "sortOrder": "descending",
            "startIndex": 1,
            "count": 10
        });
        let q = ListQuery::from_search_body(&body, 200).unwrap();
        assert_eq!(q.attributes.as_deref(), Some("userName,emails"));
        assert!(q.descending);
        assert_eq!(q.count, 10);
        let e = ListQuery::from_search_body(&json!({"filter": "title pr"}), 200).unwrap_err();
        assert_eq!(e.scim_type, Some(crate::scim::ScimType::InvalidSyntax));
        let e = ListQuery::from_search_body(
            &json!({"schemas": [SEARCH_REQUEST_SCHEMA], "sortOrder": "up"}),
            200,
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(crate::scim::ScimType::InvalidValue));
    }

    #[test]
    fn an_empty_result_is_a_list_response_with_integer_counts() {
        let body = serde_json::to_value(ListResponse::<Value>::new(Vec::new(), 0, 1)).unwrap();
        assert_eq!(body["totalResults"], 0);
        assert!(body["totalResults"].is_u64());
        assert_eq!(body["itemsPerPage"], 0);
        assert_eq!(body["startIndex"], 1);
        assert_eq!(body["Resources"], json!([]));
        assert_eq!(body["schemas"][0], LIST_RESPONSE_SCHEMA);
    }
}
