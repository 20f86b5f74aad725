//! The generated slapd's ACLs: what the service identity may manage (people and their
//! ppolicy state) and may not touch (`ou=system`, `cn=config`), and what ordinary users and
//! anonymous clients may read.

use super::*;
use crate::common::{connect_anonymous, connect_as};

#[tokio::test]
async fn the_service_identity_manages_people_under_placowki_including_ppolicy_state() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let person = add_person(
        &code,
        &format!("managed.{code}"),
        vec![
            password_attr("first-Passw0rd"),
            ("pwdReset".to_owned(), set(&["TRUE"])),
        ],
    )
    .await;
    let mut ldap = connect_service().await;
    let new_hash = slapd::argon2_userpassword("second-Passw0rd").unwrap();
    ldap.modify(
        &person,
        vec![
            Mod::Replace("userPassword".to_owned(), set(&[&new_hash])),
            Mod::Replace("pwdReset".to_owned(), set(&["TRUE"])),
            Mod::Replace("pwdEndTime".to_owned(), set(&["20991231000000Z"])),
            Mod::Replace("pwdAccountLockedTime".to_owned(), set(&["000001010000Z"])),
            Mod::Replace("zszoAccountState".to_owned(), set(&["locked"])),
            Mod::Replace(
                "mail".to_owned(),
                set(&[&format!("managed.{code}@example.org")]),
            ),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let entry = read_entry(
        &mut ldap,
        &person,
        &[
            "pwdReset",
            "pwdEndTime",
            "pwdAccountLockedTime",
            "zszoAccountState",
        ],
    )
    .await
    .unwrap();
    assert_eq!(first(&entry, "pwdReset"), Some("TRUE"));
    assert_eq!(first(&entry, "pwdEndTime"), Some("20991231000000Z"));
    assert_eq!(first(&entry, "pwdAccountLockedTime"), Some("000001010000Z"));
    // Permanently locked: the new password does not bind.
    assert_eq!(
        common::bind_rc(&person, "second-Passw0rd").await,
        INVALID_CREDENTIALS
    );
    ldap.modify(
        &person,
        vec![
            Mod::Delete("pwdAccountLockedTime".to_owned(), HashSet::new()),
            Mod::Delete("pwdEndTime".to_owned(), HashSet::new()),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    assert_eq!(common::bind_rc(&person, "second-Passw0rd").await, 0);
    ldap.delete(&person).await.unwrap().success().unwrap();
    assert!(read_entry(&mut ldap, &person, &["uid"]).await.is_none());
}

#[tokio::test]
async fn the_service_identity_cannot_write_ou_system_or_cn_config() {
    let code = common::unique_school_code();
    let mut ldap = connect_service().await;
    let l = common::ldap();

    // It can read ou=system (the system administrators group)…
    let sys_admins = common::dn("cn=administratorzy-systemu,ou=system");
    assert!(read_entry(&mut ldap, &sys_admins, &["member"])
        .await
        .is_some());
    // …and grant the system-administrator role (an audited action of the connector)…
    let member = common::dn(&format!("uid=probe-{code},ou=system"));
    for change in [
        Mod::Add("member".to_owned(), set(&[&member])),
        Mod::Delete("member".to_owned(), set(&[&member])),
    ] {
        let res = ldap.modify(&sys_admins, vec![change]).await.unwrap();
        assert_eq!(res.rc, 0, "{res:?}");
    }
    // …but change nothing else of it, nor touch the policy, its own entry or the base entry…
    let refused = [
        (&sys_admins, "description", "owned"),
        (
            &common::dn("cn=ppolicy-default,ou=system"),
            "pwdMaxFailure",
            "1000",
        ),
        (&l.service_dn, "description", "root"),
        (&l.base_dn, "description", "x"),
    ];
    for (dn, attr, value) in refused {
        let change = Mod::Replace(attr.to_owned(), set(&[value]));
        let res = ldap.modify(dn, vec![change]).await.unwrap();
        assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{dn} {attr}: {res:?}");
    }
    // …nor add to ou=system, nor delete a branch.
    let res = ldap
        .add(
            &common::dn(&format!("cn=intruder-{code},ou=system")),
            vec![
                ("objectClass".to_owned(), set(&["groupOfNames"])),
                ("cn".to_owned(), set(&[&format!("intruder-{code}")])),
                ("member".to_owned(), set(&[""])),
            ],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    let res = ldap.delete(&common::dn("ou=placowki")).await.unwrap();
    assert_ne!(res.rc, 0, "ou=placowki is not empty and must stay");

    // cn=config is neither readable nor writable over the wire.
    let res = ldap
        .modify(
            "olcDatabase={1}mdb,cn=config",
            vec![Mod::Replace("olcRootDN".to_owned(), set(&[&l.service_dn]))],
        )
        .await
        .unwrap();
    assert!(
        matches!(res.rc, INSUFFICIENT_ACCESS | NO_SUCH_OBJECT),
        "{res:?}"
    );
    let res = ldap
        .search("cn=config", Scope::Subtree, "(objectClass=*)", vec!["*"])
        .await
        .unwrap();
    assert!(res.0.is_empty());

    // Other people's password hashes are not readable by ordinary users.
    common::create_school(&code).await;
    let me = add_person(
        &code,
        &format!("reader.{code}"),
        vec![password_attr("reader-Passw0rd")],
    )
    .await;
    let other = add_person(
        &code,
        &format!("other.{code}"),
        vec![password_attr("other-Passw0rd")],
    )
    .await;
    let mut user = connect_as(&me, "reader-Passw0rd").await;
    assert!(read_entry(&mut user, &other, &["cn", "userPassword"])
        .await
        .is_none());
    let own = read_entry(&mut user, &me, &["cn", "userPassword"])
        .await
        .expect("a person reads their own entry");
    assert_eq!(first(&own, "cn"), Some("Jan Kowalski"));
    assert!(own.bin_attrs.is_empty() && !own.attrs.contains_key("userPassword"));
    // …and an ordinary user cannot write people, nor read ou=system.
    let res = user
        .modify(
            &other,
            vec![Mod::Replace("cn".to_owned(), set(&["Hacked"]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    assert!(read_entry(&mut user, &sys_admins, &["member"])
        .await
        .is_none());
}

#[tokio::test]
async fn anonymous_clients_can_bind_but_not_search() {
    let l = common::ldap();
    let mut anon = connect_anonymous().await;
    for base in [
        l.base_dn.as_str(),
        &common::dn("ou=placowki"),
        &common::dn("ou=system"),
        "",
    ] {
        let scope = if base.is_empty() {
            Scope::Base
        } else {
            Scope::Subtree
        };
        let res = anon
            .search(base, scope, "(objectClass=*)", vec!["*", "+"])
            .await
            .unwrap();
        assert!(
            res.0.is_empty(),
            "anonymous read {} entries under {base:?}",
            res.0.len()
        );
    }
    // An anonymous bind itself is fine; it grants nothing more.
    let (rc, mut anon) = common::bind("", "").await;
    assert_eq!(rc, 0);
    let res = anon
        .search(&l.base_dn, Scope::Subtree, "(uid=*)", vec!["uid"])
        .await
        .unwrap();
    assert!(res.0.is_empty());
}
