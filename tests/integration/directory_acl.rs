//! The generated ACLs on the real slapd (issue 13): a person reads only their own entry and
//! not the daemon's bookkeeping; a user cannot set their own password past the daemon's
//! policy; an SSO service account reads the SSO attributes of its schools' people and groups
//! and nothing of HR's; a person's own school codes open nothing.

use crate::common::{self, connect_admin, connect_as, connect_service};
use ldap3::{Ldap, Mod, Scope, SearchEntry};
use std::collections::{HashMap, HashSet};
use zszo_connector::slapd;

const INSUFFICIENT_ACCESS: u32 = 50;

fn set(values: &[&str]) -> HashSet<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// The HR and bookkeeping attributes no SSO may read.
const HR_ATTRIBUTES: [&str; 9] = [
    "employeeNumber",
    "telephoneNumber",
    "mobile",
    "homePhone",
    "zszoExternalId",
    "zszoExternalUserName",
    "manager",
    "zszoAccountRequestedAt",
    "zszoAccountRequestedBy",
];

/// A person as the daemon writes one, with HR data, bookkeeping and a password; returns the DN.
async fn add_person(code: &str, schools: &[&str], login: &str, password: &str) -> String {
    let dn = format!(
        "uid={},ou=pracownicy,{}",
        ldap3::dn_escape(login),
        common::school_dn(code)
    );
    let hash = slapd::argon2_userpassword(password).expect("hash");
    let mail = format!("{login}@example.org");
    let eppn = format!("{login}@zszo.krakow.pl");
    let ext = format!("hr-{login}");
    let attrs: Vec<(&str, Vec<&str>)> = vec![
        (
            "objectClass",
            vec!["inetOrgPerson", "zszoPerson", "eduPerson"],
        ),
        ("uid", vec![login]),
        ("cn", vec!["Anna Nowak"]),
        ("sn", vec!["Nowak"]),
        ("givenName", vec!["Anna"]),
        ("mail", vec![&mail]),
        ("eduPersonPrincipalName", vec![&eppn]),
        ("eduPersonAffiliation", vec!["staff"]),
        ("zszoSchoolCode", schools.to_vec()),
        ("zszoPrimarySchoolCode", vec![code]),
        ("zszoEmploymentActive", vec!["TRUE"]),
        ("zszoAccountState", vec!["active"]),
        ("employeeNumber", vec!["E-1234"]),
        ("telephoneNumber", vec!["+48 12 000 00 00"]),
        ("homePhone", vec!["+48 600 000 000"]),
        ("zszoExternalId", vec![&ext]),
        ("zszoExternalUserName", vec![&ext]),
        ("zszoSearchName", vec!["anna nowak"]),
        ("zszoAccountCreatedBy", vec!["person:dyrektor"]),
        ("userPassword", vec![&hash]),
    ];
    let attrs = attrs
        .into_iter()
        .map(|(a, vs)| (a, vs.into_iter().collect::<HashSet<_>>()))
        .collect();
    let mut ldap = connect_service().await;
    ldap.add(&dn, attrs)
        .await
        .expect("add request")
        .success()
        .unwrap_or_else(|e| panic!("add {dn}: {e}"));
    dn
}

/// A person of school `code` only, with the login `<given>.<code>` and `password`; their DN.
async fn add_of(code: &str, given: &str, password: &str) -> String {
    add_person(code, &[code], &format!("{given}.{code}"), password).await
}

/// Adds an SSO service account as the service identity (what `sso-client create` writes).
async fn add_sso_account(name: &str, schools: &[&str], city_wide: bool, password: &str) -> String {
    let dn = common::dn(&format!("cn={name},ou=sso,ou=system"));
    let hash = slapd::argon2_userpassword(password).expect("hash");
    let mut attrs: Vec<(&str, HashSet<&str>)> = vec![
        (
            "objectClass",
            [
                "applicationProcess",
                "simpleSecurityObject",
                "zszoSsoClient",
            ]
            .into(),
        ),
        ("cn", [name].into()),
        ("userPassword", [hash.as_str()].into()),
    ];
    if !schools.is_empty() {
        attrs.push(("zszoSsoSchoolCode", schools.iter().copied().collect()));
    }
    if city_wide {
        attrs.push(("zszoSsoCityWide", ["TRUE"].into()));
    }
    let mut ldap = connect_service().await;
    ldap.add(&dn, attrs)
        .await
        .expect("add request")
        .success()
        .unwrap_or_else(|e| panic!("add {dn}: {e}"));
    dn
}

/// Every entry a subtree search of `ou=placowki` returns, by DN, with the given attributes.
async fn search_schools(
    ldap: &mut Ldap,
    filter: &str,
    attrs: &[&str],
) -> HashMap<String, SearchEntry> {
    let (entries, _) = ldap
        .search(
            &common::dn("ou=placowki"),
            Scope::Subtree,
            filter,
            attrs.to_vec(),
        )
        .await
        .expect("search request")
        .success()
        .expect("search succeeds");
    entries
        .into_iter()
        .map(SearchEntry::construct)
        .map(|e| (e.dn.to_lowercase(), e))
        .collect()
}

