//! Group request bodies and rendering (RFC 7643 §4.2; RFC 7644 §3.3, §3.5.1).
//!
//! `displayName` is required. `members` elements carry the member's `id` in `value`; their
//! `$ref`, `display` and `type` are accepted (clients echo them) and not stored: membership is
//! resolved by `id`. Entra creates groups with an empty `members` list (scim-clients.md, Entra 10).

use super::attrs::{self, AttrDef, Mutability, GROUP_ATTRS, GROUP_SCHEMA, GROUP_SCHEMAS};
use super::draft::GroupDraft;
use super::render::{location, ResourceMeta, ResourceRef};
use super::user::{check_schemas, read_only, WriteMode};
use super::ScimError;
use serde_json::{json, Map, Value};

/// Parses a POST/PUT Group body.
pub fn parse_group(body: &Value, mode: WriteMode<'_>) -> Result<GroupDraft, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("the body must be a JSON object"))?;
    check_schemas(object, &GROUP_SCHEMAS, GROUP_SCHEMA)?;
    let mut draft = GroupDraft::default();
    for (key, value) in object {
        if key == "schemas" {
            continue;
        }
        let def = resolve_key(key)?;
        if def.mutability == Mutability::ReadOnly {
            match mode {
                WriteMode::Replace { id } if def.is("id", None) => {
                    if value.as_str() != Some(id) {
                        return Err(ScimError::mutability("id does not match the resource"));
                    }
                }
                WriteMode::Replace { .. } => {}
                WriteMode::Create => return Err(read_only(def)),
            }
            continue;
        }
        assign(&mut draft, def, value, true)?;
    }
    if draft.display_name.is_none() {
        return Err(ScimError::invalid_value("displayName is required"));
    }
    Ok(draft)
}

pub(crate) fn resolve_key(key: &str) -> Result<&'static AttrDef, ScimError> {
    attrs::parse_name(key)
        .and_then(|p| attrs::resolve(&GROUP_ATTRS, &GROUP_SCHEMAS, &p))
        .map_err(|e| ScimError::invalid_syntax(format!("unknown attribute {:?}", e.0)))
}

/// The member ids in a `members` value: a list of `{"value": id, …}` (or one such object).
pub(crate) fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let members_def = &GROUP_ATTRS
        .iter()
        .find(|d| d.is("members", None))
        .ok_or_else(|| ScimError::internal("members missing from the catalogue"))?;
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        Value::Null => vec![],
        _ => {
            return Err(ScimError::invalid_value(
                "members must be a list of objects",
            ))
        }
    };
    let mut ids = Vec::new();
    for item in items {
        let obj = item
            .as_object()
            .ok_or_else(|| ScimError::invalid_value("members must be a list of objects"))?;
        let mut id = None;
        for (k, v) in obj {
            let sub = attrs::resolve_sub(&GROUP_ATTRS, members_def, k)
                .map_err(|e| ScimError::invalid_syntax(format!("unknown attribute {:?}", e.0)))?;
            if sub.sub == Some("value") {
                id = v.as_str();
            }
        }
        let id = id
            .map(str::trim)
            .filter(|id| !id.is_empty() && id.len() <= 128)
            .ok_or_else(|| ScimError::invalid_value("members.value must be a member's id"))?;
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// Sets a Group attribute; `replace_members` decides between replacing and adding members.
pub(crate) fn assign(
    draft: &mut GroupDraft,
    def: &AttrDef,
    value: &Value,
    replace_members: bool,
) -> Result<(), ScimError> {
    let text = |max: usize| -> Result<Option<String>, ScimError> {
        match value {
            Value::Null => Ok(None),
            Value::String(raw) => crate::domain::parse_text("value", raw, max)
                .map(Some)
                .map_err(|e| ScimError::invalid_value(format!("{}: {}", def.display(), e.reason))),
            _ => Err(ScimError::invalid_value(format!(
                "{} must be a string",
                def.display()
            ))),
        }
    };
    match (def.name, def.sub) {
        ("displayName", None) => {
            draft.display_name = Some(
                text(256)?
                    .ok_or_else(|| ScimError::invalid_value("displayName cannot be removed"))?,
            )
        }
        ("externalId", None) => draft.external_id = text(256)?,
        ("members", None) => {
            let ids = member_ids(value)?;
            if replace_members {
                draft.members.clear();
            }
            for id in ids {
                if !draft.members.contains(&id) {
                    draft.members.push(id);
                }
            }
        }
        _ if def.mutability == Mutability::ReadOnly => return Err(read_only(def)),
        _ => {
            return Err(ScimError::invalid_path(format!(
                "{} cannot be set directly",
                def.display()
            )))
        }
    }
    Ok(())
}

/// Everything a rendered Group shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimGroupView {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Vec<ResourceRef>,
    pub meta: ResourceMeta,
}

