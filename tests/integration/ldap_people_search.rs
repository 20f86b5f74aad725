//! Searching people through the `Directory` port against a real slapd: every filter kind
//! evaluated by the directory, injection attempts, school scopes, paging and sorting. Each
//! test uses its own schools.

use crate::ldap_directory::{directory, login, new_school, person, person_name};
use crate::ldap_people::{add, eq, logins, only, s, search};
use time::OffsetDateTime;
use zszo_connector::domain::query::{
    CompareOp, EmailKind, Filter, PersonAttr as P, PhoneKind, Value,
};
use zszo_connector::domain::Position;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{
    ContactEmail, ContactPhone, Page, PersonEntry, SchoolScope, SortOrder,
};

#[tokio::test]
async fn every_attribute_kind_is_filtered_by_the_directory() {
    let d = directory().await;
    let school = new_school(&d, "SP filtry").await;
    let before = OffsetDateTime::now_utc() - time::Duration::seconds(5);
    let boss = add(&d, &school, "boss", "Barbara", "Nowak").await;
    let mut jan = person(
        login(&school, "jan"),
        person_name("Jan", "Kowalski"),
        &school,
    );
    jan.profile.user_name = Some(format!("jan.k@{}.example", school.code));
    jan.profile.emails = vec![ContactEmail {
        value: format!("jan@{}.example", school.code),
        kind: None,
        primary: true,
    }];
    jan.profile.position = Some(Position::parse("woźny").unwrap());
    jan.profile.manager = Some(boss.entry.id.clone());
    jan.profile.phones = vec![ContactPhone {
        value: "+48 601".into(),
        kind: Some(PhoneKind::Mobile),
        primary: true,
    }];
    d.create_person(&jan).await.unwrap();
    let mut ewa = person(
        login(&school, "ewa"),
        person_name("Ewa", "Kowalczyk"),
        &school,
    );
    ewa.profile.user_name = Some(format!("ewa@{}.example", school.code));
    ewa.profile.employment_active = false;
    d.create_person(&ewa).await.unwrap();
    let (j, e, b) = (
        login(&school, "jan").to_string(),
        login(&school, "ewa").to_string(),
        login(&school, "boss").to_string(),
    );
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    let cmp = |a: P, op: CompareOp, v: Value| Filter::Compare(a, op, v);
    let code = school.code.as_str();
    let (jan_only, ewa_only, boss_only) = (vec![j.clone()], vec![e.clone()], vec![b.clone()]);
    let everyone = sorted(vec![&j, &e, &b]);
    let nobody = Vec::<String>::new();
    // Each filter and the logins it must find in the school (boss, jan and ewa).
    let cases: Vec<(Filter<P>, Vec<String>)> = vec![
        (
            eq(P::UserName, &format!("JAN.K@{code}.EXAMPLE")),
            jan_only.clone(),
        ),
        (
            cmp(P::FamilyName, CompareOp::Contains, s("owal")),
            sorted(vec![&j, &e]),
        ),
        (
            cmp(P::GivenName, CompareOp::StartsWith, s("ew")),
            ewa_only.clone(),
        ),
        (
            cmp(
                P::Email(None),
                CompareOp::EndsWith,
                s(&format!("{code}.example")),
            ),
            jan_only.clone(),
        ),
        (
            eq(
                P::Email(Some(EmailKind::Work)),
                &format!("jan@{code}.example"),
            ),
            jan_only.clone(),
        ),
        (
            Filter::Present(P::Email(Some(EmailKind::Home))),
            nobody.clone(),
        ),
        (eq(P::PhoneNumber(None), "+48 601"), jan_only.clone()),
        (
            Filter::Present(P::PhoneNumber(Some(PhoneKind::Mobile))),
            jan_only.clone(),
        ),
        (
            cmp(P::Created, CompareOp::Gt, Value::DateTime(before)),
            everyone.clone(),
        ),
        (
            cmp(P::LastModified, CompareOp::Lt, Value::DateTime(before)),
            nobody.clone(),
        ),
        (
            cmp(P::UserName, CompareOp::Gt, s(&format!("f@{code}"))),
            jan_only.clone(),
        ),
        (
            cmp(P::Active, CompareOp::Eq, Value::Bool(false)),
            ewa_only.clone(),
        ),
        (eq(P::Manager, &boss.entry.id), jan_only.clone()),
        (
            eq(P::Manager, "0b2f3c1e-1111-4c4c-8888-123456789abc"),
            nobody,
        ),
        (eq(P::Login, &b), boss_only.clone()),
        (eq(P::Id, &boss.entry.id), boss_only),
        (eq(P::Title, "WOŹNY"), jan_only),
        (eq(P::AccountState, "none"), everyone.clone()),
        (eq(P::SchoolCode, code), everyone),
        (
            Filter::And(vec![
                cmp(P::FamilyName, CompareOp::StartsWith, s("Kowal")),
                Filter::Not(Box::new(eq(P::GivenName, "Jan"))),
            ]),
            ewa_only,
        ),
        (
            Filter::Or(vec![eq(P::GivenName, "Jan"), eq(P::GivenName, "Barbara")]),
            sorted(vec![&j, &b]),
        ),
        (
            cmp(
                P::UserName,
                CompareOp::Ne,
                s(&format!("ewa@{code}.example")),
            ),
            sorted(vec![&j, &b]),
        ),
    ];
    for (filter, want) in cases {
        let shown = format!("{filter:?}");
        assert_eq!(logins(&d, &school, filter).await, want, "{shown}");
    }
}

