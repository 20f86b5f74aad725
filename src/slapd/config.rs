//! The generated `cn=config` LDIF, one function per part, concatenated by [`config_ldif`].
//!
//! Every value interpolated here was validated by [`super::validate_spec`] (base DN, paths) or
//! produced by us (argon2 hashes), so no LDIF escaping is needed.

use std::path::Path;

/// Where Debian's `slapd` package puts modules and stock schemas.
pub const MODULE_PATH: &str = "/usr/lib/ldap";
pub const STOCK_SCHEMA_DIR: &str = "/etc/ldap/schema";
/// Stock schemas we need, in load order (inetorgperson needs cosine, which needs core).
pub const STOCK_SCHEMAS: [&str; 3] = ["core", "cosine", "inetorgperson"];
/// 4 GiB of address space; back-mdb grows the file only as data is written.
pub const MDB_MAX_SIZE: u64 = 4 * 1024 * 1024 * 1024;

/// Everything the config needs; all strings are already validated.
pub struct ConfigInput<'a> {
    pub data_dir: &'a Path,
    pub base_dn: &'a str,
    pub schema_files: &'a [std::path::PathBuf],
    /// `{ARGON2}$argon2id$…` for the rootdn.
    pub root_pw: &'a str,
}

pub fn service_dn(base: &str) -> String {
    format!("cn=zszo-connector,ou=system,{base}")
}

pub fn admin_dn(base: &str) -> String {
    format!("cn=admin,{base}")
}

pub fn system_admins_dn(base: &str) -> String {
    format!("cn=administratorzy-systemu,ou=system,{base}")
}

pub fn ppolicy_dn(base: &str) -> String {
    format!("cn=ppolicy-default,ou=system,{base}")
}

pub fn schools_dn(base: &str) -> String {
    format!("ou=placowki,{base}")
}

pub fn system_dn(base: &str) -> String {
    format!("ou=system,{base}")
}

/// The whole config LDIF for `slapadd -n0`.
pub fn config_ldif(input: &ConfigInput<'_>) -> String {
    [
        global(input),
        modules(),
        schemas(input.schema_files),
        frontend(),
        config_database(),
        mdb_database(input),
        overlay_ppolicy(input.base_dn),
        overlay_unique(input.base_dn),
        overlay_memberof(),
        overlay_refint(),
    ]
    .join("\n")
}

fn global(input: &ConfigInput<'_>) -> String {
    let dir = input.data_dir.display();
    format!(
        "dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {dir}/slapd.pid
olcArgsFile: {dir}/slapd.args
olcLogLevel: none
olcToolThreads: 1
"
    )
}

/// `argon2` with the OWASP/ASVS floor (m=19456 KiB, t=2, p=1), so that even hashes slapd makes
/// itself (Password Modify with `olcPasswordHash {ARGON2}`) meet HASH-01/HASH-03.
fn modules() -> String {
    format!(
        "dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: {MODULE_PATH}
olcModuleLoad: back_mdb
olcModuleLoad: argon2 m=19456 t=2 p=1
olcModuleLoad: ppolicy
olcModuleLoad: unique
olcModuleLoad: memberof
olcModuleLoad: refint
"
    )
}

fn schemas(extra: &[std::path::PathBuf]) -> String {
    let mut out = String::from(
        "dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema
",
    );
    for name in STOCK_SCHEMAS {
        out.push_str(&format!(
            "\ninclude: file://{STOCK_SCHEMA_DIR}/{name}.ldif\n"
        ));
    }
    for file in extra {
        out.push_str(&format!("\ninclude: file://{}\n", file.display()));
    }
    out
}

/// Global defaults. Anonymous clients may only bind: not even the root DSE or the subschema
/// are readable without authentication. `allow bind_anon_dn` is never set (LDAP-03).
fn frontend() -> String {
    "dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcPasswordHash: {ARGON2}
olcAccess: {0}to dn.base=\"\" by users read by * none
olcAccess: {1}to dn.base=\"cn=Subschema\" by users read by * none
olcAccess: {2}to * by * none
"
    .to_owned()
}

/// No rootdn and no access: `cn=config` cannot be changed over the wire at all; operators
/// change it offline (`slapmodify -n0`) or by regenerating it.
fn config_database() -> String {
    "dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none
"
    .to_owned()
}

fn mdb_database(input: &ConfigInput<'_>) -> String {
    let base = input.base_dn;
    let db_dir = input.data_dir.join("db");
    let mut out = format!(
        "dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcDbDirectory: {db}
olcSuffix: {base}
olcRootDN: {root}
olcRootPW: {pw}
olcDbMaxSize: {MDB_MAX_SIZE}
olcLastMod: TRUE
olcLimits: dn.exact=\"{svc}\" size=unlimited time=unlimited
",
        db = db_dir.display(),
        root = admin_dn(base),
        pw = input.root_pw,
        svc = service_dn(base),
    );
    for index in indexes() {
        out.push_str(&format!("olcDbIndex: {index}\n"));
    }
    for (i, acl) in acls(base).iter().enumerate() {
        out.push_str(&format!("olcAccess: {{{i}}}{acl}\n"));
    }
    out
}