impl ScimGroupView {
    pub fn to_draft(&self) -> GroupDraft {
        GroupDraft {
            display_name: Some(self.display_name.clone()),
            external_id: self.external_id.clone(),
            members: self.members.iter().map(|m| m.id.clone()).collect(),
        }
    }

    pub fn render(&self, base_url: &str) -> Value {
        let mut out = Map::new();
        out.insert("schemas".into(), json!([GROUP_SCHEMA]));
        out.insert("id".into(), json!(self.id));
        if let Some(e) = &self.external_id {
            out.insert("externalId".into(), json!(e));
        }
        out.insert("displayName".into(), json!(self.display_name));
        let members: Vec<Value> = self
            .members
            .iter()
            .map(|m| {
                let mut e = Map::new();
                e.insert("value".into(), json!(m.id));
                e.insert("$ref".into(), json!(location(base_url, "User", &m.id)));
                if let Some(d) = &m.display {
                    e.insert("display".into(), json!(d));
                }
                Value::Object(e)
            })
            .collect();
        out.insert("members".into(), Value::Array(members));
        out.insert("meta".into(), self.meta.render("Group", base_url, &self.id));
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::render::Projection;
    use crate::scim::ScimType;
    use time::macros::datetime;

    fn body(extra: Value) -> Value {
        let mut b = json!({"schemas": [GROUP_SCHEMA], "displayName": "Nauczyciele SP1"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    }

    #[test]
    fn entra_creates_groups_with_empty_members() {
        let d = parse_group(
            &body(json!({"externalId": "e1", "members": []})),
            WriteMode::Create,
        )
        .unwrap();
        assert_eq!(d.display_name.as_deref(), Some("Nauczyciele SP1"));
        assert!(d.members.is_empty());
    }

    #[test]
    fn members_are_ids_deduplicated_with_echoed_refs_accepted() {
        let d = parse_group(
            &body(json!({"members": [
                {"value": "u1", "display": "Anna", "$ref": "https://x/Users/u1"},
                {"value": "u2", "type": "User"},
                {"value": "u1"}
            ]})),
            WriteMode::Create,
        )
        .unwrap();
        assert_eq!(d.members, ["u1", "u2"]);
    }

    #[test]
    fn bad_group_bodies_get_the_rfc_error() {
        let table = [
            (json!({"schemas": [GROUP_SCHEMA]}), ScimType::InvalidValue),
            (
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "x"}),
                ScimType::InvalidSyntax,
            ),
            (body(json!({"owner": "x"})), ScimType::InvalidSyntax),
            (body(json!({"id": "g"})), ScimType::Mutability),
            (
                body(json!({"members": [{"value": ""}]})),
                ScimType::InvalidValue,
            ),
            (
                body(json!({"members": [{"value": "u", "weight": 1}]})),
                ScimType::InvalidSyntax,
            ),
            (body(json!({"displayName": 5})), ScimType::InvalidValue),
        ];
        for (b, want) in table {
            let e = parse_group(&b, WriteMode::Create).unwrap_err();
            assert_eq!(e.scim_type, Some(want), "{b}");
        }
        assert!(parse_group(
            &body(json!({"id": "g", "meta": {}})),
            WriteMode::Replace { id: "g" }
        )
        .is_ok());
    }

    #[test]
    fn a_group_renders_members_with_refs_and_can_exclude_them() {
        let view = ScimGroupView {
            id: "g-1".into(),
            display_name: "Nauczyciele".into(),
            external_id: None,
            members: vec![ResourceRef {
                id: "u1".into(),
                display: Some("Anna Nowak".into()),
            }],
            meta: ResourceMeta {
                created: datetime!(2024-09-01 08:00 UTC),
                last_modified: datetime!(2024-09-01 08:00 UTC),
                version: "7".into(),
            },
        };
        let v = view.render("https://x/scim/v2");
        assert_eq!(v["members"][0]["$ref"], "https://x/scim/v2/Users/u1");
        assert_eq!(v["meta"]["location"], "https://x/scim/v2/Groups/g-1");
        assert_eq!(view.to_draft().members, ["u1"]);
        // Entra lists groups with excludedAttributes=members (scim-clients.md, Entra 7).
        let p = Projection::parse(&GROUP_ATTRS, &GROUP_SCHEMAS, None, Some("members")).unwrap();
        let v = p.apply(v);
        assert!(v.get("members").is_none());
        assert_eq!(v["displayName"], "Nauczyciele");
    }
}
