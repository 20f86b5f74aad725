//! The catalogue of SCIM attributes this server supports (RFC 7643 §4.1, §4.2, §4.3 and the
//! ZSZO extension), and the resolution of attribute paths (RFC 7644 §3.10: optional schema
//! URN, case-insensitive names, one sub-attribute level) to catalogue entries.
//!
//! Invariant: this table is the single list the filter translation, resource parsing, PATCH
//! and projection consult; `schemas/scim/Schemas.json` describes exactly these entries (a test
//! in `discovery` compares them).

use super::syntax::AttrPath;

pub const USER_SCHEMA: &str = scim_v2::schema_urns::USER;
pub const ENTERPRISE_SCHEMA: &str = scim_v2::schema_urns::ENTERPRISE_USER;
pub const ZSZO_SCHEMA: &str = "urn:zszo:params:scim:schemas:extension:zszo:2.0:User";
pub const GROUP_SCHEMA: &str = scim_v2::schema_urns::GROUP;
/// The ZSZO extension of Group: `school`, the school whose `ou=grupy` holds the group.
pub const ZSZO_GROUP_SCHEMA: &str = "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group";

/// RFC 7643 §7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
        }
    }
}

/// One attribute or sub-attribute. `common` marks RFC 7643 §3.1 common attributes (`id`,
/// `externalId`, `meta`), which the schemas in `/Schemas` do not list.
#[derive(Debug, PartialEq, Eq)]
pub struct AttrDef {
    pub schema: &'static str,
    pub name: &'static str,
    pub sub: Option<&'static str>,
    pub mutability: Mutability,
    pub common: bool,
}

impl AttrDef {
    /// Whether this is the `(name, sub)` pair, with exact canonical spelling.
    pub fn is(&self, name: &str, sub: Option<&str>) -> bool {
        self.name == name && self.sub == sub
    }

    /// `urn:…:name.sub` for extension attributes, `name.sub` for core ones.
    pub fn display(&self) -> String {
        let local = match self.sub {
            Some(sub) => format!("{}.{sub}", self.name),
            None => self.name.to_owned(),
        };
        if self.schema == USER_SCHEMA || self.schema == GROUP_SCHEMA {
            local
        } else {
            format!("{}:{local}", self.schema)
        }
    }
}

const fn def(
    schema: &'static str,
    name: &'static str,
    sub: Option<&'static str>,
    mutability: Mutability,
    common: bool,
) -> AttrDef {
    AttrDef {
        schema,
        name,
        sub,
        mutability,
        common,
    }
}

use Mutability::{Immutable, ReadOnly, ReadWrite};

/// A resource type's table: the RFC 7643 §3.1 common attributes (`id`, `externalId`, `meta`
/// and its sub-attributes) in `$schema`, then the type's own.
macro_rules! with_common_attrs {
    ($schema:expr, [$($own:expr,)*]) => {
        [
            def($schema, "id", None, ReadOnly, true),
            def($schema, "externalId", None, ReadWrite, true),
            def($schema, "meta", None, ReadOnly, true),
            def($schema, "meta", Some("resourceType"), ReadOnly, true),
            def($schema, "meta", Some("created"), ReadOnly, true),
            def($schema, "meta", Some("lastModified"), ReadOnly, true),
            def($schema, "meta", Some("location"), ReadOnly, true),
            def($schema, "meta", Some("version"), ReadOnly, true),
            $($own,)*
        ]
    };
}

const U: &str = USER_SCHEMA;
const E: &str = ENTERPRISE_SCHEMA;
const Z: &str = ZSZO_SCHEMA;
const G: &str = GROUP_SCHEMA;
const ZG: &str = ZSZO_GROUP_SCHEMA;

pub static USER_ATTRS: [AttrDef; 41] = with_common_attrs!(
    U,
    [
        def(U, "userName", None, ReadWrite, false),
        def(U, "name", None, ReadWrite, false),
        def(U, "name", Some("formatted"), ReadWrite, false),
        def(U, "name", Some("familyName"), ReadWrite, false),
        def(U, "name", Some("givenName"), ReadWrite, false),
        def(U, "displayName", None, ReadWrite, false),
        def(U, "title", None, ReadWrite, false),
        def(U, "active", None, ReadWrite, false),
        def(U, "emails", None, ReadWrite, false),
        def(U, "emails", Some("value"), ReadWrite, false),
        def(U, "emails", Some("type"), ReadWrite, false),
        def(U, "emails", Some("primary"), ReadWrite, false),
        def(U, "phoneNumbers", None, ReadWrite, false),
        def(U, "phoneNumbers", Some("value"), ReadWrite, false),
        def(U, "phoneNumbers", Some("type"), ReadWrite, false),
        def(U, "phoneNumbers", Some("primary"), ReadWrite, false),
        def(U, "groups", None, ReadOnly, false),
        def(U, "groups", Some("value"), ReadOnly, false),
        def(U, "groups", Some("$ref"), ReadOnly, false),
        def(U, "groups", Some("display"), ReadOnly, false),
        def(E, "employeeNumber", None, ReadWrite, false),
        def(E, "department", None, ReadWrite, false),
        def(E, "organization", None, ReadWrite, false),
        def(E, "manager", None, ReadWrite, false),
        def(E, "manager", Some("value"), ReadWrite, false),
        def(E, "manager", Some("$ref"), ReadOnly, false),
        def(E, "manager", Some("displayName"), ReadOnly, false),
        def(Z, "schools", None, ReadWrite, false),
        def(Z, "primarySchool", None, ReadWrite, false),
        def(Z, "position", None, ReadWrite, false),
        def(Z, "login", None, ReadOnly, false),
        def(Z, "accountState", None, ReadOnly, false),
        // Asks for an account (the panel's "to hand over" list); never creates credentials.
        def(Z, "accountRequested", None, ReadWrite, false),
    ]
);

