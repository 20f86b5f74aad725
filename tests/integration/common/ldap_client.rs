//! The harness's LDAP clients: the one bind helper ([`bind_at`]) and what is built on it —
//! connections bound as the test slapd's identities or any other, and searches as them.

use super::{ldap, BASE_DN};

/// The one bind helper: binds as `dn` with `password` on a fresh connection to the LDAP
/// server at `url` and returns the result code (0 = success) with the connection (bound or
/// not).
pub async fn bind_at(url: &str, dn: &str, password: &str) -> (u32, ldap3::Ldap) {
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    ldap3::drive!(conn);
    let rc = ldap
        .simple_bind(dn, password)
        .await
        .expect("bind request")
        .rc;
    (rc, ldap)
}

/// [`bind_at`] as the rootdn, or `None` when the server is gone before the bind is answered
/// (a test that kills it under load: a connection still binding then just stops).
pub async fn try_connect_admin_at(url: &str, admin_password: &str) -> Option<ldap3::Ldap> {
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(url).await.ok()?;
    ldap3::drive!(conn);
    let admin = zszo_connector::slapd::admin_dn(BASE_DN);
    let result = ldap.simple_bind(&admin, admin_password).await.ok()?;
    (result.rc == 0).then_some(ldap)
}

/// [`bind_at`] the test slapd.
pub async fn bind(dn: &str, password: &str) -> (u32, ldap3::Ldap) {
    bind_at(&ldap().url, dn, password).await
}

/// A connection to the server at `url` bound as `dn`; panics unless the bind succeeds.
pub async fn connect_at(url: &str, dn: &str, password: &str) -> ldap3::Ldap {
    let (rc, ldap) = bind_at(url, dn, password).await;
    assert_eq!(rc, 0, "bind as {dn} at {url}: result code {rc}");
    ldap
}

/// The rootdn of a private slapd at `url` (its admin password given).
pub async fn connect_admin_at(url: &str, admin_password: &str) -> ldap3::Ldap {
    let admin = zszo_connector::slapd::admin_dn(BASE_DN);
    connect_at(url, &admin, admin_password).await
}

/// [`bind`]'s result code only (the connection unbound).
pub async fn bind_rc(dn: &str, password: &str) -> u32 {
    let (rc, mut ldap) = bind(dn, password).await;
    let _ = ldap.unbind().await;
    rc
}

/// A connection bound as `bind_dn`; panics unless the bind succeeds.
pub async fn connect_as(bind_dn: &str, password: &str) -> ldap3::Ldap {
    connect_at(&ldap().url, bind_dn, password).await
}

/// Entries of the slapd at `url` under `base` matching `filter`, read as its rootdn.
pub async fn admin_search_at(
    url: &str,
    admin_password: &str,
    base: &str,
    scope: ldap3::Scope,
    filter: &str,
    attrs: &[&str],
) -> Vec<ldap3::SearchEntry> {
    let admin = zszo_connector::slapd::admin_dn(BASE_DN);
    search_at(url, (&admin, admin_password), base, scope, filter, attrs).await
}

/// Entries of the slapd at `url` under `base` matching `filter`, read as `who` (DN, password).
pub async fn search_at(
    url: &str,
    who: (&str, &str),
    base: &str,
    scope: ldap3::Scope,
    filter: &str,
    attrs: &[&str],
) -> Vec<ldap3::SearchEntry> {
    let mut ldap = connect_at(url, who.0, who.1).await;
    let (entries, _) = ldap
        .search(base, scope, filter, attrs.to_vec())
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = ldap.unbind().await;
    entries
        .into_iter()
        .map(ldap3::SearchEntry::construct)
        .collect()
}

/// A connection that has not bound (anonymous).
pub async fn connect_anonymous() -> ldap3::Ldap {
    let (conn, ldap) = ldap3::LdapConnAsync::new(&ldap().url)
        .await
        .expect("connect to the test slapd");
    ldap3::drive!(conn);
    ldap
}

/// A connection bound as the daemon's service identity.
pub async fn connect_service() -> ldap3::Ldap {
    let l = ldap();
    connect_as(&l.service_dn, &l.service_password).await
}

/// A connection bound as the rootdn (bypasses ACLs: use only to inspect or set up).
pub async fn connect_admin() -> ldap3::Ldap {
    let l = ldap();
    connect_as(&l.admin_dn, &l.admin_password).await
}
