//! Issue 18: two slapd providers replicating each other (the daemon that follows them: `replication_failover`).

use crate::common::{
    self,
    replicated::{converged, snapshot, ProviderPair},
};
use std::time::Duration;

pub(crate) const CONVERGE: Duration = Duration::from_secs(30);

type Attrs<'a> = Vec<(&'a str, std::collections::HashSet<String>)>;

async fn add_ou(url: &str, admin_password: &str, name: &str) {
    let mut ldap = common::connect_admin_at(url, admin_password).await;
    let dn = format!("ou={name},ou=system,{}", common::BASE_DN);
    ldap.add(
        &dn,
        vec![
            ("objectClass", ["organizationalUnit"].into_iter().collect()),
            ("ou", [name].into_iter().collect()),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let _ = ldap.unbind().await;
}

/// Provider 2 starts empty and receives every entry of provider 1 with the same entryUUIDs;
/// a write on either provider reaches the other (multi-provider, not a read-only copy).
#[tokio::test]
async fn an_empty_second_provider_receives_everything_and_writes_flow_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let pair = ProviderPair::start(dir.path());
    let initial = converged(&pair, common::BASE_DN, CONVERGE).await;
    assert!(
        initial
            .iter()
            .any(|(dn, uuid, _)| dn.starts_with("cn=zszo-connector,ou=system") && !uuid.is_empty()),
        "the service identity did not reach provider 2: {initial:?}"
    );
    add_ou(&pair.url(0), &pair.admin_password, "z-jedynki").await;
    add_ou(&pair.url(1), &pair.admin_password, "z-dwojki").await;
    let after = converged(&pair, common::BASE_DN, CONVERGE).await;
    for name in ["z-jedynki", "z-dwojki"] {
        assert!(
            after
                .iter()
                .any(|(dn, _, _)| dn.starts_with(&format!("ou={name},"))),
            "{name} missing: {after:?}"
        );
    }
    let one = snapshot(&pair.url(0), &pair.admin_password, common::BASE_DN).await;
    assert_eq!(one.len(), initial.len() + 2);
}

pub(crate) async fn values(url: &str, admin_password: &str, dn: &str, attr: &str) -> Vec<String> {
    let (scope, filter) = (ldap3::Scope::Base, "(objectClass=*)");
    let found = common::admin_search_at(url, admin_password, dn, scope, filter, &[attr]).await;
    found
        .into_iter()
        .next()
        .and_then(|mut e| e.attrs.remove(attr))
        .unwrap_or_default()
}

async fn eventually(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// What schemas/ldap/README.md ("Two providers") says of the overlays: a membership written on
/// one provider shows as `memberOf` on both (the peer's own memberof overlay does not apply
/// replicated writes, but the replicated entry carries the value), and a failed bind's
/// `pwdFailureTime` on one provider reaches the other.
#[tokio::test]
async fn membership_and_password_failures_written_on_one_provider_reach_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let pair = ProviderPair::start(dir.path());
    converged(&pair, common::BASE_DN, CONVERGE).await;
    let school = common::school_dn("repl");
    let person = format!("uid=ewa.proba,ou=pracownicy,{school}");
    let group = format!("cn=proba,ou=grupy,{school}");
    let mut ldap = common::connect_admin_at(&pair.url(0), &pair.admin_password).await;
    let set = |v: &[&str]| {
        v.iter()
            .map(|s| s.to_string())
            .collect::<std::collections::HashSet<String>>()
    };
    let entries: Vec<(String, Attrs<'_>)> = vec![
        (
            school.clone(),
            vec![
                ("objectClass", set(&["organizationalUnit", "zszoSchool"])),
                ("ou", set(&["repl"])),
                ("zszoSchoolCode", set(&["repl"])),
            ],
        ),
        (
            format!("ou=pracownicy,{school}"),
            vec![
                ("objectClass", set(&["organizationalUnit"])),
                ("ou", set(&["pracownicy"])),
            ],
        ),
        (
            format!("ou=grupy,{school}"),
            vec![
                ("objectClass", set(&["organizationalUnit"])),
                ("ou", set(&["grupy"])),
            ],
        ),
        (
            person.clone(),
            vec![
                ("objectClass", set(&["inetOrgPerson"])),
                ("uid", set(&["ewa.proba"])),
                ("cn", set(&["Ewa Proba"])),
                ("sn", set(&["Proba"])),
                ("userPassword", set(&["dobre-haslo-123"])),
            ],
        ),
        (
            group.clone(),
            vec![
                ("objectClass", set(&["groupOfNames"])),
                ("cn", set(&["proba"])),
                ("member", set(&[person.as_str()])),
            ],
        ),
    ];
    for (dn, attrs) in entries {
        let attrs: Vec<(String, std::collections::HashSet<String>)> =
            attrs.into_iter().map(|(a, v)| (a.to_string(), v)).collect();
        ldap.add(&dn, attrs)
            .await
            .unwrap()
            .success()
            .unwrap_or_else(|e| panic!("{dn}: {e}"));
    }
    let _ = ldap.unbind().await;
    let pw = pair.admin_password.clone();
    let on_two = eventually(CONVERGE, async || {
        values(&pair.url(1), &pw, &person, "memberOf").await == vec![group.clone()]
    })
    .await;
    assert!(
        on_two,
        "memberOf did not reach provider 2: {:?}",
        values(&pair.url(1), &pw, &person, "memberOf").await
    );

    let (rc, _wrong) = common::bind_at(&pair.url(0), &person, "zle-haslo").await;
    assert_eq!(rc, 49);
    assert_eq!(
        values(&pair.url(0), &pw, &person, "pwdFailureTime")
            .await
            .len(),
        1
    );
    let failure_on_two = eventually(CONVERGE, async || {
        values(&pair.url(1), &pw, &person, "pwdFailureTime")
            .await
            .len()
            == 1
    })
    .await;
    assert!(failure_on_two, "pwdFailureTime did not reach provider 2");
}
