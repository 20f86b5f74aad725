//! A `PatchOp` body (RFC 7644 §3.5.2) parsed into operations: each operation's `op` (in any
//! case), its `path` parsed, its `value` kept as sent, and the request's own limits checked,
//! before anything is applied (`patch.rs`).

use super::syntax::{self, PatchPath};
use super::ScimError;
use serde_json::Value;

pub const PATCH_OP_SCHEMA: &str = scim_v2::schema_urns::PATCH_OP;
/// More operations than this in one request is refused (`tooMany` is for results; this is
/// `invalidValue`).
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    Add,
    Replace,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub kind: PatchKind,
    /// The path as sent, for messages and audit.
    pub path_text: Option<String>,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Parses a `PatchOp` body (RFC 7644 §3.5.2).
pub fn parse_patch(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    let object = super::message_object(body, PATCH_OP_SCHEMA)?;
    let ops = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array())
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| ScimError::invalid_syntax("\"Operations\" must be a non-empty list"))?;
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "at most {MAX_OPERATIONS} operations per request"
        )));
    }
    ops.iter().map(parse_operation).collect()
}

fn parse_operation(raw: &Value) -> Result<PatchOperation, ScimError> {
    let obj = raw
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("each operation must be an object"))?;
    let mut op = None;
    let mut path_text = None;
    let mut value = None;
    for (k, v) in obj {
        match k.to_ascii_lowercase().as_str() {
            "op" => {
                op = Some(
                    v.as_str()
                        .ok_or_else(|| ScimError::invalid_syntax("\"op\" must be a string"))?,
                )
            }
            "path" => {
                path_text = Some(
                    v.as_str()
                        .ok_or_else(|| ScimError::invalid_path("\"path\" must be a string"))?
                        .to_owned(),
                )
            }
            "value" => value = Some(v.clone()),
            other => {
                return Err(ScimError::invalid_syntax(format!(
                    "unknown operation member {other:?}"
                )))
            }
        }
    }
    let kind = match op.map(str::to_ascii_lowercase).as_deref() {
        Some("add") => PatchKind::Add,
        Some("replace") => PatchKind::Replace,
        Some("remove") => PatchKind::Remove,
        _ => {
            return Err(ScimError::invalid_syntax(
                "\"op\" must be add, replace or remove",
            ))
        }
    };
    let path = match &path_text {
        Some(p) => Some(
            syntax::parse_patch_path(p)
                .map_err(|e| ScimError::invalid_path(format!("invalid path {p:?}: {e}")))?,
        ),
        None => None,
    };
    if kind != PatchKind::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "{kind:?} needs a \"value\"",
        )));
    }
    if kind == PatchKind::Remove && path.is_none() {
        return Err(ScimError::no_target("remove needs a \"path\""));
    }
    Ok(PatchOperation {
        kind,
        path_text,
        path,
        value,
    })
}