fn has(entry: &SearchEntry, attr: &str) -> bool {
    entry.attrs.keys().any(|k| k.eq_ignore_ascii_case(attr))
        || entry.bin_attrs.keys().any(|k| k.eq_ignore_ascii_case(attr))
}

#[tokio::test]
async fn an_employee_searching_ou_placowki_finds_only_their_own_entry_without_bookkeeping() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let me = add_of(&code, "lukasz", "my own passphrase 1").await;
    let other = add_of(&code, "ewa", "her own passphrase 2").await;

    let mut user = connect_as(&me, "my own passphrase 1").await;
    let found = search_schools(&mut user, "(objectClass=zszoPerson)", &["*", "+"]).await;
    assert_eq!(
        found.keys().cloned().collect::<Vec<_>>(),
        vec![me.to_lowercase()],
        "only the own entry, not {other}"
    );
    let own = &found[&me.to_lowercase()];
    // Their own HR data and the SSO attributes…
    for attr in [
        "uid",
        "cn",
        "mail",
        "employeeNumber",
        "homePhone",
        "zszoAccountState",
    ] {
        assert!(has(own, attr), "own {attr} readable: {own:?}");
    }
    // …but not the daemon's bookkeeping, nor the password.
    for attr in [
        "userPassword",
        "zszoExternalId",
        "zszoExternalUserName",
        "zszoSearchName",
        "zszoAccountCreatedBy",
    ] {
        assert!(!has(own, attr), "own {attr} hidden: {own:?}");
    }
    // Not even by naming another person's DN as the base, nor the school entry.
    let res = user
        .search(
            &other,
            Scope::Base,
            "(objectClass=*)",
            vec!["cn", "employeeNumber"],
        )
        .await
        .unwrap();
    assert!(res.0.is_empty(), "{res:?}");
    let res = user
        .search(
            &common::school_dn(&code),
            Scope::Base,
            "(objectClass=*)",
            vec!["*"],
        )
        .await
        .unwrap();
    assert!(res.0.is_empty(), "{res:?}");
}

