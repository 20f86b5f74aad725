//! The SCIM 2.0 edge (RFC 7643, RFC 7644), I/O-free half: filter text → domain filters,
//! resource JSON ⇄ domain drafts and views, PATCH, discovery documents and RFC errors.
//! The HTTP routes and the directory adapter only glue these together.
//!
//! Invariant: SCIM JSON never leaves this module; the rest of the crate sees
//! `crate::domain::query` filters, [`draft`] values and [`ScimError`]s.

pub mod attrs;
pub mod bulk;
pub mod discovery;
pub mod document;
pub mod draft;
pub mod error;
pub mod filter;
mod filter_vocabulary;
pub mod group;
pub mod http;
pub mod list;
pub mod patch;
mod patch_op;
mod patch_paths;
mod patch_values;
pub mod render;
pub mod syntax;
pub mod user;
mod user_values;

pub use error::{ScimError, ScimResult, ScimType, SCIM_CONTENT_TYPE};

/// The object of a SCIM message body (a SearchRequest, a PatchOp) whose `schemas` must name
/// `schema` (case-insensitively): `invalidSyntax` otherwise.
pub(crate) fn message_object<'b>(
    body: &'b serde_json::Value,
    schema: &str,
) -> Result<&'b serde_json::Map<String, serde_json::Value>, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("the body must be a JSON object"))?;
    let names_schema = object
        .get("schemas")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|l| {
            l.iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(schema)))
        });
    if !names_schema {
        return Err(ScimError::invalid_syntax(format!(
            "\"schemas\" must be [\"{schema}\"]"
        )));
    }
    Ok(object)
}