#[tokio::test]
async fn a_filter_value_cannot_inject_filter_syntax() {
    let d = directory().await;
    let school = new_school(&d, "SP injekcje").await;
    add(&d, &school, "ala", "Ala", "Kot").await;
    for attr in [P::Login, P::FamilyName, P::UserName, P::Id, P::Manager] {
        assert!(
            logins(&d, &school, eq(attr, "*)(uid=*")).await.is_empty(),
            "{attr:?}"
        );
    }
    let co = Filter::Compare(P::FamilyName, CompareOp::Contains, s("*)(uid=*"));
    assert!(logins(&d, &school, co).await.is_empty());
    assert_eq!(d.get_person("*", &SchoolScope::All).await.unwrap(), None);
}

#[tokio::test]
async fn a_person_is_visible_only_to_scopes_with_one_of_their_schools() {
    let d = directory().await;
    let (a, b) = (new_school(&d, "SP A").await, new_school(&d, "SP B").await);
    let only_b = add(&d, &b, "bolek", "Bolesław", "Bocian").await;
    assert_eq!(
        d.get_person(&only_b.entry.id, &only(&[&a])).await.unwrap(),
        None
    );
    assert!(d
        .get_person(&only_b.entry.id, &only(&[&b]))
        .await
        .unwrap()
        .is_some());
    let in_a = d.search_people(&search(None, only(&[&a]))).await.unwrap();
    assert_eq!(in_a.total, 0);

    let mut both = person(login(&b, "lolek"), person_name("Karol", "Lolek"), &b);
    both.profile.employment.others = vec![a.code.clone()];
    let both = d.create_person(&both).await.unwrap();
    assert!(d
        .get_person(&both.entry.id, &only(&[&a]))
        .await
        .unwrap()
        .is_some());
    let in_a = d.search_people(&search(None, only(&[&a]))).await.unwrap();
    assert_eq!(
        in_a.items.iter().map(|p| &p.entry.id).collect::<Vec<_>>(),
        [&both.entry.id]
    );
    let none = d
        .search_people(&search(None, SchoolScope::Only(Vec::new())))
        .await
        .unwrap();
    assert_eq!(none.total, 0);
}

#[tokio::test]
async fn pages_have_a_stable_order_a_total_and_sort_on_request() {
    let d = directory().await;
    let school = new_school(&d, "SP strony").await;
    for (stem, family) in [
        ("p1", "Ebert"),
        ("p2", "Adamek"),
        ("p3", "Dudek"),
        ("p4", "Cichy"),
        ("p5", "Bury"),
    ] {
        add(&d, &school, stem, "Jan", family).await;
    }
    let page = |start: usize, count: usize, sort: Option<(P, SortOrder)>| {
        let d = &d;
        let school = &school;
        async move {
            let mut q = search(None, only(&[school]));
            (q.start_index, q.count, q.sort) = (start, count, sort);
            d.search_people(&q).await.unwrap()
        }
    };
    let all = page(1, 100, None).await;
    assert_eq!(all.total, 5);
    let ids: Vec<String> = all.items.iter().map(|p| p.entry.id.clone()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "default order is by id");
    let mut paged = Vec::new();
    for start in [1, 3, 5] {
        let p = page(start, 2, None).await;
        assert_eq!(p.total, 5);
        paged.extend(p.items.into_iter().map(|p| p.entry.id));
    }
    assert_eq!(paged, ids);
    let beyond = page(6, 2, None).await;
    assert_eq!((beyond.total, beyond.items.len()), (5, 0));
    assert_eq!(page(0, 0, None).await.items.len(), 0);

    let family = |p: &Page<PersonEntry>| {
        p.items
            .iter()
            .map(|e| e.profile.name.family.to_string())
            .collect::<Vec<_>>()
    };
    let asc = page(1, 3, Some((P::FamilyName, SortOrder::Ascending))).await;
    assert_eq!(family(&asc), ["Adamek", "Bury", "Cichy"]);
    let desc = page(2, 2, Some((P::FamilyName, SortOrder::Descending))).await;
    assert_eq!(family(&desc), ["Dudek", "Cichy"]);
}
