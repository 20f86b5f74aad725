//! The school's history over HTTP (filters, paging, CSV and JSON exports, all audited) and the
//! F-04 room list (versioned, a stale change refused).

use super::*;

#[tokio::test]
async fn school_history_filters_pages_and_exports_what_it_shows_and_is_audited() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    let admin = app.signed_in(&app.local_admin).await;
    let mut people = Vec::new();
    for i in 0..3 {
        let p = app
            .add_person("Anna", &format!("Historyczna{i}"), &a, None, None)
            .await;
        activated(&app, &p, &a, "nauczycielka").await;
        people.push(p);
    }
    let base = format!("/panel/historia?szkola={a}");
    let all = admin.get(&base).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    for p in &people {
        assert!(all.body.contains(p.login.as_str()));
    }
    // Filter by action and person.
    let one = admin
        .get(&format!(
            "{base}&akcja=account.activated&osoba={}",
            people[1].login.as_str()
        ))
        .await;
    assert!(one.body.contains(people[1].login.as_str()));
    assert!(!one.body.contains(people[0].login.as_str()));
    assert!(one.body.contains("Rekordów: 1"), "{}", one.body);
    // A period in the future matches nothing, typed the ISO way or the Polish way; a bad
    // date is said on the page, the other filters still apply (issue 16: no bare 400).
    let none = admin.get(&format!("{base}&od=2999-01-01")).await;
    assert!(none.body.contains("Rekordów: 0"), "{}", none.body);
    let none = admin.get(&format!("{base}&od=01.01.2999")).await;
    assert!(none.body.contains("Rekordów: 0"), "{}", none.body);
    let bad = admin.get(&format!("{base}&od=wczoraj")).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("Nie rozpoznano daty"), "{}", bad.body);
    assert!(bad.body.contains(people[0].login.as_str()), "{}", bad.body);
    let bad_export = admin
        .get(&format!(
            "/panel/historia/eksport?format=csv&szkola={a}&od=wczoraj"
        ))
        .await;
    assert_eq!(bad_export.status, StatusCode::SEE_OTHER);
    // Actor filter: the activations were the people's own.
    let by = admin
        .get(&format!("{base}&wykonawca={}", people[2].login.as_str()))
        .await;
    assert!(by.body.contains("Rekordów: 1"), "{}", by.body);

    // Export of what the filters show: CSV and JSON.
    let q = format!("szkola={a}&akcja=account.activated");
    let csv = admin
        .get(&format!("/panel/historia/eksport?format=csv&{q}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let rows = polish_csv(&csv.body);
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| &r[3] == "pracownik aktywował konto (potwierdził e-mail)"),
        "{}",
        csv.body
    );
    assert!(
        !csv.body.contains("dc=") && !csv.body.contains('{'),
        "{}",
        csv.body
    );
    let json = admin
        .get(&format!("/panel/historia/eksport?format=json&{q}"))
        .await;
    let records: Vec<serde_json::Value> = serde_json::from_str(&json.body).unwrap();
    assert_eq!(records.len(), 3);

    // Viewing and exporting are audited, with the filters.
    let viewed = app.audit_of("audit.viewed").await;
    assert_eq!(
        viewed.len(),
        6,
        "six views, the one with a bad date included"
    );
    assert_eq!(
        viewed.last().unwrap().record.actor,
        Actor::Person(app.local_admin.login.clone())
    );
    let exported = app.audit_of("audit.exported").await;
    assert_eq!(exported.len(), 2);
    assert_eq!(exported[0].record.details["format"], "json");
    assert_eq!(exported[0].record.details["records"], "3");
    assert_eq!(
        exported[0].record.details["filter_action"],
        "account.activated"
    );
}

#[tokio::test]
async fn the_room_list_is_versioned_and_a_stale_change_is_refused() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    let admin = app.signed_in(&app.local_admin).await;
    let page = format!("/panel/pomieszczenia?szkola={a}");
    let add = |room: &'static str, version: &'static str| {
        let (admin, page, a) = (&admin, page.clone(), a.clone());
        async move {
            let csrf = csrf_of(admin, &page).await;
            admin
                .post_form(
                    "/panel/pomieszczenia/dodaj",
                    &[
                        ("csrf", &csrf),
                        ("szkola", &a),
                        ("wersja", version),
                        ("pomieszczenie", room),
                        ("budynek", "ul. Źródlana 5, Kraków"),
                        ("przeznaczenie", "sekretariat, dokumentacja uczniów"),
                    ],
                )
                .await
        }
    };
    assert_eq!(add("pok. 12", "0").await.status, StatusCode::SEE_OTHER);
    assert_eq!(add("pok. 14", "1").await.status, StatusCode::SEE_OTHER);
    // Based on version 1 while 2 exists (a stale tab): refused, nothing written, and the
    // page says so and keeps what was typed.
    let stale = add("pok. 99", "1").await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.body.contains("w międzyczasie"), "{}", stale.body);
    assert!(stale.body.contains(r#"value="pok. 99""#), "{}", stale.body);
    // "Usuń" first asks, naming the room; the POST then removes it and says so.
    let ask = admin
        .get(&format!(
            "/panel/pomieszczenia/usun?szkola={a}&wersja=2&lp=1"
        ))
        .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
    assert!(ask.body.contains("Tak, usuń pomieszczenie") && ask.body.contains("pok. 12"));
    let csrf = ask.csrf().unwrap();
    let removed = admin
        .post_form(
            "/panel/pomieszczenia/usun",
            &[
                ("csrf", &csrf),
                ("szkola", &a),
                ("wersja", "2"),
                ("lp", "1"),
            ],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let after = admin.follow(&removed).await;
    assert!(
        after.body.contains("Usunięto pomieszczenie"),
        "{}",
        after.body
    );

    let latest = admin
        .get(&format!("/panel/pomieszczenia/druk?szkola={a}"))
        .await;
    assert!(latest.body.contains("wersja 3"), "{}", latest.body);
    assert!(latest.body.contains("pok. 14") && !latest.body.contains("pok. 12"));
    let first = admin
        .get(&format!("/panel/pomieszczenia/druk?szkola={a}&wersja=1"))
        .await;
    assert!(first.body.contains("pok. 12") && !first.body.contains("pok. 14"));
    assert!(first.body.contains("ul. Źródlana 5, Kraków"));
    let changes = app.audit_of("forms.rooms_changed").await;
    assert_eq!(changes.len(), 4);
    assert_eq!(
        changes
            .iter()
            .filter(|r| r.record.outcome == Outcome::Success)
            .count(),
        3
    );
    assert_eq!(
        changes[0].record.details["change"],
        "- pok. 12 (ul. Źródlana 5, Kraków)"
    );
    // A room without a purpose is a readable 400.
    let csrf = csrf_of(&admin, &page).await;
    let empty = admin
        .post_form(
            "/panel/pomieszczenia/dodaj",
            &[
                ("csrf", &csrf),
                ("szkola", &a),
                ("wersja", "3"),
                ("pomieszczenie", "x"),
                ("budynek", "y"),
                ("przeznaczenie", " "),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("Wypełnij wszystkie trzy pola"),
        "{}",
        empty.body
    );
    assert!(
        empty.body.contains(r#"value="x""#),
        "what was typed stays: {}",
        empty.body
    );
}
