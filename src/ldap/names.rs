//! DNs and search filters: THE one place where they are built.
//!
//! Invariant: every value that ends up in a DN passes through [`escape_dn_value`] (RFC 4514
//! §2.4) and every value that ends up in a filter passes through [`escape_filter_value`]
//! (RFC 4515 §3). No other module concatenates DN or filter strings; they call [`Layout`] and
//! [`Filter`]. Attribute names in filters are `&'static str`, so no outside input can choose them.

use crate::domain::{LoginName, SchoolCode, SsoClientName};
use crate::ports::AdminRole;
use std::borrow::Cow;
use std::fmt;

/// The subschema subentry slapd publishes (RFC 4512 §4.2); read by the schema check.
pub const SUBSCHEMA_DN: &str = "cn=Subschema";

/// Escapes one RDN attribute value per RFC 4514 §2.4: `"` `+` `,` `;` `<` `>` `\` and NUL
/// always, a leading space or `#`, and a trailing space, each as `\` + two hex digits (the
/// `hexpair` form of §2.4). `ldap3::dn_escape` does exactly this, and also escapes `=`, which
/// §2.4 permits ("other characters may be escaped").
pub fn escape_dn_value(value: &str) -> Cow<'_, str> {
    ldap3::dn_escape(value)
}

/// Escapes one assertion value per RFC 4515 §3: `*` `(` `)` `\` and NUL become `\2a` `\28`
/// `\29` `\5c` `\00`. `ldap3::ldap_escape` escapes exactly this set and nothing else.
pub fn escape_filter_value(value: &str) -> Cow<'_, str> {
    ldap3::ldap_escape(value)
}

/// The default `eduPersonPrincipalName` scope from the base DN's `dc` components:
/// `dc=zszo,dc=krakow,dc=pl` → `zszo.krakow.pl`. `None` when the base has no `dc`.
pub fn eppn_scope_from_base(base_dn: &str) -> Option<String> {
    let parts: Vec<&str> = base_dn
        .split(',')
        .filter_map(|rdn| {
            let (attr, value) = rdn.split_once('=')?;
            attr.trim()
                .eq_ignore_ascii_case("dc")
                .then_some(value.trim())
        })
        .filter(|v| !v.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(".").to_ascii_lowercase())
}

/// A comparison key for a DN as slapd may print it: escapes undone (`\2C` and `\,` alike),
/// spaces around separators dropped, lower-cased. Two spellings of one DN give one key; it is
/// a map key only, never sent back to slapd.
pub fn dn_key(dn: &str) -> String {
    let mut bytes = Vec::with_capacity(dn.len());
    let raw = dn.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'\\' && i + 1 < raw.len() {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => {
                    bytes.push(v);
                    i += 3;
                }
                None => {
                    bytes.push(raw[i + 1]);
                    i += 2;
                }
            }
            continue;
        }
        bytes.push(b);
        i += 1;
    }
    let text = String::from_utf8_lossy(&bytes).to_lowercase();
    // One string for the result, not one per RDN (issue 17: a PATCH compares two DNs).
    let mut key = String::with_capacity(text.len());
    for (n, rdn) in text.split(',').enumerate() {
        if n > 0 {
            key.push(',');
        }
        match rdn.split_once('=') {
            Some((a, v)) => {
                key.push_str(a.trim());
                key.push('=');
                key.push_str(v.trim());
            }
            None => key.push_str(rdn.trim()),
        }
    }
    key
}

/// The fixed directory tree under a configurable base DN.
///
/// ```text
/// <base>
/// ├── ou=system                      (operator's: service identity, system admins group)
/// └── ou=placowki
///     └── ou=<code>                  (organizationalUnit + zszoSchool)
///         ├── ou=pracownicy          (people: uid=<login>)
///         └── ou=grupy
///             └── cn=administratorzy-lokalni
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    base: String,
}

impl Layout {
    /// The base DN comes from configuration (trusted, already a DN); it is only trimmed.
    pub fn new(base_dn: &str) -> Result<Self, String> {
        let base = base_dn.trim();
        if base.is_empty() || !base.contains('=') {
            return Err(format!("the base DN {base_dn:?} is not a DN"));
        }
        Ok(Self {
            base: base.to_owned(),
        })
    }

    pub fn base_dn(&self) -> &str {
        &self.base
    }

    pub fn system_dn(&self) -> String {
        format!("ou=system,{}", self.base)
    }

    pub fn system_admins_dn(&self) -> String {
        format!("cn=administratorzy-systemu,{}", self.system_dn())
    }

    /// The SSO service accounts' container (schemas/ldap/README.md).
    pub fn sso_dn(&self) -> String {
        format!("ou=sso,{}", self.system_dn())
    }

    pub fn sso_client_dn(&self, name: &SsoClientName) -> String {
        format!("cn={},{}", escape_dn_value(name.as_str()), self.sso_dn())
    }

    pub fn schools_dn(&self) -> String {
        format!("ou=placowki,{}", self.base)
    }

    pub fn school_dn(&self, code: &SchoolCode) -> String {
        format!(
            "ou={},{}",
            escape_dn_value(code.as_str()),
            self.schools_dn()
        )
    }

    pub fn people_dn(&self, code: &SchoolCode) -> String {
        format!("ou=pracownicy,{}", self.school_dn(code))
    }

    pub fn groups_dn(&self, code: &SchoolCode) -> String {
        format!("ou=grupy,{}", self.school_dn(code))
    }

    /// A group of a school: `cn=<name>,ou=grupy,ou=<code>,…`.
    pub fn group_dn(&self, code: &SchoolCode, name: &str) -> String {
        format!("{},{}", group_rdn(name), self.groups_dn(code))
    }

