//! SCIM Bulk (RFC 7644 §3.7), the I/O-free half: a `BulkRequest` body → typed operations,
//! the `bulkId` reference graph, substitution of resolved ids, and the `BulkResponse` body.
//!
//! Invariants:
//! - The request as a whole is refused only when it is not a BulkRequest at all (400) or has
//!   more than `maxOperations` operations (413, §3.7.4, the limit named in the detail). A
//!   malformed *operation* fails alone, in its own slot of the response (§3.7.3).
//! - A `"bulkId:<id>"` string anywhere in an operation's `data` (or its path) refers to the
//!   resource created by the operation with that `bulkId` (§3.7.2). An unknown reference, a
//!   reference to oneself or any circular chain makes the operations involved fail with
//!   `invalidValue`; nothing here ever waits forever.

use crate::scim::ScimError;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
const PREFIX: &str = "bulkId:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Users,
    Groups,
}

/// One well-formed operation. `id` is `None` exactly for POST; it may still be a
/// `"bulkId:…"` reference until [`substitute`] resolves it.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub method: Method,
    pub resource: Resource,
    pub id: Option<String>,
    pub version: Option<String>,
    /// The resource (POST, PUT) or PatchOp (PATCH) body; `Null` for DELETE.
    pub data: Value,
}

/// An operation slot as received: what the response echoes (`method`, `bulkId`) and either
/// the parsed operation or why it cannot run.
#[derive(Debug, Clone)]
pub struct Slot {
    pub method: String,
    pub bulk_id: Option<String>,
    pub op: Result<Operation, ScimError>,
}

#[derive(Debug, Clone)]
pub struct BulkRequest {
    /// Stop after this many errors (§3.7.3); `None`: attempt every operation.
    pub fail_on_errors: Option<usize>,
    pub slots: Vec<Slot>,
}

/// Parses a BulkRequest. Refuses it whole only for a wrong envelope or too many operations.
/// Takes the body: each operation's `data` is moved into its slot, not copied (issue 17: a
/// copy of every operation beside the whole body was what a 1,000-operation Bulk held at
/// its peak).
pub fn parse_bulk(mut body: Value, max_operations: usize) -> Result<BulkRequest, ScimError> {
    let object = body
        .as_object_mut()
        .ok_or_else(|| ScimError::invalid_syntax("the body must be a JSON object"))?;
    let schemas = object.get("schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| s.iter().any(|u| u.as_str() == Some(BULK_REQUEST))) {
        return Err(ScimError::invalid_syntax(format!(
            "\"schemas\" must contain \"{BULK_REQUEST}\""
        )));
    }
    let operations = match take_ci(object, "Operations") {
        Some(Value::Array(operations)) => operations,
        _ => return Err(ScimError::invalid_syntax("\"Operations\" must be an array")),
    };
    if operations.len() > max_operations {
        return Err(ScimError::payload_too_large(format!(
            "the request has {} operations; maxOperations is {max_operations}",
            operations.len()
        )));
    }
    let fail_on_errors = match get_ci(object, "failOnErrors") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => {
                return Err(ScimError::invalid_value(
                    "\"failOnErrors\" must be an integer of at least 1",
                ))
            }
        },
    };
    let mut slots: Vec<Slot> = operations.into_iter().map(parse_slot).collect();
    let mut seen: HashMap<String, ()> = HashMap::new();
    for slot in &mut slots {
        if let Some(b) = &slot.bulk_id {
            if seen.insert(b.clone(), ()).is_some() && slot.op.is_ok() {
                slot.op = Err(ScimError::invalid_value(format!(
                    "bulkId \"{b}\" is used by an earlier operation of this request"
                )));
            }
        }
    }
    Ok(BulkRequest {
        fail_on_errors,
        slots,
    })
}

/// Attribute names are case-insensitive (RFC 7643 §2.1).
fn get_ci<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Removes the member `name` (case-insensitively) from `object`.
fn take_ci(object: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))?
        .clone();
    object.remove(&key)
}

