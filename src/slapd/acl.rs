//! The data database's access control (`olcAccess`), least privilege (security.md LDAP-04):
//! what the daemon's service identity, a person, an SSO service account and anyone else may
//! do below the base; documented rule by rule in schemas/ldap/README.md.

use super::config::{schools_dn, service_dn, sso_dn, system_admins_dn, system_dn};

/// What an SSO service account reads of a person of its schools, and what the person reads of
/// their own entry: the login, names, mail, eduPerson, school codes, groups (`memberOf`) and
/// whether the account may sign in (`zszoAccountState`, `zszoEmploymentActive`). `entry` is
/// the right to see the entry at all. Nothing of HR's (employee number, phones, externalId,
/// userName, manager) and nothing of the daemon's own bookkeeping is here.
pub const SSO_PERSON_ATTRIBUTES: [&str; 25] = [
    "entry",
    "objectClass",
    "entryUUID",
    "uid",
    "cn",
    "sn",
    "givenName",
    "displayName",
    "mail",
    "eduPersonAffiliation",
    "eduPersonPrimaryAffiliation",
    "eduPersonScopedAffiliation",
    "eduPersonPrincipalName",
    "eduPersonUniqueId",
    "eduPersonNickname",
    "eduPersonOrgDN",
    "eduPersonOrgUnitDN",
    "eduPersonPrimaryOrgUnitDN",
    "eduPersonEntitlement",
    "eduPersonAssurance",
    "zszoSchoolCode",
    "zszoPrimarySchoolCode",
    "memberOf",
    "zszoAccountState",
    "zszoEmploymentActive",
];

/// What a person reads of their own entry on top of [`SSO_PERSON_ATTRIBUTES`]: HR's data about
/// them. Everything not listed in either (the daemon's bookkeeping: `zszoExternal*`,
/// `zszoAccountCreated*`/`Requested*`, `zszoSearchName`, the ppolicy state, second-factor
/// secrets and any attribute added later) is readable by the service identity only.
pub const SELF_ONLY_PERSON_ATTRIBUTES: [&str; 11] = [
    "employeeNumber",
    "zszoHrMail",
    "title",
    "o",
    "ou",
    "departmentNumber",
    "telephoneNumber",
    "mobile",
    "homePhone",
    "facsimileTelephoneNumber",
    "manager",
];

/// What an SSO service account reads of a group of its schools (for `ldap-group` checks).
pub const SSO_GROUP_ATTRIBUTES: [&str; 6] = [
    "entry",
    "objectClass",
    "cn",
    "description",
    "member",
    "zszoSchoolCode",
];

/// The `by` clauses that let an SSO service account (an entry under `ou=sso,ou=system`) read
/// an entry under `ou=placowki`: city-wide accounts (`zszoSsoCityWide: TRUE`) everything the
/// rule lists, the others only entries whose `zszoSchoolCode` is one of their
/// `zszoSsoSchoolCode`. Both conditions of a clause must hold (the bound DN is an SSO account
/// and the set is not empty), so a person's own school codes never open anything.
fn sso_readers(base: &str) -> String {
    let sso = sso_dn(base);
    format!(
        "by dn.onelevel=\"{sso}\" set=\"user/zszoSsoCityWide & [TRUE]\" read \
         by dn.onelevel=\"{sso}\" set=\"this/zszoSchoolCode & user/zszoSsoSchoolCode\" read"
    )
}

/// The data database's `olcAccess` values, numbered in order (`{0}to …`), one
/// `olcAccess: …` line each: as `cn=config` is written and as an upgrade replaces them.
pub fn olc_access_lines(base: &str) -> String {
    acls(base)
        .iter()
        .enumerate()
        .map(|(i, acl)| format!("olcAccess: {{{i}}}{acl}\n"))
        .collect()
}

