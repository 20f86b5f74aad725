//! The generated `cn=config` LDIF, one function per part, concatenated by [`config_ldif`].
//!
//! Every value interpolated here was validated by [`super::validate_spec`] (base DN, paths) or
//! produced by us (argon2 hashes), so no LDIF escaping is needed.

use std::path::Path;

pub use super::acl::{
    acls, olc_access_lines, SELF_ONLY_PERSON_ATTRIBUTES, SSO_GROUP_ATTRIBUTES,
    SSO_PERSON_ATTRIBUTES,
};

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
    /// `Some`: one provider of a multi-provider pair.
    pub replication: Option<&'a ReplicationInput<'a>>,
}

/// A provider's part of a multi-provider pair (validated by `validate_replication`).
pub struct ReplicationInput<'a> {
    pub server_id: u16,
    /// The `rid` of the `olcSyncrepl` from the peer (`Replication::peer_rid`).
    pub peer_rid: u16,
    pub peer_url: &'a str,
    /// The rootdn's clear-text password: syncrepl binds to the peer with it.
    pub root_password: &'a str,
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

/// The SSO service accounts' container.
pub fn sso_dn(base: &str) -> String {
    format!("ou=sso,ou=system,{base}")
}

/// The whole config LDIF for `slapadd -n0`.
pub fn config_ldif(input: &ConfigInput<'_>) -> String {
    let mut parts = vec![
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
    ];
    // syncprov on every directory, replicated or not: it keeps the database's contextCSN,
    // which tells the daemon whether a list it read is still the directory's (its page
    // cache, `ldap::page_cache`), and it is what a peer's syncrepl reads.
    parts.push(overlay_syncprov());
    if let Some(r) = input.replication {
        // A provider's own bookkeeping: the server id, its peer, multi-provider mode.
        parts[0].push_str(&format!("olcServerID: {}\n", r.server_id));
        parts[5].push_str(&syncrepl(input.base_dn, r));
    }
    parts.push(overlay_sssvlv(5));
    parts.join("\n")
}

/// `olcSyncrepl` from the peer, bound as the rootdn (it reads every attribute, operational
/// ones included, past the ACLs), refresh-and-persist, retried every second forever so that
/// a provider that comes back catches up by itself; then `olcMultiProvider: TRUE`.
fn syncrepl(base: &str, r: &ReplicationInput<'_>) -> String {
    format!(
        "olcSyncrepl: rid={rid:03} provider={url} bindmethod=simple binddn=\"{root}\" \
         credentials=\"{pw}\" searchbase=\"{base}\" scope=sub type=refreshAndPersist \
         retry=\"1 +\" timeout=3 network-timeout=3
olcMultiProvider: TRUE
olcDbIndex: entryCSN eq
",
        rid = r.peer_rid,
        url = r.peer_url,
        root = admin_dn(base),
        pw = r.root_password,
    )
}

/// Keeps the change state (`contextCSN`) the daemon's page cache and a peer's syncrepl read
/// (checkpoint every 100 writes or 5 minutes; a session log so that a short absence of a
/// peer is caught up without a full refresh).
fn overlay_syncprov() -> String {
    overlay(
        4,
        "syncprov",
        "olcSyncProvConfig",
        "olcSpCheckpoint: 100 5
olcSpSessionLog: 10000
",
    )
}

/// Overlay number `index` of the data database, named `name` with its config class `class`,
/// then its `settings` (`attribute: value` lines). The index stands in the DN and in
/// `olcOverlay`, which must agree.
fn overlay(index: usize, name: &str, class: &str, settings: &str) -> String {
    format!(
        "dn: olcOverlay={{{index}}}{name},olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: {class}
olcOverlay: {{{index}}}{name}
{settings}"
    )
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
olcModuleLoad: syncprov
olcModuleLoad: sssvlv
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

/// The data database. `olcDbEnvFlags: nordahead`: without it, on Linux 6.16+ ext4 caches the
/// file in large folios read ahead through slapd's map, and each page LMDB writes then costs a
/// walk over a whole folio (an add at 100,000 people: 3.5 ms instead of 0.4 ms without fsync;
/// schemas/ldap/README.md, "Database").
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
olcDbEnvFlags: nordahead
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
    out.push_str(&olc_access_lines(base));
    out
}