fn parse_slot(mut raw: Value) -> Slot {
    let data = raw.as_object_mut().and_then(|o| take_ci(o, "data"));
    let object = raw.as_object();
    let text = |name: &str| object.and_then(|o| get_ci(o, name)).and_then(Value::as_str);
    let method = text("method").unwrap_or("").to_ascii_uppercase();
    let bulk_id = text("bulkId").map(str::to_owned);
    let op = match object {
        None => Err(ScimError::invalid_syntax(
            "an operation must be a JSON object",
        )),
        Some(o) => parse_operation(o, &method, bulk_id.as_deref(), data),
    };
    Slot {
        method,
        bulk_id,
        op,
    }
}

fn parse_operation(
    o: &Map<String, Value>,
    method: &str,
    bulk_id: Option<&str>,
    data: Option<Value>,
) -> Result<Operation, ScimError> {
    let method = match method {
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        "" => return Err(ScimError::invalid_syntax("\"method\" is required")),
        m => {
            return Err(ScimError::invalid_value(format!(
                "method {m} is not allowed in a bulk request (POST, PUT, PATCH, DELETE)"
            )))
        }
    };
    if bulk_id.is_some_and(|b| b.is_empty() || b.starts_with(PREFIX)) {
        return Err(ScimError::invalid_value(
            "\"bulkId\" must be a non-empty name",
        ));
    }
    if method == Method::Post && bulk_id.is_none() {
        return Err(ScimError::invalid_syntax("\"bulkId\" is required for POST"));
    }
    let path = get_ci(o, "path")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_syntax("\"path\" is required"))?;
    let (resource, id) = parse_path(path)?;
    match (method, &id) {
        (Method::Post, Some(_)) => {
            return Err(ScimError::invalid_path(
                "POST takes a resource type endpoint: /Users or /Groups",
            ))
        }
        (Method::Put | Method::Patch | Method::Delete, None) => {
            return Err(ScimError::invalid_path(format!(
                "{} takes a resource: /Users/<id> or /Groups/<id>",
                method.as_str()
            )))
        }
        _ => {}
    }
    let data = data.unwrap_or(Value::Null);
    if method != Method::Delete && !data.is_object() {
        return Err(ScimError::invalid_syntax(
            "\"data\" must be a JSON object for POST, PUT and PATCH",
        ));
    }
    let version = match get_ci(o, "version") {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => return Err(ScimError::invalid_syntax("\"version\" must be a string")),
    };
    Ok(Operation {
        method,
        resource,
        id,
        version,
        data,
    })
}

fn parse_path(path: &str) -> Result<(Resource, Option<String>), ScimError> {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let resource = match parts.next() {
        Some("Users") => Resource::Users,
        Some("Groups") => Resource::Groups,
        _ => {
            return Err(ScimError::invalid_path(format!(
                "unsupported path {path:?}: /Users, /Users/<id>, /Groups or /Groups/<id>"
            )))
        }
    };
    match parts.next() {
        None | Some("") => Ok((resource, None)),
        Some(id) if !id.contains('/') && !id.contains('?') => Ok((resource, Some(id.to_owned()))),
        Some(_) => Err(ScimError::invalid_path(format!(
            "unsupported path {path:?}"
        ))),
    }
}

/// Every `bulkId` an operation refers to (path and data), in order of appearance, once each.
pub fn references(op: &Operation) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = op.id.as_deref().and_then(|id| id.strip_prefix(PREFIX)) {
        out.push(r.to_owned());
    }
    collect(&op.data, &mut out);
    out
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(r) = s.strip_prefix(PREFIX) {
                if !out.iter().any(|o| o == r) {
                    out.push(r.to_owned());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect(i, out)),
        _ => {}
    }
}

