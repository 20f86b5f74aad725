//! SCIM groups through the `Directory` port against a real slapd: creation, renames,
//! membership changes, searches and scopes, and the refusal to touch role groups. Each test
//! uses its own schools; results are also checked directly in LDAP as the rootdn.

use crate::ldap_directory::{admin_read, directory, login, new_school, person, person_name};
use zszo_connector::domain::query::{CompareOp, Filter, GroupAttr, Value};
use zszo_connector::domain::School;
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{DirectoryError, GroupProfile, GroupSearch, PersonEntry, SchoolScope};

#[path = "ldap_groups_members.rs"]
mod members;

async fn add(d: &LdapDirectory, school: &School, stem: &str, family: &str) -> PersonEntry {
    d.create_person(&person(
        login(school, stem),
        person_name("Jan", family),
        school,
    ))
    .await
    .unwrap()
}

fn group(school: &School, name: &str, members: &[&PersonEntry]) -> GroupProfile {
    GroupProfile {
        display_name: name.to_owned(),
        external_id: None,
        school: school.code.clone(),
        members: members.iter().map(|p| p.entry.id.clone()).collect(),
    }
}

fn ids(people: &[&PersonEntry]) -> Vec<String> {
    people.iter().map(|p| p.entry.id.clone()).collect()
}

async fn members_in_ldap(dn: &str) -> Vec<String> {
    let mut m = admin_read(dn, &["member"]).await.unwrap()["member"].clone();
    m.sort();
    m
}

#[tokio::test]
async fn a_group_is_created_empty_or_with_members() {
    let d = directory().await;
    let school = new_school(&d, "SP grupy").await;
    let (a, b) = (
        add(&d, &school, "a", "Adamski").await,
        add(&d, &school, "b", "Bartek").await,
    );

    let empty = d
        .create_group(&group(&school, "Koło szachowe", &[]))
        .await
        .unwrap();
    assert_eq!(
        empty.entry.dn,
        d.layout().group_dn(&school.code, "Koło szachowe")
    );
    assert!(empty.members.is_empty() && empty.profile.members.is_empty());
    assert_eq!(members_in_ldap(&empty.entry.dn).await, [""]);

    let mut full = group(&school, "Rada, (pedagogiczna)*", &[&a, &b]);
    full.external_id = Some(format!("grp-{}", school.code));
    let full = d.create_group(&full).await.unwrap();
    assert_eq!(full.profile.display_name, "Rada, (pedagogiczna)*");
    assert_eq!(
        full.profile.external_id,
        Some(format!("grp-{}", school.code))
    );
    let mut got = full.profile.members.clone();
    got.sort();
    let mut want = ids(&[&a, &b]);
    want.sort();
    assert_eq!(got, want);
    assert!(full.members.iter().any(|m| m.display_name == "Jan Adamski"));
    let raw = admin_read(&full.entry.dn, &["objectClass", "zszoSchoolCode", "member"])
        .await
        .unwrap();
    assert!(raw["objectClass"].iter().any(|c| c == "zszoGroup"));
    assert_eq!(raw["zszoSchoolCode"], [school.code.to_string()]);
    assert_eq!(
        raw["member"].len(),
        3,
        "the two members and the placeholder"
    );

    let read = d
        .get_group(&full.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, full);
    let a_now = d
        .get_person(&a.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a_now.groups.len(), 1);
    assert_eq!(a_now.groups[0].id, full.entry.id);
    assert_eq!(a_now.groups[0].display_name, "Rada, (pedagogiczna)*");
}

#[tokio::test]
async fn a_display_name_is_unique_within_a_school_only() {
    let d = directory().await;
    let (s1, s2) = (new_school(&d, "SP 1").await, new_school(&d, "SP 2").await);
    d.create_group(&group(&s1, "Matematycy", &[]))
        .await
        .unwrap();
    let e = d
        .create_group(&group(&s1, "MATEMATYCY", &[]))
        .await
        .unwrap_err();
    assert!(matches!(e, DirectoryError::AlreadyExists { .. }), "{e}");
    d.create_group(&group(&s2, "Matematycy", &[]))
        .await
        .unwrap();
    for bad in ["", "a\u{7}b", &"x".repeat(201)] {
        let e = d.create_group(&group(&s1, bad, &[])).await.unwrap_err();
        assert!(
            matches!(e, DirectoryError::Constraint { .. }),
            "{bad:?}: {e}"
        );
    }
}

