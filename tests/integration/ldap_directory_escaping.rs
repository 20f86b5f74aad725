//! Escaping in `LdapDirectory`: hostile characters in names round-trip, and injected filter
//! syntax stays a literal value that matches nothing.

use super::*;
use zszo_connector::ldap::Filter;

/// Searches the subtree at `base` as the service identity with a rendered `Filter`; returns
/// the DNs.
async fn service_search(base: &str, filter: &Filter) -> Vec<String> {
    let mut ldap = common::connect_service().await;
    let (entries, _) = ldap
        .search(base, Scope::Subtree, &filter.render(), vec!["1.1"])
        .await
        .unwrap()
        .success()
        .unwrap();
    entries
        .into_iter()
        .map(|e| SearchEntry::construct(e).dn)
        .collect()
}

#[tokio::test]
async fn hostile_characters_round_trip_and_injected_filters_match_nothing() {
    let d = directory().await;
    let hostile = r#"  #Szkoła *()\,+"<>;= nr 6 "#;
    let school = new_school(&d, hostile).await;
    assert_eq!(school.name.as_str(), r#"#Szkoła *()\,+"<>;= nr 6"#);
    let found = d.find_school(&school.code).await.unwrap().unwrap();
    assert_eq!(found.school.name, school.name);

    let name = person_name(r#"#Ala *()\,+"<>;="#, r#" O'Neil, Jr.\ (*)"#);
    let p = person(login(&school, "ala.oneil"), name.clone(), &school);
    let created = d.create_person(&p).await.unwrap();
    assert_eq!(created.profile.name, name);
    let raw = admin_read(&created.entry.dn, &["cn", "sn"]).await.unwrap();
    assert_eq!(raw["cn"], [name.full()]);
    assert_eq!(raw["sn"], [r#"O'Neil, Jr.\ (*)"#]);

    // The full name as an equality value finds exactly this person.
    assert_eq!(
        service_search(&found.entry.dn, &Filter::eq("cn", name.full())).await,
        [created.entry.dn.as_str()]
    );
    // Classic payloads stay literal values and match nothing.
    for payload in ["*)(uid=*", "*", "*)(|(uid=*", "admin)(!(&(1=0", "\\", "\0"] {
        let f = Filter::and([
            Filter::object_class("zszoPerson"),
            Filter::eq("uid", payload),
        ]);
        assert_eq!(
            service_search(&d.layout().schools_dn(), &f).await,
            Vec::<String>::new(),
            "{payload:?}"
        );
    }
    let f = Filter::contains("zszoSearchName", "*)(uid=*");
    assert_eq!(
        service_search(&d.layout().schools_dn(), &f).await,
        Vec::<String>::new()
    );
}
