//! Bringing a directory made by an earlier release up to this one's access rules, offline.
//!
//! [`prepare`](super::prepare) writes `cn=config` once, when it creates the data directory,
//! so a `dev` directory made before an access rule changed kept the old rule. Since issue
//! 17's ninth round the service identity may write password hashes but not read them, yet a
//! `var/dev` from before still let it read every hash (the daemon warned at start). `dev`
//! owns its slapd, so it replaces the data database's `olcAccess` with this release's rules
//! before each start ([`apply_access_rules`]). A city's directory is the operators' own: they
//! apply the rules as `schemas/ldap/README.md` says (the same `slapmodify -n0`), and
//! `check-config` refuses to pass until they have.

use super::acl::olc_access_lines;
use super::validate::validate_base_dn;
use super::{absolute, find_tool, io_err, run_tool, slapd_d, write_private, SlapdError, SlapdSpec};
use std::fs;
use std::process::Command;

/// The modification that sets the data database's access rules to this release's.
fn access_rules_ldif(base_dn: &str) -> String {
    let mut out =
        String::from("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nreplace: olcAccess\n");
    out.push_str(&olc_access_lines(base_dn));
    out.push_str("-\n");
    out
}

/// Replaces the access rules of the existing directory under `spec.data_dir` with this
/// release's (`slapmodify -n0`; slapd must not be running). The rules are set whole, so
/// running it on a directory that already has them changes nothing.
pub fn apply_access_rules(spec: &SlapdSpec) -> Result<(), SlapdError> {
    validate_base_dn(&spec.base_dn)?;
    let slapmodify = find_tool("slapmodify").ok_or(SlapdError::NotInstalled)?;
    let data_dir = absolute(&spec.data_dir)?;
    let config_dir = slapd_d(&data_dir);
    let ldif = data_dir.join("access-rules.ldif");
    write_private(&ldif, &access_rules_ldif(&spec.base_dn))?;
    let result = run_tool(
        "slapmodify -n0",
        Command::new(&slapmodify)
            .arg("-n0")
            .arg("-F")
            .arg(&config_dir)
            .arg("-l")
            .arg(&ldif),
    );
    fs::remove_file(&ldif).map_err(io_err("cannot remove", &ldif))?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slapd::acl::acls;

    #[test]
    fn the_modification_replaces_every_rule_in_order() {
        let ldif = access_rules_ldif("dc=zszo,dc=krakow,dc=pl");
        let rules: Vec<&str> = ldif
            .lines()
            .filter_map(|l| l.strip_prefix("olcAccess: "))
            .collect();
        assert_eq!(rules.len(), acls("dc=zszo,dc=krakow,dc=pl").len());
        for (i, rule) in rules.iter().enumerate() {
            assert!(rule.starts_with(&format!("{{{i}}}to ")), "{rule}");
        }
        assert!(ldif.starts_with("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\n"));
        assert!(ldif.ends_with("-\n"));
    }
}