/// For each slot, the indices of the slots it must wait for, or why it cannot run: a
/// reference to no operation of the request, to itself, or any cycle (§3.7.2: we refuse
/// circular references instead of half-creating them).
pub fn dependencies(slots: &[Slot]) -> Vec<Result<Vec<usize>, ScimError>> {
    let by_bulk_id: HashMap<&str, usize> = slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((s.bulk_id.as_deref()?, i)))
        .collect();
    let mut deps: Vec<Result<Vec<usize>, ScimError>> = slots
        .iter()
        .map(|s| {
            let Ok(op) = &s.op else { return Ok(Vec::new()) };
            references(op)
                .into_iter()
                .map(|r| {
                    by_bulk_id
                        .get(r.as_str())
                        .copied()
                        .filter(|&j| slots[j].op.as_ref().is_ok_and(|o| o.method == Method::Post))
                        .ok_or_else(|| {
                            ScimError::invalid_value(format!(
                                "bulkId:{r} names no POST operation of this request"
                            ))
                        })
                })
                .collect()
        })
        .collect();
    for i in on_cycles(&deps) {
        deps[i] = Err(ScimError::invalid_value(
            "circular bulkId references: these operations cannot be ordered",
        ));
    }
    deps
}

/// The slots that lie on a cycle of the dependency graph (iterative colouring, no recursion).
fn on_cycles(deps: &[Result<Vec<usize>, ScimError>]) -> Vec<usize> {
    let edges = |i: usize| -> &[usize] { deps[i].as_deref().unwrap_or(&[]) };
    // A node is on a cycle when it can reach itself.
    (0..deps.len())
        .filter(|&start| {
            let mut seen = vec![false; deps.len()];
            let mut stack: Vec<usize> = edges(start).to_vec();
            while let Some(n) = stack.pop() {
                if n == start {
                    return true;
                }
                if !std::mem::replace(&mut seen[n], true) {
                    stack.extend_from_slice(edges(n));
                }
            }
            false
        })
        .collect()
}

/// The operation with every `"bulkId:<x>"` (path and data) replaced by the id `resolved`
/// gives for `x`. The caller has resolved every reference [`references`] listed.
pub fn substitute(op: &Operation, resolved: &HashMap<String, String>) -> Operation {
    fn walk(v: &Value, resolved: &HashMap<String, String>) -> Value {
        match v {
            Value::String(s) => match s.strip_prefix(PREFIX).and_then(|r| resolved.get(r)) {
                Some(id) => Value::String(id.clone()),
                None => v.clone(),
            },
            Value::Array(items) => Value::Array(items.iter().map(|i| walk(i, resolved)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, i)| (k.clone(), walk(i, resolved)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let id = op.id.as_ref().map(|id| {
        id.strip_prefix(PREFIX)
            .and_then(|r| resolved.get(r))
            .unwrap_or(id)
            .clone()
    });
    Operation {
        id,
        data: walk(&op.data, resolved),
        ..op.clone()
    }
}

/// The outcome of one attempted operation, as the BulkResponse reports it (§3.7.3).
#[derive(Debug, Clone)]
pub struct OpOutcome {
    pub method: String,
    pub bulk_id: Option<String>,
    pub location: Option<String>,
    pub version: Option<String>,
    pub status: u16,
    /// The SCIM error on failure (the resource itself is not echoed on success).
    pub error: Option<ScimError>,
}

/// The BulkResponse body: attempted operations, in request order.
pub fn bulk_response(outcomes: &[OpOutcome]) -> Value {
    let ops: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut v = json!({ "method": o.method, "status": o.status.to_string() });
            let fields = [
                ("bulkId", &o.bulk_id),
                ("location", &o.location),
                ("version", &o.version),
            ];
            for (name, value) in fields {
                if let Some(x) = value {
                    v[name] = json!(x);
                }
            }
            if let Some(e) = &o.error {
                v["response"] = e.body();
            }
            v
        })
        .collect();
    json!({ "schemas": [BULK_RESPONSE], "Operations": ops })
}

#[cfg(test)]
#[path = "bulk_tests.rs"]
mod tests;
