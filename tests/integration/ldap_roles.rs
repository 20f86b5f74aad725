//! A person's roles (`RoleDirectory::roles_of`) against a real slapd: one search finds the
//! schools' and the city's role groups the person is a member of (issue 17), and only a group
//! at exactly a role group's DN counts: a group of the same name anywhere else grants nothing.

use crate::common;
use crate::ldap_directory::{directory, login, new_school, person, person_name};
use ldap3::Mod;
use std::collections::HashSet;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::AdminRole;

#[tokio::test]
async fn roles_come_only_from_the_role_groups_themselves() {
    let d = directory().await;
    let school = new_school(&d, "SP role").await;
    let other = new_school(&d, "SP role druga").await;
    let p = person(
        login(&school, "rola"),
        person_name("Roman", "Rola"),
        &school,
    );
    let created = d.create_person(&p).await.unwrap();
    let who = &created.entry;
    assert_eq!(d.roles_of(who).await.unwrap(), []);

    // Look-alikes with the person as a member: the city's group name in a school's groups,
    // a school's group name in `ou=system`.
    let mut admin = common::connect_admin().await;
    let look_alikes = [
        format!(
            "cn=administratorzy-systemu,{}",
            d.layout().groups_dn(&school.code)
        ),
        format!("cn=administratorzy-lokalni,{}", d.layout().system_dn()),
    ];
    for dn in &look_alikes {
        let attrs = vec![
            ("objectClass", HashSet::from(["top", "groupOfNames"])),
            ("member", HashSet::from([who.dn.as_str()])),
        ];
        admin.add(dn, attrs).await.unwrap().success().unwrap();
    }
    assert_eq!(
        d.roles_of(who).await.unwrap(),
        [],
        "no role from a look-alike"
    );

    let local = AdminRole::LocalAdministrator(other.code.clone());
    d.grant_role(who, &local).await.unwrap();
    d.grant_role(who, &AdminRole::SystemAdministrator)
        .await
        .unwrap();
    assert_eq!(
        d.roles_of(who).await.unwrap(),
        [local, AdminRole::SystemAdministrator]
    );

    // Leave the city's group as it was for the other tests.
    let system = d.layout().system_admins_dn();
    let leave = Mod::Delete("member", HashSet::from([who.dn.as_str()]));
    admin
        .modify(&system, vec![leave])
        .await
        .unwrap()
        .success()
        .unwrap();
    for dn in &look_alikes {
        admin.delete(dn).await.unwrap().success().unwrap();
    }
    let _ = admin.unbind().await;
}