pub static GROUP_ATTRS: [AttrDef; 15] = with_common_attrs!(
    G,
    [
        def(G, "displayName", None, ReadWrite, false),
        def(G, "members", None, ReadWrite, false),
        def(G, "members", Some("value"), Immutable, false),
        def(G, "members", Some("$ref"), Immutable, false),
        def(G, "members", Some("display"), ReadOnly, false),
        def(G, "members", Some("type"), Immutable, false),
        // Set at creation (or implied by a single-school client), never changed: a group
        // does not move between schools.
        def(ZG, "school", None, Immutable, false),
    ]
);

pub const USER_SCHEMAS: [&str; 3] = [USER_SCHEMA, ENTERPRISE_SCHEMA, ZSZO_SCHEMA];
pub const GROUP_SCHEMAS: [&str; 2] = [GROUP_SCHEMA, ZSZO_GROUP_SCHEMA];

/// Group schema URNs older clients put in `schemas` that carry nothing we store: Entra's
/// documented Create Group names the ADSCIM group schema (in both spellings seen in the wild).
/// Accepted in `schemas` and as an (ignored) extension object; never advertised.
pub const LEGACY_GROUP_SCHEMAS: [&str; 2] = [
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
    "urn:ietf:params:scim:schemas:extension:ADSCIM/2.0/Group",
];

/// Whether `urn` is one of [`LEGACY_GROUP_SCHEMAS`] (case-insensitive).
pub fn is_legacy_group_schema(urn: &str) -> bool {
    LEGACY_GROUP_SCHEMAS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(urn))
}

/// Standard RFC 7643 §4.1/§4.3 User attributes the directory has no place for. A request may
/// carry them (Entra's and Okta's documented bodies do: `roles: []`, `locale`,
/// `name.middleName`, `emails[].display` …); they are accepted and ignored on every write path
/// (POST, PUT, PATCH, Bulk), and never read back. `(schema, name, sub)`; a `None` sub covers
/// the attribute with all its sub-attributes. README "Attributes accepted and ignored" lists
/// the same entries.
pub static IGNORED_USER_ATTRS: [(&str, &str, Option<&str>); 19] = [
    (U, "nickName", None),
    (U, "profileUrl", None),
    (U, "userType", None),
    (U, "preferredLanguage", None),
    (U, "locale", None),
    (U, "timezone", None),
    (U, "addresses", None),
    (U, "ims", None),
    (U, "photos", None),
    (U, "roles", None),
    (U, "entitlements", None),
    (U, "x509Certificates", None),
    (U, "name", Some("middleName")),
    (U, "name", Some("honorificPrefix")),
    (U, "name", Some("honorificSuffix")),
    (U, "emails", Some("display")),
    (U, "phoneNumbers", Some("display")),
    (E, "costCenter", None),
    (E, "division", None),
];

/// Whether `path` names an attribute of [`IGNORED_USER_ATTRS`] (an unqualified name is looked
/// up in every user schema, as [`resolve`] does).
pub fn is_ignored_user_attr(path: &AttrPath) -> bool {
    let schema = match &path.urn {
        Some(urn) => match known_schema(&USER_SCHEMAS, urn) {
            Some(s) => Some(s),
            None => return false,
        },
        None => None,
    };
    IGNORED_USER_ATTRS.iter().any(|(s, name, sub)| {
        schema.is_none_or(|x| x == *s)
            && name.eq_ignore_ascii_case(&path.name)
            && match (sub, &path.sub) {
                (None, _) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (Some(_), None) => false,
            }
    })
}

/// Whether the sub-attribute `sub` of `parent` is one of [`IGNORED_USER_ATTRS`].
pub fn is_ignored_user_sub(parent: &AttrDef, sub: &str) -> bool {
    IGNORED_USER_ATTRS.iter().any(|(s, name, isub)| {
        *s == parent.schema
            && *name == parent.name
            && isub.is_some_and(|x| x.eq_ignore_ascii_case(sub))
    })
}

