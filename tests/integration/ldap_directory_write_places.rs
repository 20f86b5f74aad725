//! `ldap.writes_in_flight`: writes beyond the limit wait in the daemon for a place
//! (`ldap/pool/write_places.rs`). With one place, concurrent writes (some refused) and reads
//! must all be answered: a place that a write, accepted or refused, kept would leave every
//! later write waiting until the operation timeout, and then failing `Unavailable`.

use super::*;

#[tokio::test]
async fn with_one_write_place_concurrent_writes_all_land_and_a_refused_one_frees_its_place() {
    let mut o = options_for(&common::ldap().url);
    o.writes_in_flight = 1;
    o.operation_timeout = Duration::from_secs(3);
    let d = std::sync::Arc::new(LdapDirectory::connect(o).await.expect("connect"));
    d.ensure_layout().await.expect("layout");
    let school = new_school(&d, "Szkoła Podstawowa nr 12").await;
    let taken = login(&school, "zajety.login");
    d.create_person(&person(
        taken.clone(),
        person_name("Zajęty", "Login"),
        &school,
    ))
    .await
    .expect("the first holder of the login");

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (d, school, taken) = (d.clone(), school.clone(), taken.clone());
        tasks.spawn(async move {
            // Every third write is refused (the login is taken): its place must come back.
            let refused = i % 3 == 0;
            let who = if refused {
                taken
            } else {
                login(&school, &format!("osoba{i}"))
            };
            let result = d
                .create_person(&person(who, person_name("Osoba", "Równoległa"), &school))
                .await;
            let read = d.find_school(&school.code).await;
            (refused, result.map(|_| ()), read.map(|s| s.is_some()))
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (refused, written, read) = joined.expect("a task");
        match written {
            Ok(()) => assert!(!refused, "a taken login was written"),
            Err(DirectoryError::AlreadyExists { .. }) => assert!(refused),
            Err(e) => panic!("a write did not get its place or failed: {e}"),
        }
        assert!(
            read.expect("a read beside the writes"),
            "the school is found"
        );
    }
    for i in (0..12).filter(|i| i % 3 != 0) {
        let found = d
            .find_person_by_login(&login(&school, &format!("osoba{i}")))
            .await
            .expect("read back");
        assert!(found.is_some(), "osoba{i} landed");
    }
}