/// Least privilege (security.md LDAP-04). First match wins; the last rule denies everything.
/// The person's self-read is an allow-list, so attributes added later (e.g. second-factor
/// secrets) are the service identity's alone unless a rule here names them.
pub fn acls(base: &str) -> Vec<String> {
    let svc = service_dn(base);
    let schools = schools_dn(base);
    let system = system_dn(base);
    let sysadmins = system_admins_dn(base);
    let sso = sso_dn(base);
    let readers = sso_readers(base);
    let person = "filter=(objectClass=zszoPerson)";
    let group = "filter=(objectClass=groupOfNames)";
    vec![
        // Passwords: only the service writes them (the portal checks the current password by
        // a bind, then the service writes the new hash with the ppolicy state in one Modify),
        // so every password has passed the daemon's policy; anyone may bind with one; no one
        // reads a hash, the service included: `=w` is write without the read that the level
        // `write` implies (slapd.access(5)), since nothing the daemon does reads a hash, and
        // whoever took its identity would otherwise take every hash in the city with it.
        // `pwdHistory` holds former hashes (should a policy ever keep them): the same.
        // A user's own Password Modify is refused (ARCHITECTURE.md).
        format!(
            "to attrs=userPassword,pwdHistory \
             by dn.exact=\"{svc}\" =w by anonymous auth by * none"
        ),
        // The ppolicy bookkeeping the service only reads (NO-USER-MODIFICATION).
        format!(
            "to dn.subtree=\"{schools}\" \
             attrs=pwdChangedTime,pwdFailureTime,pwdGraceUseTime,pwdPolicySubentry,\
             pwdLastSuccess \
             by dn.exact=\"{svc}\" read by * none"
        ),
        // Administrators' second factors: the service identity only (not even the owner).
        format!(
            "to dn.subtree=\"{schools}\" \
             attrs=zszoSecondFactorSecret,zszoSecondFactorRecovery,zszoSecondFactorLastStep \
             by dn.exact=\"{svc}\" write by * none"
        ),
        // Everything else below ou=placowki is the service's to write. First, with `break` for
        // everyone else: the rules below test `filter=(objectClass=…)` on the entry for every
        // attribute they are asked about, and slapd spent a third of a name search's time in
        // those tests (class names looked up by `strncasecmp`) before reaching the service's
        // clause (issue 17). Others go on to the rules below, unchanged.
        format!("to dn.subtree=\"{schools}\" by dn.exact=\"{svc}\" write by * break"),
        // A person: what an SSO needs, for the person themself and the SSO accounts in scope.
        format!(
            "to dn.subtree=\"{schools}\" {person} attrs={attrs} \
             by dn.exact=\"{svc}\" write by self read {readers} by * none",
            attrs = SSO_PERSON_ATTRIBUTES.join(",")
        ),
        // HR's data about the person: the person themself, never an SSO.
        format!(
            "to dn.subtree=\"{schools}\" {person} attrs={attrs} \
             by dn.exact=\"{svc}\" write by self read by * none",
            attrs = SELF_ONLY_PERSON_ATTRIBUTES.join(",")
        ),
        // The groups of the SSO accounts' schools (role groups have no zszoSchoolCode).
        format!(
            "to dn.subtree=\"{schools}\" {group} attrs={attrs} \
             by dn.exact=\"{svc}\" write {readers} by * none",
            attrs = SSO_GROUP_ATTRIBUTES.join(",")
        ),
        // Any signed-in identity may search below ou=placowki (the search base needs it), but
        // sees no entry the rules above do not open to it.
        format!("to dn.subtree=\"{schools}\" attrs=entry by dn.exact=\"{svc}\" write by users search by * none"),
        format!("to dn.subtree=\"{schools}\" by dn.exact=\"{svc}\" write by * none"),
        // The service grants the system-administrator role (an audited action of the
        // connector); it can change nothing else under ou=system.
        format!("to dn.base=\"{sysadmins}\" attrs=member by dn.exact=\"{svc}\" write by * none"),
        // SSO service accounts: created and revoked by the service (`sso-client`); each reads
        // its own entry (its scope, for the sets above). Adding under ou=system needs write on
        // its `children` and on the new entry, which the service has only below ou=sso.
        format!("to dn.base=\"{system}\" attrs=children by dn.exact=\"{svc}\" write by * none"),
        format!("to dn.subtree=\"{sso}\" by dn.exact=\"{svc}\" write by self read by * none"),
        format!("to dn.subtree=\"{system}\" by dn.exact=\"{svc}\" read by * none"),
        format!("to dn.base=\"{base}\" by users read by * none"),
        "to * by * none".to_owned(),
    ]
}
