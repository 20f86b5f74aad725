//! A switch of provider between an add and its read-back: an unknown outcome (503), never a
//! 500, and the retry finds the one person created.

use super::*;

/// Found while testing failover: an add answered by provider 1, then a switch to provider 2
/// before the read-back, which does not hold the entry yet. That was a 500 ("vanished right
/// after it was created"); now the read-back waits briefly for replication and then the
/// outcome is unknown: 503, and the person exists once on both providers when they have
/// converged. Provider 2 replicates from provider 1 through a second proxy, down while the
/// person is created (a network partition, not a crash).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_between_an_add_and_its_read_back_is_an_unknown_outcome_not_a_500() {
    use crate::cutting_proxy::{CuttingProxy, MODIFY};
    let dir = tempfile::tempdir().unwrap();
    let (pair, replication) =
        ProviderPair::start_with_cuttable_replication(&dir.path().join("ldap")).await;
    let proxy = CuttingProxy::start(pair.port(0)).await;
    let via_proxy = format!("ldap://127.0.0.1:{}/", proxy.port);
    let daemon_dir = dir.path().join("daemon");
    std::fs::create_dir_all(&daemon_dir).unwrap();
    let toml = common::config_toml(
        &daemon_dir,
        &via_proxy,
        &pair.service_dn(),
        &pair.service_password,
        "http://127.0.0.1",
        "",
    )
    .replace(
        &format!("url = \"{via_proxy}\""),
        &format!("urls = [\"{via_proxy}\", \"{}\"]", pair.url(1)),
    );
    let school = common::unique_school_code();
    let d = crate::scim_backpressure::daemon_from_toml(&daemon_dir, &toml, &school).await;
    converged(&pair, common::BASE_DN, CONVERGE).await;

    // Two e-mail addresses: after the add, a second write orders them; its answer is lost
    // and provider 1 becomes unreachable, so the read-back goes to provider 2.
    let mut user = crate::scim_support::okta_user(&school, "Przełączona", "Odczyt");
    user["externalId"] = serde_json::json!("switch-0");
    user["emails"] = serde_json::json!([
        {"value": "pierwszy@szkola.example", "type": "work", "primary": true},
        {"value": "drugi@szkola.example", "type": "home"}
    ]);
    replication.down();
    proxy.cut_next(MODIFY, true);
    let post = || async {
        reqwest::Client::new()
            .post(format!("{}/Users", d.base))
            .bearer_auth(&d.token)
            .header("content-type", "application/scim+json")
            .body(user.to_string())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(post().await, 503, "not 500: the outcome is unknown");
    assert_eq!(readyz_provider(&d).await.1, serde_json::json!(pair.url(1)));

    proxy.heal();
    replication.heal();
    converged(&pair, common::BASE_DN, CONVERGE).await;
    // The retry finds the creation it never learned about (its write intent stayed open:
    // "not found on provider 2" was no proof the add failed) and gets it, never a bare 409.
    let retried = post().await;
    assert!(
        retried == 201 || retried == 200,
        "the retry gets the existing person, not {retried}"
    );
    let created = d
        .audit
        .query(Default::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            r.record.action == "person.created"
                && r.record.outcome == zszo_connector::domain::audit::Outcome::Success
        })
        .count();
    assert_eq!(created, 1, "exactly one person.created");
    let (one, two) = (
        people_on(&pair, 0, &school).await,
        people_on(&pair, 1, &school).await,
    );
    assert_eq!(one, two);
    assert_eq!(one.len(), 1, "{one:?}");
}