#[tokio::test]
async fn a_rename_keeps_the_id_and_replaces_the_members() {
    let d = directory().await;
    let school = new_school(&d, "SP nazwy").await;
    let (a, b) = (
        add(&d, &school, "a", "Alfa").await,
        add(&d, &school, "b", "Beta").await,
    );
    let g = d
        .create_group(&group(&school, "Stara nazwa", &[&a]))
        .await
        .unwrap();
    let renamed = d
        .update_group(&g.entry.id, &group(&school, "Nowa nazwa", &[&b]))
        .await
        .unwrap();
    assert_eq!(renamed.entry.id, g.entry.id);
    assert_eq!(
        renamed.entry.dn,
        d.layout().group_dn(&school.code, "Nowa nazwa")
    );
    assert_eq!(renamed.profile.members, ids(&[&b]));
    assert!(admin_read(&g.entry.dn, &["cn"]).await.is_none());
    assert_eq!(
        members_in_ldap(&renamed.entry.dn).await,
        ["".to_owned(), b.entry.dn.clone()]
    );
    let b_now = d
        .get_person(&b.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b_now.groups[0].display_name, "Nowa nazwa");
    let a_now = d
        .get_person(&a.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert!(a_now.groups.is_empty());

    // The same name again (also with characters escaped in the DN) and a change of case only.
    let special = d
        .create_group(&group(&school, "Klasa 1a, (wychowawcza)", &[]))
        .await
        .unwrap();
    let same = group(&school, "Klasa 1a, (wychowawcza)", &[&a]);
    let after = d.update_group(&special.entry.id, &same).await.unwrap();
    assert_eq!(after.profile.members, ids(&[&a]));
    let again = d.update_group(&special.entry.id, &same).await.unwrap();
    assert_eq!(again, after, "a re-sent group writes nothing");
    let upper = group(&school, "NOWA NAZWA", &[&b]);
    let after = d.update_group(&g.entry.id, &upper).await.unwrap();
    assert_eq!(after.entry.id, g.entry.id);
    assert_eq!(after.profile.display_name, "NOWA NAZWA");
}

#[tokio::test]
async fn groups_are_searched_by_the_directory_within_the_scope() {
    let d = directory().await;
    let (s1, s2) = (new_school(&d, "SP s1").await, new_school(&d, "SP s2").await);
    let a = add(&d, &s1, "a", "Alfa").await;
    let g1 = d.create_group(&group(&s1, "Chór", &[&a])).await.unwrap();
    let g2 = d.create_group(&group(&s1, "Orkiestra", &[])).await.unwrap();
    let g3 = d.create_group(&group(&s2, "Chór", &[])).await.unwrap();
    let find = |filter: Option<Filter<GroupAttr>>, scope: SchoolScope| {
        let d = &d;
        async move {
            let q = GroupSearch {
                filter,
                scope,
                sort: None,
                start_index: 1,
                count: 50,
            };
            let page = d.search_groups(&q).await.unwrap();
            let mut found: Vec<String> = page.items.into_iter().map(|g| g.entry.id).collect();
            found.sort();
            found
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let only = |s: &School| SchoolScope::Only(vec![s.code.clone()]);
    assert_eq!(
        find(None, only(&s1)).await,
        sorted(vec![g1.entry.id.clone(), g2.entry.id.clone()]),
        "role groups are not listed"
    );
    let chor = Filter::Compare(
        GroupAttr::DisplayName,
        CompareOp::Eq,
        Value::Str("chór".into()),
    );
    assert_eq!(
        find(Some(chor.clone()), only(&s2)).await,
        std::slice::from_ref(&g3.entry.id)
    );
    let both = SchoolScope::Only(vec![s1.code.clone(), s2.code.clone()]);
    assert_eq!(
        find(Some(chor), both).await,
        sorted(vec![g1.entry.id.clone(), g3.entry.id.clone()])
    );
    let member = Filter::Compare(
        GroupAttr::Member,
        CompareOp::Eq,
        Value::Str(a.entry.id.clone()),
    );
    assert_eq!(
        find(Some(member), SchoolScope::All).await,
        std::slice::from_ref(&g1.entry.id)
    );
    let injected = Filter::Compare(
        GroupAttr::DisplayName,
        CompareOp::Eq,
        Value::Str("*)(cn=*".into()),
    );
    assert!(find(Some(injected), only(&s1)).await.is_empty());
    assert_eq!(d.get_group(&g3.entry.id, &only(&s1)).await.unwrap(), None);
}

#[tokio::test]
async fn a_deleted_group_is_gone_and_its_members_stay() {
    let d = directory().await;
    let school = new_school(&d, "SP kasacja").await;
    let a = add(&d, &school, "a", "Alfa").await;
    let g = d
        .create_group(&group(&school, "Do usunięcia", &[&a]))
        .await
        .unwrap();
    d.delete_group(&g.entry.id).await.unwrap();
    assert!(admin_read(&g.entry.dn, &["cn"]).await.is_none());
    assert_eq!(
        d.get_group(&g.entry.id, &SchoolScope::All).await.unwrap(),
        None
    );
    let a_now = d
        .get_person(&a.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert!(a_now.groups.is_empty());
    let e = d.delete_group(&g.entry.id).await.unwrap_err();
    assert!(matches!(e, DirectoryError::NotFound(_)), "{e}");
}
