//! The one-time password against the real slapd: what `create_account` writes and how the
//! directory enforces it (forced change, expiry), concurrent creates, and `reissue_password`
//! until the person chooses their own password.

use super::*;
use crate::ldap_directory::admin_read;
use zszo_connector::domain::audit::Outcome;

/// A subtree search on the school as the bound identity: its result code.
async fn search_rc(ldap: &mut ldap3::Ldap, base: &str) -> u32 {
    let res = ldap
        .search(base, ldap3::Scope::Subtree, "(objectClass=*)", vec!["1.1"])
        .await
        .unwrap();
    res.1.rc
}

async fn password_modify(ldap: &mut ldap3::Ldap, old: &str, new: &str) -> u32 {
    let pm = ldap3::exop::PasswordModify {
        user_id: None,
        old_pass: Some(old),
        new_pass: Some(new),
    };
    ldap.extended(pm).await.unwrap().1.rc
}

fn conflict(e: &ProvisioningError) -> bool {
    matches!(e, ProvisioningError::Conflict(_))
}

#[tokio::test]
async fn account_create_gives_a_one_time_password_good_only_for_changing_it_once() {
    let env = Env::new().await;
    let p = env.person("Łukasz", "Wiśniewski", true).await;
    let issued = env.create(&p.entry.id).await;
    assert_eq!(issued.login, p.login);
    assert_eq!(
        issued.person.account_state,
        AccountState::AwaitingFirstLogin
    );
    let dn = &p.entry.dn;
    // What the directory holds: the hash only, forced change, expiry in both places.
    let e = admin_read(
        dn,
        &[
            "userPassword",
            "pwdReset",
            "pwdEndTime",
            "zszoInitialPasswordExpiry",
            "zszoAccountState",
            "zszoAccountCreatedBy",
            "zszoAccountCreatedAt",
            "pwdAccountLockedTime",
        ],
    )
    .await
    .unwrap();
    assert!(e["userPassword"][0].starts_with("{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!e["userPassword"][0].contains(issued.password.expose_secret()));
    assert_eq!(e["pwdReset"], ["TRUE"]);
    assert_eq!(e["pwdEndTime"], e["zszoInitialPasswordExpiry"]);
    assert_eq!(e["zszoAccountState"], ["awaiting-first-login"]);
    assert_eq!(e["zszoAccountCreatedBy"], ["person:dyrektor.test"]);
    assert!(!e.contains_key("pwdAccountLockedTime"));
    let expected_end = issued.expires_at;
    assert!(
        (expected_end - OffsetDateTime::now_utc() - time::Duration::days(TTL_DAYS)).abs()
            < time::Duration::minutes(1)
    );

    // The bind succeeds, but only a password change is allowed (ppolicy pwdReset).
    let otp = issued.password.expose_secret().to_owned();
    let (rc, mut ldap) = common::bind(dn, &otp).await;
    assert_eq!(rc, 0, "bind with the one-time password");
    let school_dn = common::school_dn(env.school.code.as_str());
    assert_eq!(search_rc(&mut ldap, &school_dn).await, 50, "restricted");
    // The person cannot change it at the directory (only the daemon writes passwords, after
    // its policy: issue 13); the portal's path is the service's one Modify, which ends the
    // restriction and the one-time password's expiry.
    let chosen = "a chosen passphrase of mine 42";
    assert_ne!(password_modify(&mut ldap, &otp, chosen).await, 0);
    let _ = ldap.unbind().await;
    assert_eq!(common::bind_rc(dn, &otp).await, 0);
    env.choose_own_password(&p, chosen).await;
    assert_eq!(common::bind_rc(dn, &otp).await, 49);
    let (rc, mut ldap) = common::bind(dn, chosen).await;
    assert_eq!(rc, 0);
    assert_eq!(search_rc(&mut ldap, dn).await, 0, "no longer restricted");
    let _ = ldap.unbind().await;
    let e = admin_read(dn, &["pwdEndTime", "pwdReset"]).await.unwrap();
    assert!(
        !e.contains_key("pwdEndTime"),
        "no pwdEndTime left behind: {e:?}"
    );

    // One audit record, about the person, without the password.
    let created = env.records("account.created").await;
    assert_eq!(created.len(), 1);
    let r = &created[0].record;
    assert_eq!(r.outcome, Outcome::Success);
    assert_eq!(
        r.target.as_ref().unwrap().entry_uuid.as_deref(),
        Some(p.entry.id.as_str())
    );
    assert_eq!(r.school.as_deref(), Some(env.school.code.as_str()));
    assert_eq!(r.details["login"], p.login.as_str());
    let json = serde_json::to_string(&created[0]).unwrap();
    assert!(!json.contains(&otp), "{json}");
}

#[tokio::test]
async fn account_one_time_password_is_refused_by_the_directory_after_its_expiry() {
    // The use case's clock is a TTL and a second behind: pwdEndTime is already past.
    let now = OffsetDateTime::now_utc();
    let ttl = time::Duration::days(TTL_DAYS);
    let env = Env::at(now - ttl - time::Duration::seconds(1)).await;
    let p = env.person("Anna", "Przeterminowana", true).await;
    let issued = env.create(&p.entry.id).await;
    assert!(issued.expires_at < OffsetDateTime::now_utc());
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        49
    );

    // Just before the expiry (TTL − 1 min) the same kind of password still works.
    let env = Env::at(now - ttl + time::Duration::minutes(1)).await;
    let p = env.person("Anna", "Jeszczeważna", true).await;
    let issued = env.create(&p.entry.id).await;
    assert!(issued.expires_at > OffsetDateTime::now_utc());
    assert_eq!(
        common::bind_rc(&p.entry.dn, issued.password.expose_secret()).await,
        0
    );
    // …and once the clock passes it, a re-issue is still allowed (expired one-time password).
    env.clock.advance(time::Duration::minutes(2));
    let again = env.reissue(&p.entry.id).await;
    assert!(again.expires_at > issued.expires_at);
    assert_eq!(
        common::bind_rc(&p.entry.dn, again.password.expose_secret()).await,
        0
    );
}

#[tokio::test]
async fn account_double_create_makes_one_account_and_keeps_the_first_password() {
    let env = Env::new().await;
    let p = env.person("Jan", "Dwukrotny", true).await;
    // Two submissions at once: exactly one wins.
    let (a, b) = tokio::join!(
        env.prov.create_account(&env.admin, &p.entry.id),
        env.prov.create_account(&env.admin, &p.entry.id)
    );
    let (won, lost): (Vec<_>, Vec<_>) = [a, b].into_iter().partition(Result::is_ok);
    assert_eq!(won.len(), 1, "one account");
    let lost = lost.into_iter().next().unwrap().unwrap_err();
    assert!(conflict(&lost), "{lost:?}");
    let first: IssuedAccount = won.into_iter().next().unwrap().unwrap();
    // A third, later submission is refused too, and changes nothing.
    env.refused(Action::Create, &p.entry.id).await;
    assert_eq!(
        common::bind_rc(&p.entry.dn, first.password.expose_secret()).await,
        0
    );
    let records = env.records("account.created").await;
    assert_eq!(records.len(), 3, "one record per submission");
    let failures = records
        .iter()
        .filter(|r| matches!(r.record.outcome, Outcome::Failure(_)))
        .count();
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn account_reissue_replaces_the_one_time_password_and_is_refused_once_active() {
    let env = Env::new().await;
    let p = env.person("Ewa", "Ponowna", true).await;
    let first = env.create(&p.entry.id).await;
    let second = env.reissue(&p.entry.id).await;
    assert_ne!(
        first.password.expose_secret(),
        second.password.expose_secret()
    );
    assert_eq!(
        common::bind_rc(&p.entry.dn, first.password.expose_secret()).await,
        49,
        "old one stops"
    );
    assert_eq!(
        common::bind_rc(&p.entry.dn, second.password.expose_secret()).await,
        0,
        "new one works"
    );
    let e = admin_read(&p.entry.dn, &["pwdReset", "zszoAccountCreatedBy"])
        .await
        .unwrap();
    assert_eq!(e["pwdReset"], ["TRUE"]);
    let reissued = env.records("account.password_reissued").await;
    assert_eq!(reissued.len(), 1);
    assert_eq!(
        reissued[0].record.details["previous_state"],
        "awaiting-first-login"
    );

    // The person chose their own password (the portal's path): no re-issue any more.
    let mine = "my very own passphrase 2024";
    env.choose_own_password(&p, mine).await;
    env.refused(Action::Reissue, &p.entry.id).await;
    assert_eq!(common::bind_rc(&p.entry.dn, mine).await, 0);

    // An active account (as the portal leaves it) is refused plainly.
    let q = env.person("Olga", "Aktywna", true).await;
    env.create(&q.entry.id).await;
    set_state(&q.entry.dn, "active").await;
    env.refused(Action::Reissue, &q.entry.id).await;
    // A person without an account cannot be re-issued a password either.
    let r = env.person("Piotr", "Bezkonta", true).await;
    env.refused(Action::Reissue, &r.entry.id).await;
    assert_eq!(env.records("account.password_reissued").await.len(), 4);
}

/// Sets `zszoAccountState` as the directory administrator (what the portal's use cases do).
async fn set_state(dn: &str, state: &str) {
    let mut ldap = common::connect_admin().await;
    ldap.modify(
        dn,
        vec![ldap3::Mod::Replace(
            "zszoAccountState",
            std::collections::HashSet::from([state]),
        )],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let _ = ldap.unbind().await;
}
