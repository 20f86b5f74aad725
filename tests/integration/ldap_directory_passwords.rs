//! `LdapDirectory::check_password`: only the right password passes, and an expired initial
//! password is refused by the directory.

use super::*;

#[tokio::test]
async fn check_password_accepts_only_the_right_password() {
    let d = directory().await;
    let school = new_school(&d, "Szkoła Podstawowa nr 8").await;
    let mut p = person(
        login(&school, "olga.haslo"),
        person_name("Olga", "Hasło"),
        &school,
    );
    let expires = OffsetDateTime::now_utc() + time::Duration::days(7);
    p.credentials = Some(credentials("Zażółć gęślą jaźń 42", Some(expires)));
    d.create_person(&p).await.unwrap();

    let check = |pw: &str| {
        let (d, login, pw) = (&d, p.login.clone(), SecretString::from(pw.to_owned()));
        async move { d.check_password(&login, &pw).await.unwrap() }
    };
    assert!(check("Zażółć gęślą jaźń 42").await);
    assert!(!check("zażółć gęślą jaźń 42").await);
    assert!(!check("").await);
    assert!(!check("   ").await);
    let unknown = login(&school, "nikt.taki");
    assert!(!d
        .check_password(
            &unknown,
            &SecretString::from("Zażółć gęślą jaźń 42".to_owned())
        )
        .await
        .unwrap());
}

#[tokio::test]
async fn an_expired_initial_password_is_refused_by_the_directory() {
    let d = directory().await;
    let school = new_school(&d, "Szkoła Podstawowa nr 10").await;
    let mut p = person(
        login(&school, "stare.haslo"),
        person_name("Stare", "Hasło"),
        &school,
    );
    let expired = OffsetDateTime::now_utc() - time::Duration::minutes(1);
    p.credentials = Some(credentials("Jednorazowe-Hasło-9", Some(expired)));
    d.create_person(&p).await.unwrap();
    let pw = SecretString::from("Jednorazowe-Hasło-9".to_owned());
    assert!(!d.check_password(&p.login, &pw).await.unwrap());
}