    pub fn local_admins_dn(&self, code: &SchoolCode) -> String {
        format!("cn=administratorzy-lokalni,{}", self.groups_dn(code))
    }

    pub fn person_dn(&self, primary: &SchoolCode, login: &LoginName) -> String {
        format!("{},{}", person_rdn(login), self.people_dn(primary))
    }

    /// The group whose `member` values hold the role.
    pub fn role_group_dn(&self, role: &AdminRole) -> String {
        match role {
            AdminRole::LocalAdministrator(code) => self.local_admins_dn(code),
            AdminRole::SystemAdministrator => self.system_admins_dn(),
        }
    }

    /// The role whose group `dn` is (exactly [`Self::role_group_dn`] of it, compared
    /// case-insensitively); `None` for any other DN.
    pub fn role_of_group(&self, dn: &str) -> Option<AdminRole> {
        if dn.eq_ignore_ascii_case(&self.system_admins_dn()) {
            return Some(AdminRole::SystemAdministrator);
        }
        const LOCAL: &str = "cn=administratorzy-lokalni,ou=grupy,ou=";
        let head = dn.get(..LOCAL.len())?;
        let (code, parent) = match head.eq_ignore_ascii_case(LOCAL) {
            true => dn[LOCAL.len()..].split_once(',')?,
            false => return None,
        };
        let school = SchoolCode::parse(code).ok()?;
        (parent.eq_ignore_ascii_case(&self.schools_dn())
            && self.local_admins_dn(&school).eq_ignore_ascii_case(dn))
        .then_some(AdminRole::LocalAdministrator(school))
    }
}

/// The RDN of a group: `cn=<escaped name>`.
pub fn group_rdn(name: &str) -> String {
    format!("cn={}", escape_dn_value(name))
}

/// The RDN of a person: `uid=<escaped login>`.
pub fn person_rdn(login: &LoginName) -> String {
    format!("uid={}", escape_dn_value(login.as_str()))
}

/// A search filter (RFC 4515) as a tree; rendered with every value escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `(attr=value)`
    Eq(&'static str, String),
    /// `(attr>=value)`
    Ge(&'static str, String),
    /// `(attr<=value)`
    Le(&'static str, String),
    /// `(attr=*)`
    Present(&'static str),
    /// `(attr=initial*any*…*final)`; at least one part should be given.
    Substring {
        attr: &'static str,
        initial: Option<String>,
        any: Vec<String>,
        last: Option<String>,
    },
    /// `(&…)`; empty renders as the absolute true filter `(&)` (RFC 4526).
    And(Vec<Filter>),
    /// `(|…)`; empty renders as the absolute false filter `(|)` (RFC 4526).
    Or(Vec<Filter>),
    Not(Box<Filter>),
}

impl Filter {
    pub fn eq(attr: &'static str, value: impl Into<String>) -> Self {
        Filter::Eq(attr, value.into())
    }

    pub fn present(attr: &'static str) -> Self {
        Filter::Present(attr)
    }

    pub fn object_class(class: &'static str) -> Self {
        Filter::Eq("objectClass", class.to_owned())
    }

    /// `(attr=*value*)`
    pub fn contains(attr: &'static str, value: impl Into<String>) -> Self {
        Filter::Substring {
            attr,
            initial: None,
            any: vec![value.into()],
            last: None,
        }
    }

    /// `(attr=value*)`
    pub fn starts_with(attr: &'static str, value: impl Into<String>) -> Self {
        Filter::Substring {
            attr,
            initial: Some(value.into()),
            any: Vec::new(),
            last: None,
        }
    }

    /// `(attr=*value)`
    pub fn ends_with(attr: &'static str, value: impl Into<String>) -> Self {
        Filter::Substring {
            attr,
            initial: None,
            any: Vec::new(),
            last: Some(value.into()),
        }
    }

    /// The absolute false filter `(|)`: matches nothing.
    pub fn none() -> Self {
        Filter::Or(Vec::new())
    }

    pub fn and(parts: impl IntoIterator<Item = Filter>) -> Self {
        Filter::And(parts.into_iter().collect())
    }

    pub fn or(parts: impl IntoIterator<Item = Filter>) -> Self {
        Filter::Or(parts.into_iter().collect())
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(inner: Filter) -> Self {
        Filter::Not(Box::new(inner))
    }

    /// The RFC 4515 string form.
    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Eq(attr, value) => write!(f, "({attr}={})", escape_filter_value(value)),
            Filter::Ge(attr, value) => write!(f, "({attr}>={})", escape_filter_value(value)),
            Filter::Le(attr, value) => write!(f, "({attr}<={})", escape_filter_value(value)),
            Filter::Present(attr) => write!(f, "({attr}=*)"),
            Filter::Substring {
                attr,
                initial,
                any,
                last,
            } => {
                // RFC 4515 §3: substring = attr EQUALS [initial] any [final]; any = ASTERISK *(assertionvalue ASTERISK)
                write!(f, "({attr}=")?;
                if let Some(initial) = initial {
                    f.write_str(&escape_filter_value(initial))?;
                }
                f.write_str("*")?;
                for part in any.iter().filter(|p| !p.is_empty()) {
                    write!(f, "{}*", escape_filter_value(part))?;
                }
                if let Some(last) = last {
                    f.write_str(&escape_filter_value(last))?;
                }
                f.write_str(")")
            }
            Filter::And(parts) => {
                f.write_str("(&")?;
                for p in parts {
                    write!(f, "{p}")?;
                }
                f.write_str(")")
            }
            Filter::Or(parts) => {
                f.write_str("(|")?;
                for p in parts {
                    write!(f, "{p}")?;
                }
                f.write_str(")")
            }
            Filter::Not(inner) => write!(f, "(!{inner})"),
        }
    }
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
