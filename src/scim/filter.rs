//! SCIM filter text (RFC 7644 §3.4.2.2) → domain filters (`crate::domain::query`).
//!
//! Grammar and limits live in [`super::syntax`]; this module maps attribute paths to the closed
//! domain attribute enums and types the values. Anything it cannot map exactly — an attribute
//! outside the catalogue, an operator the attribute does not support (see the table in
//! `domain::query`), a value of the wrong type — is `400 invalidFilter` naming the attribute.
//!
//! Value paths: inside `emails[…]` / `phoneNumbers[…]` a `type eq "<t>"` term scopes its `and`
//! siblings to addresses of that type, so `emails[type eq "work" and value co "@x"]` and
//! Entra's `emails[type eq "work"].value eq "…"` become tests on `Email(Some(Work))`.
//! `x eq null` means "x is absent" and `x ne null` "x is present".

use super::attrs::{self, AttrDef};
use super::filter_vocabulary::{unsupported, Groups, Users, Vocabulary};
use super::syntax::{self, AttrPath, Expr, Literal, Op, Test};
use super::ScimError;
use crate::domain::query::{
    Attribute, CompareOp, Filter, GroupAttr, GroupFilter, PersonAttr, PersonFilter, Value,
    ValueKind,
};
use crate::domain::AccountState;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Parses a Users filter.
pub fn parse_user_filter(text: &str) -> Result<PersonFilter, ScimError> {
    parse::<Users>(text)
}

/// Parses a Groups filter.
pub fn parse_group_filter(text: &str) -> Result<GroupFilter, ScimError> {
    parse::<Groups>(text)
}

/// Resolves a Users `sortBy` (RFC 7644 §3.4.2.3) to the attribute the directory sorts on.
pub fn user_sort_attr(name: &str) -> Result<PersonAttr, ScimError> {
    sort_attr::<Users>(name)
}

/// Resolves a Groups `sortBy`.
pub fn group_sort_attr(name: &str) -> Result<GroupAttr, ScimError> {
    sort_attr::<Groups>(name)
}

fn sort_attr<V: Vocabulary>(name: &str) -> Result<V::Attr, ScimError> {
    let unsupported = || ScimError::invalid_value(format!("cannot sort by {name:?}"));
    let path = attrs::parse_name(name).map_err(|_| unsupported())?;
    let def = attrs::resolve(V::TABLE, V::SCHEMAS, &path).map_err(|_| unsupported())?;
    V::leaf(def).ok_or_else(unsupported)
}

fn parse<V: Vocabulary>(text: &str) -> Result<Filter<V::Attr>, ScimError> {
    let expr = syntax::parse_filter(text)
        .map_err(|e| ScimError::invalid_filter(format!("invalid filter: {e}")))?;
    translate::<V>(&expr)
}

fn resolve<V: Vocabulary>(path: &AttrPath) -> Result<&'static AttrDef, ScimError> {
    attrs::resolve(V::TABLE, V::SCHEMAS, path).map_err(|e| unsupported(&e.0))
}

fn collapse<A>(mut items: Vec<Filter<A>>, and: bool) -> Filter<A> {
    if items.len() == 1 {
        items.remove(0)
    } else if and {
        Filter::And(items)
    } else {
        Filter::Or(items)
    }
}

fn translate<V: Vocabulary>(expr: &Expr) -> Result<Filter<V::Attr>, ScimError> {
    Ok(match expr {
        Expr::And(items) => {
            Filter::And(items.iter().map(translate::<V>).collect::<Result<_, _>>()?)
        }
        Expr::Or(items) => Filter::Or(items.iter().map(translate::<V>).collect::<Result<_, _>>()?),
        Expr::Not(inner) => Filter::Not(Box::new(translate::<V>(inner)?)),
        Expr::Attr(path, test) => {
            let d = resolve::<V>(path)?;
            if d.sub == Some("type") {
                return type_test::<V>(parent_of::<V>(d)?, test);
            }
            if let Some(filter) = V::special(d, test) {
                return filter;
            }
            let attr = V::leaf(d).ok_or_else(|| unsupported(&d.display()))?;
            build_test(attr, &d.display(), test)?
        }
        Expr::ValuePath { attr, filter, then } => {
            let parent = resolve::<V>(attr)?;
            if parent.sub.is_some() {
                return Err(unsupported(&parent.display()));
            }
            let mut inner = (**filter).clone();
            if let Some((sub, test)) = then {
                let value = AttrPath {
                    urn: None,
                    name: sub.clone(),
                    sub: None,
                };
                inner = Expr::And(vec![inner, Expr::Attr(value, test.clone())]);
            }
            in_value_path::<V>(parent, &inner, None)?
        }
    })
}

fn parent_of<V: Vocabulary>(d: &AttrDef) -> Result<&'static AttrDef, ScimError> {
    V::TABLE
        .iter()
        .find(|p| p.schema == d.schema && p.name == d.name && p.sub.is_none())
        .ok_or_else(|| unsupported(&d.display()))
}

/// `emails.type eq "work"` outside brackets: an address of that type exists.
fn type_test<V: Vocabulary>(parent: &AttrDef, test: &Test) -> Result<Filter<V::Attr>, ScimError> {
    match test {
        Test::Compare(Op::Eq, Literal::Str(kind)) => Ok(Filter::Present(V::typed(parent, kind)?)),
        _ => Err(ScimError::invalid_filter(format!(
            "{}.type supports only eq with a string",
            parent.display()
        ))),
    }
}

