//! Value-filtered PATCH targets (RFC 7644 §3.5.2: `valuePath [subAttr]`): selecting elements
//! of `emails` / `phoneNumbers` / `members` with an in-memory value filter, and updating,
//! creating or removing them. The filter runs over one resource's own values, never a search.
//!
//! A value filter that matches nothing on `add`/`replace` creates the element when the filter
//! is a conjunction of `eq` terms (`emails[type eq "work"].value`: Entra 5), else `noTarget`.

use super::attrs::{self, AttrDef, USER_ATTRS};
use super::draft::Contact;
use super::patch::PatchKind;
use super::syntax::{Expr, Literal, Op, Test};
use super::user;
use super::user_values::ContactKind;
use super::ScimError;
use serde_json::Value;

/// An element of `emails` / `phoneNumbers`, seen through its sub-attributes.
pub(crate) trait Element: Sized {
    fn value(&self) -> &str;
    fn kind(&self) -> Option<&'static str>;
    fn primary(&self) -> bool;
    fn parse(parent: &AttrDef, value: &Value) -> Result<Self, ScimError>;
}

impl<K: ContactKind> Element for Contact<K> {
    fn value(&self) -> &str {
        &self.value
    }
    fn kind(&self) -> Option<&'static str> {
        self.kind.map(K::as_str)
    }
    fn primary(&self) -> bool {
        self.primary
    }
    fn parse(parent: &AttrDef, value: &Value) -> Result<Self, ScimError> {
        user::parse_contact(parent, value)
    }
}

fn element_json<E: Element>(e: &E) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("value".into(), Value::from(e.value()));
    if let Some(k) = e.kind() {
        m.insert("type".into(), Value::from(k));
    }
    m.insert("primary".into(), Value::from(e.primary()));
    m
}

/// The `sub eq "x"` terms of an `and`-only filter: what a created element starts with.
fn seed(filter: &Expr, out: &mut serde_json::Map<String, Value>) -> bool {
    match filter {
        Expr::And(items) => items.iter().all(|i| seed(i, out)),
        Expr::Attr(p, Test::Compare(Op::Eq, lit)) if p.urn.is_none() && p.sub.is_none() => {
            let v = match lit {
                Literal::Str(s) => Value::from(s.as_str()),
                Literal::Bool(b) => Value::from(*b),
                _ => return false,
            };
            out.insert(p.name.clone(), v);
            true
        }
        _ => false,
    }
}

pub(crate) fn filtered<E: Element>(
    items: &mut Vec<E>,
    parent: &AttrDef,
    filter: &Expr,
    sub: Option<&str>,
    kind: PatchKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let sub_def = sub
        .map(|s| {
            attrs::resolve_sub(&USER_ATTRS, parent, s)
                .map_err(|e| ScimError::invalid_path(format!("unknown attribute {:?}", e.0)))
        })
        .transpose()?;
    let mut hits = Vec::new();
    for (i, e) in items.iter().enumerate() {
        let get = |name: &str| -> Result<Field, ScimError> {
            match name.to_ascii_lowercase().as_str() {
                "value" => Ok(Field::Str(Some(e.value().to_owned()))),
                "type" => Ok(Field::Str(e.kind().map(str::to_owned))),
                "primary" => Ok(Field::Bool(e.primary())),
                other => Err(ScimError::invalid_path(format!(
                    "unknown attribute {}.{other}",
                    parent.display()
                ))),
            }
        };
        if matches(filter, &get)? {
            hits.push(i);
        }
    }
    if kind == PatchKind::Remove {
        let gone = |i: usize| hits.contains(&i);
        match sub_def.and_then(|d| d.sub) {
            None | Some("value") => {
                let mut i = 0;
                items.retain(|_| {
                    i += 1;
                    !gone(i - 1)
                });
            }
            Some(s) => {
                for &i in &hits {
                    let mut m = element_json(&items[i]);
                    m.remove(s);
                    items[i] = E::parse(parent, &Value::Object(m))?;
                }
            }
        }
        return Ok(());
    }
    let value = value.ok_or_else(|| ScimError::invalid_value("value is required"))?;
    let patch: serde_json::Map<String, Value> = match sub_def.and_then(|d| d.sub) {
        Some(s) => [(s.to_owned(), value.clone())].into_iter().collect(),
        None => value.as_object().cloned().ok_or_else(|| {
            ScimError::invalid_value(format!("{} value must be an object", parent.display()))
        })?,
    };
    if hits.is_empty() {
        let mut start = serde_json::Map::new();
        if !seed(filter, &mut start) {
            return Err(ScimError::no_target(format!(
                "no {} value matches the filter",
                parent.display()
            )));
        }
        start.extend(patch);
        items.push(E::parse(parent, &Value::Object(start))?);
        return Ok(());
    }
    for i in hits {
        let mut m = element_json(&items[i]);
        m.extend(patch.clone());
        items[i] = E::parse(parent, &Value::Object(m))?;
    }
    Ok(())
}

/// A sub-attribute value of one element, for in-memory value-filter matching.
pub(crate) enum Field {
    Str(Option<String>),
    Bool(bool),
}

/// Evaluates a value filter on one element of a multi-valued attribute (strings compare
/// case-insensitively: `caseExact` is false for every sub-attribute we filter on).
pub(crate) fn matches(
    expr: &Expr,
    get: &dyn Fn(&str) -> Result<Field, ScimError>,
) -> Result<bool, ScimError> {
    Ok(match expr {
        Expr::And(items) => {
            for i in items {
                if !matches(i, get)? {
                    return Ok(false);
                }
            }
            true
        }
        Expr::Or(items) => {
            for i in items {
                if matches(i, get)? {
                    return Ok(true);
                }
            }
            false
        }
        Expr::Not(inner) => !matches(inner, get)?,
        Expr::ValuePath { .. } => return Err(ScimError::invalid_path("nested value filter")),
        Expr::Attr(path, test) => {
            if path.urn.is_some() || path.sub.is_some() {
                return Err(ScimError::invalid_path(format!("unknown attribute {path}")));
            }
            let field = get(&path.name)?;
            match (test, field) {
                (Test::Present, Field::Str(v)) => v.is_some_and(|v| !v.is_empty()),
                (Test::Present, Field::Bool(b)) => b,
                (Test::Compare(op, Literal::Bool(want)), Field::Bool(b)) => match op {
                    Op::Eq => b == *want,
                    Op::Ne => b != *want,
                    _ => return Err(ScimError::invalid_path("booleans compare with eq or ne")),
                },
                (Test::Compare(op, Literal::Str(want)), Field::Str(have)) => {
                    let want = want.to_lowercase();
                    match have.map(|h| h.to_lowercase()) {
                        None => *op == Op::Ne,
                        Some(h) => match op {
                            Op::Eq => h == want,
                            Op::Ne => h != want,
                            Op::Co => h.contains(&want),
                            Op::Sw => h.starts_with(&want),
                            Op::Ew => h.ends_with(&want),
                            Op::Gt => h > want,
                            Op::Ge => h >= want,
                            Op::Lt => h < want,
                            Op::Le => h <= want,
                        },
                    }
                }
                (Test::Compare(Op::Eq, Literal::Null), Field::Str(v)) => v.is_none(),
                (Test::Compare(Op::Ne, Literal::Null), Field::Str(v)) => v.is_some(),
                _ => {
                    return Err(ScimError::invalid_path(format!(
                        "value of the wrong type for {path}"
                    )))
                }
            }
        }
    })
}
