//! A person's life in the directory: a move to another school (id, groups and manager
//! references kept), inactive employment locking sign-in, and deletion with memberships.

use super::*;
use crate::common;
use crate::ldap_directory::credentials;
use ldap3::Mod;
use secrecy::SecretString;
use std::collections::HashSet;
use zszo_connector::ports::GroupProfile;

#[tokio::test]
async fn a_move_to_another_school_keeps_the_id_and_the_groups() {
    let d = directory().await;
    let (a, b) = (
        new_school(&d, "SP stara").await,
        new_school(&d, "SP nowa").await,
    );
    let p = add(&d, &a, "marek", "Marek", "Wędrowny").await;
    let report = {
        let mut r = person(login(&a, "uczen"), person_name("Piotr", "Podwładny"), &a);
        r.profile.manager = Some(p.entry.id.clone());
        d.create_person(&r).await.unwrap()
    };
    let group = d
        .create_group(&GroupProfile {
            display_name: "Projekt Erasmus".into(),
            external_id: None,
            school: a.code.clone(),
            members: vec![p.entry.id.clone()],
        })
        .await
        .unwrap();

    let mut moved = p.profile.clone();
    moved.employment = Employment {
        primary: b.code.clone(),
        others: vec![a.code.clone()],
    };
    let after = d.update_person(&p.entry.id, &moved).await.unwrap();
    assert_eq!(after.entry.id, p.entry.id);
    assert_eq!(after.entry.dn, d.layout().person_dn(&b.code, &p.login));
    assert_eq!(after.profile.employment, moved.employment);
    assert_eq!(
        after.groups.iter().map(|g| &g.id).collect::<Vec<_>>(),
        [&group.entry.id]
    );
    assert!(
        admin_read(&p.entry.dn, &["uid"]).await.is_none(),
        "the old DN is gone"
    );
    let again = d.update_person(&p.entry.id, &moved).await.unwrap();
    assert_eq!(again.meta.version, after.meta.version, "nothing to write");
    let raw = admin_read(
        &after.entry.dn,
        &[
            "eduPersonPrimaryOrgUnitDN",
            "zszoPrimarySchoolCode",
            "memberOf",
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        raw["eduPersonPrimaryOrgUnitDN"],
        [d.layout().school_dn(&b.code)]
    );
    assert_eq!(raw["memberOf"], std::slice::from_ref(&group.entry.dn));
    let g = d
        .get_group(&group.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.profile.members, std::slice::from_ref(&p.entry.id));
    let report = d
        .get_person(&report.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        report.profile.manager.as_deref(),
        Some(p.entry.id.as_str()),
        "refint follows the move"
    );

    let mut ghost = moved.clone();
    ghost.employment.primary = zszo_connector::domain::SchoolCode::parse("nie-ma-takiej").unwrap();
    let e = d.update_person(&p.entry.id, &ghost).await.unwrap_err();
    assert!(
        matches!(e, DirectoryError::NotFound(ref m) if m.contains("school")),
        "{e}"
    );
}

#[tokio::test]
async fn inactive_employment_refuses_sign_in_and_keeps_the_entry_readable() {
    let d = directory().await;
    let school = new_school(&d, "SP blokady").await;
    let mut p = person(
        login(&school, "konto"),
        person_name("Konrad", "Kontowy"),
        &school,
    );
    let mut creds = credentials("Haslo-do-konta-1", None);
    (creds.state, creds.must_change) = (AccountState::Active, false);
    p.credentials = Some(creds);
    let created = d.create_person(&p).await.unwrap();
    let password = SecretString::from("Haslo-do-konta-1".to_owned());
    assert!(d.check_password(&created.login, &password).await.unwrap());

    let mut off = created.profile.clone();
    off.employment_active = false;
    let after = d.update_person(&created.entry.id, &off).await.unwrap();
    assert!(!after.profile.employment_active);
    assert!(
        !d.check_password(&created.login, &password).await.unwrap(),
        "locked"
    );
    let raw = admin_read(
        &created.entry.dn,
        &["pwdAccountLockedTime", "zszoEmploymentActive"],
    )
    .await
    .unwrap();
    assert_eq!(raw["pwdAccountLockedTime"], ["000001010000Z"]);
    assert_eq!(raw["zszoEmploymentActive"], ["FALSE"]);
    assert!(d
        .get_person(&created.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .is_some());
    d.update_person(&created.entry.id, &off).await.unwrap();

    let mut on = off.clone();
    on.employment_active = true;
    d.update_person(&created.entry.id, &on).await.unwrap();
    assert!(
        d.check_password(&created.login, &password).await.unwrap(),
        "unlocked"
    );
    let raw = admin_read(&created.entry.dn, &["pwdAccountLockedTime"])
        .await
        .unwrap();
    assert!(!raw.contains_key("pwdAccountLockedTime"));

    // An account an administrator locked stays locked whatever HR says.
    let mut admin = common::connect_admin().await;
    let locked = vec![
        Mod::Replace("zszoAccountState", HashSet::from(["locked"])),
        Mod::Replace("pwdAccountLockedTime", HashSet::from(["000001010000Z"])),
    ];
    admin
        .modify(&created.entry.dn, locked)
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;
    let after = d.update_person(&created.entry.id, &on).await.unwrap();
    assert_eq!(after.account_state, AccountState::Locked);
    assert!(
        !d.check_password(&created.login, &password).await.unwrap(),
        "still locked"
    );

    // Without credentials there is nothing to lock, and none are created.
    let plain = add(&d, &school, "bezkonta", "Bez", "Konta").await;
    let mut off = plain.profile.clone();
    off.employment_active = false;
    let after = d.update_person(&plain.entry.id, &off).await.unwrap();
    assert_eq!(after.account_state, AccountState::None);
    let raw = admin_read(&plain.entry.dn, &["pwdAccountLockedTime", "userPassword"])
        .await
        .unwrap();
    assert!(raw.is_empty(), "{raw:?}");
}

#[tokio::test]
async fn a_deleted_person_is_gone_with_their_memberships() {
    let d = directory().await;
    let school = new_school(&d, "SP usuwanie").await;
    let p = add(&d, &school, "odchodzi", "Olga", "Odchodząca").await;
    let group = d
        .create_group(&GroupProfile {
            display_name: "Rada".into(),
            external_id: None,
            school: school.code.clone(),
            members: vec![p.entry.id.clone()],
        })
        .await
        .unwrap();
    d.delete_person(&p.entry.id).await.unwrap();
    assert_eq!(
        d.get_person(&p.entry.id, &SchoolScope::All).await.unwrap(),
        None
    );
    assert!(admin_read(&p.entry.dn, &["uid"]).await.is_none());
    let raw = admin_read(&group.entry.dn, &["member"]).await.unwrap();
    assert_eq!(raw["member"], [""]);
    let e = d.delete_person(&p.entry.id).await.unwrap_err();
    assert!(matches!(e, DirectoryError::NotFound(_)), "{e}");
}