/// Translates the filter inside `parent[…]`, with `kind` the type its `and` siblings fixed.
fn in_value_path<V: Vocabulary>(
    parent: &AttrDef,
    expr: &Expr,
    kind: Option<&str>,
) -> Result<Filter<V::Attr>, ScimError> {
    let is_type = |d: &AttrDef| d.sub == Some("type");
    let sub_def = |path: &AttrPath| -> Result<&'static AttrDef, ScimError> {
        if path.urn.is_some() || path.sub.is_some() {
            return Err(unsupported(&format!("{}.{path}", parent.display())));
        }
        attrs::resolve_sub(V::TABLE, parent, &path.name).map_err(|e| unsupported(&e.0))
    };
    Ok(match expr {
        Expr::And(items) => {
            let mut scoped = kind.map(str::to_owned);
            let mut rest = Vec::new();
            for item in items {
                match item {
                    Expr::Attr(path, Test::Compare(Op::Eq, Literal::Str(t)))
                        if is_type(sub_def(path)?) =>
                    {
                        if scoped.as_ref().is_some_and(|s| !s.eq_ignore_ascii_case(t)) {
                            return Err(ScimError::invalid_filter(format!(
                                "{} has conflicting type terms",
                                parent.display()
                            )));
                        }
                        scoped = Some(t.clone());
                    }
                    other => rest.push(other),
                }
            }
            if rest.is_empty() {
                let kind = scoped.as_deref().unwrap_or_default();
                return Ok(Filter::Present(V::typed(parent, kind)?));
            }
            let items = rest
                .into_iter()
                .map(|e| in_value_path::<V>(parent, e, scoped.as_deref()))
                .collect::<Result<_, _>>()?;
            collapse(items, true)
        }
        Expr::Or(items) => collapse(
            items
                .iter()
                .map(|e| in_value_path::<V>(parent, e, kind))
                .collect::<Result<_, _>>()?,
            false,
        ),
        Expr::Not(inner) => Filter::Not(Box::new(in_value_path::<V>(parent, inner, kind)?)),
        Expr::Attr(path, test) => {
            let d = sub_def(path)?;
            if is_type(d) {
                if kind.is_some() {
                    return Err(ScimError::invalid_filter(format!(
                        "{} has conflicting type terms",
                        parent.display()
                    )));
                }
                return type_test::<V>(parent, test);
            }
            if !d.is(parent.name, Some("value")) {
                return Err(unsupported(&d.display()));
            }
            let attr = match kind {
                Some(k) => V::typed(parent, k)?,
                None => V::leaf(d).ok_or_else(|| unsupported(&d.display()))?,
            };
            build_test(attr, &d.display(), test)?
        }
        Expr::ValuePath { .. } => {
            return Err(ScimError::invalid_filter("value paths cannot be nested"))
        }
    })
}

fn op(op: Op) -> CompareOp {
    match op {
        Op::Eq => CompareOp::Eq,
        Op::Ne => CompareOp::Ne,
        Op::Co => CompareOp::Contains,
        Op::Sw => CompareOp::StartsWith,
        Op::Ew => CompareOp::EndsWith,
        Op::Gt => CompareOp::Gt,
        Op::Ge => CompareOp::Ge,
        Op::Lt => CompareOp::Lt,
        Op::Le => CompareOp::Le,
    }
}

fn build_test<A: Attribute>(attr: A, name: &str, test: &Test) -> Result<Filter<A>, ScimError> {
    let (scim_op, literal) = match test {
        Test::Present => return Ok(Filter::Present(attr)),
        Test::Compare(o, l) => (*o, l),
    };
    match (scim_op, literal) {
        (Op::Eq, Literal::Null) => return Ok(Filter::Not(Box::new(Filter::Present(attr)))),
        (Op::Ne, Literal::Null) => return Ok(Filter::Present(attr)),
        (_, Literal::Null) => {
            return Err(ScimError::invalid_filter(format!(
                "{name}: null compares only with eq or ne"
            )))
        }
        _ => {}
    }
    let domain_op = op(scim_op);
    if !attr.supports(domain_op) {
        return Err(ScimError::invalid_filter(format!(
            "operator {} is not supported for {name:?}",
            format!("{scim_op:?}").to_ascii_lowercase()
        )));
    }
    let wrong = |what: &str| ScimError::invalid_filter(format!("{name:?} expects {what}"));
    let value = match (attr.kind(), literal) {
        (ValueKind::CaseIgnoreString, Literal::Str(s)) => Value::Str(s.clone()),
        (ValueKind::CaseIgnoreString, Literal::Number(n)) => Value::Str(n.to_string()),
        (ValueKind::CaseIgnoreString, _) => return Err(wrong("a string")),
        (ValueKind::Id, Literal::Str(s)) => Value::Str(s.clone()),
        (ValueKind::Id, _) => return Err(wrong("an id string")),
        (ValueKind::Bool, Literal::Bool(b)) => Value::Bool(*b),
        (ValueKind::Bool, Literal::Str(s)) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        (ValueKind::Bool, Literal::Str(s)) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        (ValueKind::Bool, _) => return Err(wrong("true or false")),
        (ValueKind::Enumeration, Literal::Str(s)) => Value::Str(
            AccountState::parse(s)
                .map_err(|e| ScimError::invalid_filter(e.to_string()))?
                .as_str()
                .to_owned(),
        ),
        (ValueKind::Enumeration, _) => return Err(wrong("a string")),
        (ValueKind::DateTime, Literal::Str(s)) => Value::DateTime(
            OffsetDateTime::parse(s, &Rfc3339)
                .map_err(|_| wrong("an RFC 3339 date-time such as \"2024-09-01T00:00:00Z\""))?,
        ),
        (ValueKind::DateTime, _) => return Err(wrong("a date-time string")),
    };
    Ok(Filter::Compare(attr, domain_op, value))
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