/// `olcDbIndex` values: every attribute the daemon filters on.
pub fn indexes() -> Vec<&'static str> {
    vec![
        "objectClass eq",
        // `sub` too: login allocation searches `(uid=<base>*)` (the namesakes' logins); with
        // `eq` only slapd tests every person under ou=placowki (BENCHMARKS.md).
        "uid eq,sub",
        "mail eq",
        "entryUUID eq",
        "employeeNumber eq",
        "zszoSchoolCode eq",
        "zszoPrimarySchoolCode eq",
        "zszoExternalId eq",
        "zszoExternalUserName eq",
        "zszoAccountState eq",
        "zszoAccountRequestedAt pres",
        "member eq",
        "manager eq",
        "cn eq,sub",
        "sn eq,sub",
        "givenName eq,sub",
        "displayName eq,sub",
        "zszoSearchName eq,sub",
    ]
}

/// Least privilege (security.md LDAP-04). First match wins; the last rule denies everything.
pub fn acls(base: &str) -> Vec<String> {
    let svc = service_dn(base);
    let schools = schools_dn(base);
    let system = system_dn(base);
    let sysadmins = system_admins_dn(base);
    vec![
        // Passwords: the owner may change it, anonymous may only bind with it, the service
        // sets initial passwords; nobody else (not even other users) may read the hash.
        format!(
            "to attrs=userPassword by self write by dn.exact=\"{svc}\" write \
             by anonymous auth by * none"
        ),
        // The ppolicy state the service drives: forced change, expiry, lock.
        format!(
            "to dn.subtree=\"{schools}\" \
             attrs=pwdReset,pwdEndTime,pwdAccountLockedTime \
             by dn.exact=\"{svc}\" write by self read by * none"
        ),
        // The rest of the ppolicy bookkeeping: readable by the service and the owner only.
        format!(
            "to dn.subtree=\"{schools}\" \
             attrs=pwdChangedTime,pwdFailureTime,pwdHistory,pwdGraceUseTime,pwdPolicySubentry,\
             pwdLastSuccess \
             by dn.exact=\"{svc}\" read by self read by * none"
        ),
        // Administrators' second factors: the service identity only (not even the owner).
        format!(
            "to dn.subtree=\"{schools}\" \
             attrs=zszoSecondFactorSecret,zszoSecondFactorRecovery,zszoSecondFactorLastStep \
             by dn.exact=\"{svc}\" write by * none"
        ),
        format!("to dn.subtree=\"{schools}\" by dn.exact=\"{svc}\" write by users read by * none"),
        // The service grants the system-administrator role (an audited action of the
        // connector); it can change nothing else under ou=system.
        format!("to dn.base=\"{sysadmins}\" attrs=member by dn.exact=\"{svc}\" write by * none"),
        format!("to dn.subtree=\"{system}\" by dn.exact=\"{svc}\" read by * none"),
        format!("to dn.base=\"{base}\" by users read by * none"),
        "to * by * none".to_owned(),
    ]
}

/// Password policy. `ppolicy_use_lockout` stays off: it tells clients an account is locked
/// (an account-existence signal, security.md RATE-02).
fn overlay_ppolicy(base: &str) -> String {
    format!(
        "dn: olcOverlay={{0}}ppolicy,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {{0}}ppolicy
olcPPolicyDefault: {policy}
olcPPolicyHashCleartext: TRUE
olcPPolicyUseLockout: FALSE
",
        policy = ppolicy_dn(base)
    )
}

/// The attributes that must be unique across all schools, each its own serialized domain.
/// `zszoExternalUserName` (SCIM userName) is compared with its caseIgnoreMatch, so the
/// uniqueness is case-insensitive, as SCIM clients expect.
pub const UNIQUE_ATTRIBUTES: [&str; 4] = ["uid", "mail", "zszoExternalId", "zszoExternalUserName"];

fn overlay_unique(base: &str) -> String {
    let schools = schools_dn(base);
    let mut out = "dn: olcOverlay={1}unique,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcUniqueConfig
olcOverlay: {1}unique
"
    .to_owned();
    for attr in UNIQUE_ATTRIBUTES {
        out.push_str(&format!(
            "olcUniqueURI: serialize ldap:///{schools}?{attr}?sub\n"
        ));
    }
    out
}

fn overlay_memberof() -> String {
    "dn: olcOverlay={2}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {2}memberof
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
olcMemberOfRefInt: TRUE
"
    .to_owned()
}

/// When a person is deleted or renamed, their `member` values (and the `manager` values
/// pointing at them) follow. A group whose last
/// member goes keeps the empty-DN placeholder (our convention for empty groups).
fn overlay_refint() -> String {
    "dn: olcOverlay={3}refint,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcRefintConfig
olcOverlay: {3}refint
olcRefintAttribute: member
olcRefintAttribute: manager
"
    .to_owned()
}
