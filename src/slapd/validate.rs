//! The checks on what `prepare` writes into LDIF and slapd's configuration unescaped (the
//! base DN, a replication peer and its password, paths): anything unusual is refused before
//! a file is written, so no value can inject an attribute or a directive.

use super::{Replication, SlapdError};
use std::path::Path;

/// The base DN must be plain `dc=`/`o=`/`ou=` RDNs of ASCII letters, digits and `-`, starting
/// with `dc=` (the base entry is a dcObject). Nothing else is allowed into the LDIF we write.
pub(super) fn validate_base_dn(base: &str) -> Result<(), SlapdError> {
    let bad = |why: &str| SlapdError::InvalidSpec(format!("base DN {base:?}: {why}"));
    if base.is_empty() {
        return Err(bad("is empty"));
    }
    for (i, rdn) in base.split(',').enumerate() {
        let (attr, value) = rdn.split_once('=').ok_or_else(|| bad("an RDN lacks '='"))?;
        let attr = attr.to_ascii_lowercase();
        if i == 0 && attr != "dc" {
            return Err(bad("must start with dc="));
        }
        if !matches!(attr.as_str(), "dc" | "o" | "ou" | "c" | "l") {
            return Err(bad("RDNs may only use dc, o, ou, c or l"));
        }
        if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(bad(
                "RDN values may only hold ASCII letters, digits and '-'",
            ));
        }
    }
    Ok(())
}

/// The peer URL and the rootdn password go into an `olcSyncrepl` value between quotes.
pub(super) fn validate_replication(r: &Replication, root_password: &str) -> Result<(), SlapdError> {
    if !(1..=4095).contains(&r.server_id) {
        return Err(SlapdError::InvalidSpec(format!(
            "server id {} must be 1..=4095",
            r.server_id
        )));
    }
    let url_ok = r.peer_url.starts_with("ldap://")
        && r.peer_url
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(c));
    if !url_ok {
        return Err(SlapdError::InvalidSpec(format!(
            "peer URL {:?} must be ldap://host:port/ (letters, digits, ':', '/', '.', '-')",
            r.peer_url
        )));
    }
    if root_password.is_empty()
        || root_password
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return Err(SlapdError::InvalidSpec(
            "a replicated provider's admin password may not hold '\"', '\\' or control characters"
                .into(),
        ));
    }
    Ok(())
}

/// Paths go into `file://` URLs and config values unescaped: keep them boring.
pub(super) fn validate_path(what: &str, path: &Path) -> Result<(), SlapdError> {
    let s = path.to_str().ok_or_else(|| {
        SlapdError::InvalidSpec(format!("{what} {} is not UTF-8", path.display()))
    })?;
    if !s.starts_with('/')
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@".contains(c))
    {
        return Err(SlapdError::InvalidSpec(format!(
            "{what} {s:?} must be an absolute path of ASCII letters, digits and /._-+@"
        )));
    }
    Ok(())
}
