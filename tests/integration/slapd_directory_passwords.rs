//! The generated slapd's passwords: `{ARGON2}` binds, `pwdReset` and `pwdEndTime`, and the
//! lockout after ten wrong passwords.

use super::*;
use crate::common::{connect_admin, connect_as};

#[tokio::test]
async fn argon2_userpassword_binds_with_the_right_password_and_refuses_a_wrong_one() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let password = "S3cret-passphrase-ąę";
    let person = person_with_password(&code, "anna.nowak", password, vec![]).await;

    assert_eq!(common::bind_rc(&person, password).await, 0);
    assert_eq!(
        common::bind_rc(&person, "S3cret-passphrase-ae").await,
        INVALID_CREDENTIALS
    );
    // An unauthenticated bind (DN, empty password) is refused, never treated as anonymous.
    assert_eq!(common::bind_rc(&person, "").await, UNWILLING_TO_PERFORM);
}

#[tokio::test]
async fn pwd_reset_restricts_the_bound_user_and_only_the_service_sets_the_new_password() {
    let code = common::unique_school_code();
    let school = common::create_school(&code).await;
    let password = "initial-Passw0rd";
    let person = person_with_password(
        &code,
        "ewa.zielinska",
        password,
        vec![("pwdReset".to_owned(), set(&["TRUE"]))],
    )
    .await;

    let mut user = connect_as(&person, password).await;
    let res = user
        .search(&school, Scope::Subtree, "(objectClass=*)", vec!["cn"])
        .await
        .unwrap();
    assert_eq!(res.1.rc, INSUFFICIENT_ACCESS, "{:?}", res.1);
    assert!(res.0.is_empty());

    // The person cannot change the password themself (only the service writes passwords,
    // after the daemon's policy): Password Modify is refused, the one-time password stays.
    let change = ldap3::exop::PasswordModify {
        user_id: None,
        old_pass: Some(password),
        new_pass: Some("a"),
    };
    // slapd refuses it before looking at the new value: 53 ("unwilling to verify old
    // password": the person may not even compare their hash) or 50.
    let res = user.extended(change).await.unwrap();
    assert!(matches!(res.1.rc, 50 | 53), "{:?}", res.1);
    assert_eq!(common::bind_rc(&person, password).await, 0);
    assert_eq!(common::bind_rc(&person, "a").await, INVALID_CREDENTIALS);

    // The service writes the new hash and lifts the restriction in one Modify.
    let mut service = connect_service().await;
    service
        .modify(
            &person,
            vec![
                Mod::Replace(
                    "userPassword".to_owned(),
                    set(&[&slapd::argon2_userpassword("a-new-Passw0rd-of-her-own").unwrap()]),
                ),
                Mod::Replace("pwdReset".to_owned(), set(&["FALSE"])),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let mut again = connect_as(&person, "a-new-Passw0rd-of-her-own").await;
    let (entries, _) = again
        .search(&person, Scope::Base, "(objectClass=*)", vec!["cn"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(entries.len(), 1);
    let mut admin = connect_admin().await;
    let entry = read_entry(&mut admin, &person, &["pwdReset"])
        .await
        .unwrap();
    assert_eq!(first(&entry, "pwdReset"), Some("FALSE"));
}

#[tokio::test]
async fn pwd_end_time_in_the_past_makes_the_bind_fail_with_49() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let password = "one-time-Passw0rd";
    let expired = person_with_password(
        &code,
        "expired",
        password,
        vec![("pwdEndTime".to_owned(), set(&["20000101000000Z"]))],
    )
    .await;
    let valid = person_with_password(
        &code,
        "valid",
        password,
        vec![("pwdEndTime".to_owned(), set(&["20991231235959Z"]))],
    )
    .await;
    assert_eq!(
        common::bind_rc(&expired, password).await,
        INVALID_CREDENTIALS
    );
    assert_eq!(common::bind_rc(&valid, password).await, 0);
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_in_the_directory() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let password = "right-Passw0rd";
    let person = person_with_password(&code, "locked", password, vec![]).await;
    for _ in 0..10 {
        assert_eq!(common::bind_rc(&person, "wrong").await, INVALID_CREDENTIALS);
    }
    // Locked: even the right password fails, with the same generic error.
    assert_eq!(
        common::bind_rc(&person, password).await,
        INVALID_CREDENTIALS
    );
    let mut service = connect_service().await;
    let entry = read_entry(&mut service, &person, &["pwdAccountLockedTime"])
        .await
        .unwrap();
    assert!(first(&entry, "pwdAccountLockedTime").is_some());
    // The service can unlock.
    service
        .modify(
            &person,
            // pwdFailureTime is NO-USER-MODIFICATION; ppolicy clears it with the lock.
            vec![Mod::Delete(
                "pwdAccountLockedTime".to_owned(),
                HashSet::new(),
            )],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(common::bind_rc(&person, password).await, 0);
}