/// `olcDbIndex` values: every attribute the daemon filters on, equality only, except the one
/// folded name attribute every name search goes through (schemas/ldap/README.md gives the
/// filter each index serves). Substring indexes are what made an add slow at city scale: each
/// value adds a key per few characters to ID lists that grow with the city (BENCHMARKS.md,
/// "City-scale index design").
pub fn indexes() -> Vec<&'static str> {
    vec![
        "objectClass eq",
        // Login allocation probes candidates by equality (`(|(uid=a)(uid=a2)…)`), never `uid=a*`.
        "uid eq",
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
        "cn eq",
        "sn eq",
        "givenName eq",
        // Free text a SCIM client may send, not folded into zszoSearchName (which holds the
        // given and family names only): its substring searches keep their own index, whose
        // cost is paid only by the people who have a displayName.
        "displayName eq,sub",
        // The panel's name search and SCIM `sw`/`co`/`ew` on given and family names
        // (`ldap::render`: the folded test indexed, the exact assertion evaluated on it).
        // `subinitial,subany` only: the filters never have a final component on it.
        "zszoSearchName subinitial,subany",
    ]
}

/// Password policy. `ppolicy_use_lockout` stays off: it tells clients an account is locked
/// (an account-existence signal, security.md RATE-02).
fn overlay_ppolicy(base: &str) -> String {
    let settings = format!(
        "olcPPolicyDefault: {policy}
olcPPolicyHashCleartext: TRUE
olcPPolicyUseLockout: FALSE
",
        policy = ppolicy_dn(base)
    );
    overlay(0, "ppolicy", "olcPPolicyConfig", &settings)
}

/// The attributes that must be unique across all schools, each its own serialized domain.
/// `zszoExternalUserName` (SCIM userName) is compared with its caseIgnoreMatch, so the
/// uniqueness is case-insensitive, as SCIM clients expect.
pub const UNIQUE_ATTRIBUTES: [&str; 4] = ["uid", "mail", "zszoExternalId", "zszoExternalUserName"];

fn overlay_unique(base: &str) -> String {
    let schools = schools_dn(base);
    let settings: String = UNIQUE_ATTRIBUTES
        .iter()
        .map(|attr| format!("olcUniqueURI: serialize ldap:///{schools}?{attr}?sub\n"))
        .collect();
    overlay(1, "unique", "olcUniqueConfig", &settings)
}

/// How many sorted searches slapd holds at once, all clients together (`olcSssVlvMax`): a
/// daemon runs at most `ldap::SORTING_CONNECTIONS` (2), one per connection, and frees each
/// as soon as its page is sent; the rest is room for a second daemon and operators' tools.
pub const SSSVLV_MAX: u32 = 16;

/// Server-side sorting (RFC 2891) with simple paged results: a page of a search and its
/// total come back without the daemon reading every match (`ldap::sorted_pages`). Two sort
/// keys (the attribute, then `entryUUID`); two sorted searches per connection, as the daemon
/// runs one at a time on each of its sorting connections. Whatever slapd refuses (a limit
/// reached), the daemon pages from every match instead.
fn overlay_sssvlv(index: usize) -> String {
    let settings = format!(
        "olcSssVlvMax: {SSSVLV_MAX}
olcSssVlvMaxKeys: 2
olcSssVlvMaxPerConn: 2
"
    );
    overlay(index, "sssvlv", "olcSssVlvConfig", &settings)
}

fn overlay_memberof() -> String {
    overlay(
        2,
        "memberof",
        "olcMemberOf",
        "olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
olcMemberOfRefInt: TRUE
",
    )
}

/// When a person is deleted or renamed, their `member` values (and the `manager` values
/// pointing at them) follow. A group whose last
/// member goes keeps the empty-DN placeholder (our convention for empty groups).
fn overlay_refint() -> String {
    overlay(
        3,
        "refint",
        "olcRefintConfig",
        "olcRefintAttribute: member
olcRefintAttribute: manager
",
    )
}