/// Why a path did not resolve; the caller picks the `scimType` (invalidFilter, invalidPath …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAttribute(pub String);

/// The canonical spelling of a schema URN the resource type knows, matched case-insensitively.
pub fn known_schema(schemas: &[&'static str], urn: &str) -> Option<&'static str> {
    schemas
        .iter()
        .copied()
        .find(|s| s.eq_ignore_ascii_case(urn))
}

/// Resolves `path` against `table`. An unqualified name is looked up in the core schema first,
/// then in the extensions (where names are unique).
pub fn resolve(
    table: &'static [AttrDef],
    schemas: &[&'static str],
    path: &AttrPath,
) -> Result<&'static AttrDef, UnknownAttribute> {
    let unknown = || UnknownAttribute(path.to_string());
    let schema = match &path.urn {
        Some(urn) => Some(known_schema(schemas, urn).ok_or_else(unknown)?),
        None => None,
    };
    let matches = |d: &&AttrDef| {
        d.name.eq_ignore_ascii_case(&path.name)
            && match (&path.sub, d.sub) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    };
    let mut candidates = table
        .iter()
        .filter(|d| schema.is_none_or(|s| d.schema == s))
        .filter(matches);
    let first = candidates.next().ok_or_else(unknown)?;
    Ok(first)
}

/// [`resolve`] for a sub-attribute name inside a multi-valued attribute's value filter or
/// value object (e.g. `type` inside `emails[…]`).
pub fn resolve_sub(
    table: &'static [AttrDef],
    parent: &AttrDef,
    sub: &str,
) -> Result<&'static AttrDef, UnknownAttribute> {
    table
        .iter()
        .find(|d| {
            d.schema == parent.schema
                && d.name == parent.name
                && d.sub.is_some_and(|s| s.eq_ignore_ascii_case(sub))
        })
        .ok_or_else(|| UnknownAttribute(format!("{}.{sub}", parent.display())))
}

/// Parses an attribute name as used in keys, `attributes=` and paths.
pub fn parse_name(raw: &str) -> Result<AttrPath, UnknownAttribute> {
    super::syntax::parse_attr_path(raw.trim()).ok_or_else(|| UnknownAttribute(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(raw: &str) -> Option<&'static AttrDef> {
        resolve(&USER_ATTRS, &USER_SCHEMAS, &parse_name(raw).ok()?).ok()
    }

    #[test]
    fn names_resolve_case_insensitively_with_or_without_urn() {
        let table = [
            ("userName", U, "userName", None),
            ("USERNAME", U, "userName", None),
            ("name.givenName", U, "name", Some("givenName")),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
                U,
                "name",
                Some("familyName"),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                E,
                "employeeNumber",
                None,
            ),
            ("employeeNumber", E, "employeeNumber", None),
            (
                "URN:ZSZO:PARAMS:SCIM:SCHEMAS:EXTENSION:ZSZO:2.0:USER:primaryschool",
                Z,
                "primarySchool",
                None,
            ),
            ("emails.value", U, "emails", Some("value")),
            ("meta.lastModified", U, "meta", Some("lastModified")),
        ];
        for (raw, schema, name, sub) in table {
            let d = user(raw).unwrap_or_else(|| panic!("{raw} did not resolve"));
            assert_eq!((d.schema, d.name, d.sub), (schema, name, sub), "{raw}");
        }
    }

    #[test]
    fn unsupported_or_misqualified_names_do_not_resolve() {
        for raw in [
            "nickName",
            "password",
            "addresses.locality",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName",
            "urn:example:User:userName",
            "name.middleName",
        ] {
            assert!(user(raw).is_none(), "{raw} must not resolve");
        }
    }

    #[test]
    fn the_group_school_resolves_qualified_or_not_and_is_immutable() {
        for raw in [
            "school",
            "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group:school",
            "URN:ZSZO:PARAMS:SCIM:SCHEMAS:EXTENSION:ZSZO:2.0:GROUP:SCHOOL",
        ] {
            let d = resolve(&GROUP_ATTRS, &GROUP_SCHEMAS, &parse_name(raw).unwrap())
                .unwrap_or_else(|_| panic!("{raw} did not resolve"));
            assert_eq!((d.schema, d.name, d.mutability), (ZG, "school", Immutable));
            assert_eq!(
                d.display(),
                "urn:zszo:params:scim:schemas:extension:zszo:2.0:Group:school"
            );
        }
        let user_ext = parse_name("urn:zszo:params:scim:schemas:extension:zszo:2.0:User:schools");
        assert!(resolve(&GROUP_ATTRS, &GROUP_SCHEMAS, &user_ext.unwrap()).is_err());
    }

    #[test]
    fn sub_attributes_resolve_within_their_parent() {
        let emails = user("emails").unwrap();
        assert!(resolve_sub(&USER_ATTRS, emails, "TYPE")
            .unwrap()
            .is("emails", Some("type")));
        assert!(resolve_sub(&USER_ATTRS, emails, "familyName").is_err());
    }
}