#[tokio::test]
async fn a_user_cannot_set_a_one_character_password_with_ldappasswd() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let me = add_of(&code, "adam", "my own passphrase 3").await;
    let mut user = connect_as(&me, "my own passphrase 3").await;
    let change = ldap3::exop::PasswordModify {
        user_id: None,
        old_pass: Some("my own passphrase 3"),
        new_pass: Some("a"),
    };
    // slapd refuses it before looking at the new value: 53 ("unwilling to verify old
    // password": the person may not even compare their hash) or 50.
    let res = user.extended(change).await.unwrap();
    assert!(matches!(res.1.rc, 50 | 53), "{:?}", res.1);
    // Nor by a plain Modify of userPassword.
    let res = user
        .modify(
            &me,
            vec![Mod::Replace("userPassword".to_owned(), set(&["a"]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    // The password is unchanged.
    let _ = user.unbind().await;
    let _ = connect_as(&me, "my own passphrase 3").await;
    // The real ldappasswd (OpenLDAP's client) is refused the same way.
    let out = std::process::Command::new("ldappasswd")
        .args([
            "-x",
            "-H",
            &common::ldap().url,
            "-D",
            &me,
            "-w",
            "my own passphrase 3",
        ])
        .args(["-a", "my own passphrase 3", "-s", "a"])
        .output()
        .expect("run ldappasswd");
    assert!(!out.status.success(), "{out:?}");
    let _ = connect_as(&me, "my own passphrase 3").await;
}

#[tokio::test]
async fn an_sso_account_reads_the_sso_attributes_of_its_schools_only_and_nothing_of_hr() {
    let (a, b, c) = (
        common::unique_school_code(),
        common::unique_school_code(),
        common::unique_school_code(),
    );
    for code in [&a, &b, &c] {
        common::create_school(code).await;
    }
    // In school A; at B with the entry in B's OU but working at A too; only at C.
    let in_a = add_person(&a, &[&a], &format!("a.{a}"), "passphrase of a 1").await;
    let in_b_and_a = add_person(&b, &[&b, &a], &format!("ba.{b}"), "passphrase of b 1").await;
    let in_c = add_person(&c, &[&c], &format!("c.{c}"), "passphrase of c 1").await;
    // A group of school A, and a role group of A (no zszoSchoolCode).
    let group = format!("cn=sso-test,ou=grupy,{}", common::school_dn(&a));
    let mut svc = connect_service().await;
    svc.add(
        &group,
        vec![
            (
                "objectClass".to_owned(),
                set(&["groupOfNames", "zszoGroup"]),
            ),
            ("cn".to_owned(), set(&["sso-test"])),
            ("zszoSchoolCode".to_owned(), set(&[&a])),
            ("member".to_owned(), set(&["", &in_a])),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();

    let name = format!("sso-{a}");
    let sso = add_sso_account(&name, &[&a], false, "sso secret of school a").await;
    let mut ldap = connect_as(&sso, "sso secret of school a").await;
    let found = search_schools(&mut ldap, "(objectClass=zszoPerson)", &["*", "+"]).await;
    let mut dns: Vec<_> = found.keys().cloned().collect();
    dns.sort();
    let mut expected = vec![in_a.to_lowercase(), in_b_and_a.to_lowercase()];
    expected.sort();
    assert_eq!(dns, expected, "school A's people only, not {in_c}");
    for entry in found.values() {
        for attr in [
            "uid",
            "cn",
            "mail",
            "eduPersonPrincipalName",
            "zszoSchoolCode",
            "zszoAccountState",
        ] {
            assert!(has(entry, attr), "{attr} readable: {entry:?}");
        }
        for attr in
            HR_ATTRIBUTES
                .iter()
                .chain(&["userPassword", "zszoSearchName", "zszoAccountCreatedBy"])
        {
            assert!(!has(entry, attr), "{attr} hidden: {entry:?}");
        }
    }
    // A filter on an HR attribute matches nothing (it cannot be used as an oracle).
    let found = search_schools(&mut ldap, "(employeeNumber=E-1234)", &["uid"]).await;
    assert!(found.is_empty(), "{found:?}");
    // Its school's groups (with members), not the role groups.
    let groups = search_schools(&mut ldap, "(objectClass=groupOfNames)", &["cn", "member"]).await;
    assert_eq!(
        groups.keys().cloned().collect::<Vec<_>>(),
        vec![group.to_lowercase()]
    );
    assert!(has(&groups[&group.to_lowercase()], "member"));
    // It can write nothing.
    let res = ldap
        .modify(&in_a, vec![Mod::Replace("cn".to_owned(), set(&["x"]))])
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    // Nor widen its own scope.
    let res = ldap
        .modify(
            &sso,
            vec![Mod::Replace("zszoSsoCityWide".to_owned(), set(&["TRUE"]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");

    // A city-wide account sees all three.
    let city = add_sso_account(&format!("city-{a}"), &[], true, "city-wide sso secret").await;
    let mut ldap = connect_as(&city, "city-wide sso secret").await;
    let found = search_schools(
        &mut ldap,
        "(objectClass=zszoPerson)",
        &["uid", "employeeNumber"],
    )
    .await;
    for dn in [&in_a, &in_b_and_a, &in_c] {
        let entry = found
            .get(&dn.to_lowercase())
            .unwrap_or_else(|| panic!("{dn} visible"));
        assert!(
            has(entry, "uid") && !has(entry, "employeeNumber"),
            "{entry:?}"
        );
    }

    // A person of school A reads nothing of school A's other people: their own school codes
    // open nothing (only SSO accounts' scope does).
    let mut user = connect_as(&in_a, "passphrase of a 1").await;
    let found = search_schools(&mut user, "(objectClass=zszoPerson)", &["uid"]).await;
    assert_eq!(
        found.keys().cloned().collect::<Vec<_>>(),
        vec![in_a.to_lowercase()]
    );

    // Only the service identity manages SSO accounts; their hashes are unreadable.
    let mut admin = connect_admin().await;
    let (entries, _) = admin
        .search(&sso, Scope::Base, "(objectClass=*)", vec!["userPassword"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(entries.len(), 1);
    let mut other_sso = connect_as(&city, "city-wide sso secret").await;
    let res = other_sso
        .search(&sso, Scope::Base, "(objectClass=*)", vec!["*"])
        .await
        .unwrap();
    assert!(res.0.is_empty(), "{res:?}");
    svc.delete(&sso).await.unwrap().success().unwrap();
    svc.delete(&city).await.unwrap().success().unwrap();
}

/// The service identity writes password hashes (every password passes the daemon's policy)
/// but never reads one: nothing it does needs a hash, and a daemon that could read them would
/// hand every hash in the city to whoever takes its identity (least privilege, LDAP-04).
#[tokio::test]
async fn the_service_identity_writes_password_hashes_but_cannot_read_them() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let dn = add_of(&code, "hasz", "Dlugie-Haslo-2026").await;
    let mut svc = connect_service().await;
    for attrs in [vec!["userPassword"], vec!["*"]] {
        let found = svc
            .search(&dn, Scope::Base, "(objectClass=*)", attrs.clone())
            .await
            .expect("search request")
            .success()
            .expect("search succeeds")
            .0;
        let entry = SearchEntry::construct(found.into_iter().next().expect("the person"));
        assert!(!has(&entry, "userPassword"), "{attrs:?}: {entry:?}");
    }
}
