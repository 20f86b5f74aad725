//! The initial directory content loaded with `slapadd -n1`: the base entry, `ou=system` with
//! the service identity, the system-administrators group and the default password policy,
//! and the empty `ou=placowki`. Schools and people are created by the daemon.

use super::config::{ppolicy_dn, schools_dn, service_dn, sso_dn, system_admins_dn, system_dn};

/// `service_pw` is the `{ARGON2}` value for the service identity's `userPassword`.
pub fn initial_data_ldif(base: &str, service_pw: &str) -> String {
    [
        base_entry(base),
        system_ou(base),
        service_identity(base, service_pw),
        system_admins(base),
        default_policy(base),
        sso_ou(base),
        schools_ou(base),
    ]
    .join("\n")
}

/// One LDIF entry: its DN, then its `attributes` (`name: value` lines).
fn ldif_entry(dn: &str, attributes: &str) -> String {
    format!("dn: {dn}\n{attributes}")
}

fn base_entry(base: &str) -> String {
    // validate_spec guarantees the first RDN is `dc=<value>`.
    let first = base.split(',').next().unwrap_or_default();
    let dc = first.split_once('=').map(|(_, v)| v).unwrap_or_default();
    let attributes = format!(
        "objectClass: top
objectClass: dcObject
objectClass: organization
dc: {dc}
o: {dc}
description: ZSZO: accounts of the municipal schools of Krakow
"
    );
    ldif_entry(base, &attributes)
}

fn system_ou(base: &str) -> String {
    ldif_entry(
        &system_dn(base),
        "objectClass: organizationalUnit
ou: system
description: Service identities, city-wide groups and policies
",
    )
}

fn service_identity(base: &str, service_pw: &str) -> String {
    let attributes = format!(
        "objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: zszo-connector
description: The zszo-connector daemon (provisioning service identity)
userPassword: {service_pw}
"
    );
    ldif_entry(&service_dn(base), &attributes)
}

/// `member:` with an empty value is the zero-length DN: our convention for an empty group.
fn system_admins(base: &str) -> String {
    ldif_entry(
        &system_admins_dn(base),
        "objectClass: groupOfNames
cn: administratorzy-systemu
description: City-wide system administrators
member:
",
    )
}

/// The default policy (security.md HASH-03, RATE-02, section K). No `pwdMaxAge`: no periodic
/// expiry. `pwdCheckQuality: 0` because the daemon sends pre-hashed passwords; and since only
/// the daemon writes passwords (the ACL), `pwdAllowUserChange: FALSE` refuses a user's own
/// Password Modify a second time, so no password bypasses the daemon's policy.
fn default_policy(base: &str) -> String {
    ldif_entry(
        &ppolicy_dn(base),
        "objectClass: device
objectClass: pwdPolicy
cn: ppolicy-default
description: Default password policy for every account
pwdAttribute: userPassword
pwdMustChange: TRUE
pwdAllowUserChange: FALSE
pwdCheckQuality: 0
pwdLockout: TRUE
pwdMaxFailure: 10
pwdLockoutDuration: 900
pwdFailureCountInterval: 900
",
    )
}

/// The SSO service accounts (`zszo-connector sso-client`); the daemon also creates it when
/// missing (`Directory::ensure_layout`).
fn sso_ou(base: &str) -> String {
    ldif_entry(
        &sso_dn(base),
        "objectClass: organizationalUnit
ou: sso
description: Service accounts of the schools' single sign-on (read-only, scoped)
",
    )
}

fn schools_ou(base: &str) -> String {
    ldif_entry(
        &schools_dn(base),
        "objectClass: organizationalUnit
ou: placowki
description: One organizational unit per school
",
    )
}
