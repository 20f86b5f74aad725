//! Issue 18: a daemon that follows a replicated directory: SCIM creates through a SIGKILL of
//! the provider in use, a switch between an add and its read-back, and the replication bench.

use crate::common::{
    self,
    replicated::{converged, snapshot, ProviderPair},
};
use crate::replication::CONVERGE;
use std::time::Duration;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::AuditLog as _;

#[path = "replication_failover_bench.rs"]
mod bench;
#[path = "replication_failover_switch.rs"]
mod switch;

async fn readyz_provider(d: &crate::scim_backpressure::Daemon) -> (u16, serde_json::Value) {
    let root = d.base.trim_end_matches("/scim/v2");
    let res = reqwest::get(format!("{root}/readyz")).await.unwrap();
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    (status, body["checks"]["ldap"]["provider"].clone())
}

/// One client's view of a create: how many attempts it took and how long, first to last.
struct Created {
    attempts: u32,
    elapsed: Duration,
}

/// Posts `user` until it is created (201) or found created by an earlier attempt whose answer
/// was lost (409 uniqueness): what a SCIM client does through a switch.
async fn create_until_done(
    d: &crate::scim_backpressure::Daemon,
    user: &serde_json::Value,
) -> Created {
    let client = reqwest::Client::new();
    let start = std::time::Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let res = client
            .post(format!("{}/Users", d.base))
            .bearer_auth(&d.token)
            .header("content-type", "application/scim+json")
            .body(user.to_string())
            .send()
            .await;
        match res.map(|r| r.status().as_u16()) {
            Ok(201) | Ok(409) => {
                return Created {
                    attempts,
                    elapsed: start.elapsed(),
                }
            }
            Ok(503) | Ok(504) | Err(_) => {}
            Ok(other) => panic!("{user}: unexpected {other}"),
        }
        assert!(
            attempts < 300,
            "{user}: still not created after {attempts} attempts"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `n` creates of people `tag-0..n` over `workers` concurrent clients; `on_progress` is
/// polled with the count of finished creates until it returns `true` (e.g. after a kill).
async fn create_stream(
    d: &std::sync::Arc<crate::scim_backpressure::Daemon>,
    school: &str,
    tag: &str,
    n: usize,
    workers: usize,
    mut on_progress: impl FnMut(usize) -> bool,
) -> Vec<Created> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (d, next, done) = (d.clone(), next.clone(), done.clone());
        let (school, tag) = (school.to_owned(), tag.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    return out;
                }
                let mut user = crate::scim_support::okta_user(
                    &school,
                    "Zofia",
                    &format!(
                        "Replika{}",
                        char::from(b'a' + (i % 26) as u8).to_string() + &i.to_string()
                    ),
                );
                user["externalId"] = serde_json::json!(format!("{tag}-{i}"));
                out.push(create_until_done(&d, &user).await);
                done.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let mut fired = false;
    while !tasks.iter().all(|t| t.is_finished()) {
        if !fired {
            fired = on_progress(done.load(Ordering::SeqCst));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// Waits (up to `CONVERGE`) until provider `i` holds every entry provider `j` holds.
async fn holds_everything_of(pair: &ProviderPair, i: usize, j: usize) {
    let deadline = std::time::Instant::now() + CONVERGE;
    loop {
        let held = snapshot(&pair.url(i), &pair.admin_password, common::BASE_DN).await;
        let missing: Vec<_> = snapshot(&pair.url(j), &pair.admin_password, common::BASE_DN)
            .await
            .into_iter()
            .filter(|e| !held.contains(e))
            .collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "provider {} lacks {missing:?}",
            i + 1
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The people of `school` on one provider: (login, entryUUID), sorted.
async fn people_on(pair: &ProviderPair, i: usize, school: &str) -> Vec<(String, String)> {
    let mut people: Vec<(String, String)> = snapshot(
        &pair.url(i),
        &pair.admin_password,
        &format!("ou=pracownicy,{}", common::school_dn(school)),
    )
    .await
    .into_iter()
    .filter(|(_, _, uid)| !uid.is_empty())
    .map(|(_, uuid, uid)| (uid, uuid))
    .collect();
    people.sort();
    people
}

/// Creates a person through SCIM (no account) and returns its id.
async fn scim_person(d: &crate::scim_backpressure::Daemon, school: &str, i: usize) -> String {
    let mut user = crate::scim_support::okta_user(school, "Konto", &format!("Panelowe{i}"));
    user["externalId"] = serde_json::json!(format!("account-{i}"));
    let res = reqwest::Client::new()
        .post(format!("{}/Users", d.base))
        .bearer_auth(&d.token)
        .header("content-type", "application/scim+json")
        .body(user.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// What the panel's "Create account" does (the use case behind its handler), repeated the way
/// an administrator would while the directory is unavailable: until an answer that is not
/// "unavailable". `true` when the account was created by one of the attempts.
async fn panel_create_account(d: &crate::scim_backpressure::Daemon, id: &str) -> bool {
    use zszo_connector::provisioning::{Caller, ProvisioningError};
    let caller = Caller {
        actor: zszo_connector::domain::audit::Actor::Person("administrator.miasta".into()),
        scope: zszo_connector::ports::SchoolScope::All,
        request_id: None,
    };
    for _ in 0..300 {
        match d.state.provisioning().create_account(&caller, id).await {
            Ok(_) => return true,
            Err(ProvisioningError::Unavailable | ProvisioningError::OutcomeUnknown) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            // An earlier attempt whose answer was lost created it (the administrator would
            // see the account and re-issue its password).
            Err(ProvisioningError::Conflict(_)) => return false,
            Err(other) => panic!("account for {id}: {other}"),
        }
    }
    panic!("account for {id}: still unavailable");
}

/// Issue 18, "Done when": a daemon with `ldap.urls = [provider 1, provider 2]` under a stream
/// of SCIM creates and, alongside, panel account creations; provider 1 (in use) is SIGKILLed mid-stream; the creates continue on
/// provider 2 (`/readyz` names it); provider 1 returns and both converge. Every person is on
/// both providers exactly once, logins are unique, and each has exactly one successful
/// `person.created` (an answer lost in the kill is read back, never created twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scim_creates_continue_through_a_sigkill_of_the_active_provider_and_both_converge() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = ProviderPair::start(&dir.path().join("ldap"));
    converged(&pair, common::BASE_DN, CONVERGE).await;
    let daemon_dir = dir.path().join("daemon");
    std::fs::create_dir_all(&daemon_dir).unwrap();
    let toml = common::config_toml(
        &daemon_dir,
        &pair.url(0),
        &pair.service_dn(),
        &pair.service_password,
        "http://127.0.0.1",
        "",
    )
    .replace(
        &format!("url = \"{}\"", pair.url(0)),
        &format!("urls = {}", pair.urls_toml()),
    );
    let school = common::unique_school_code();
    zszo_connector::monitoring::install();
    let d = std::sync::Arc::new(
        crate::scim_backpressure::daemon_from_toml(&daemon_dir, &toml, &school).await,
    );
    assert_eq!(
        readyz_provider(&d).await,
        (200, serde_json::json!(pair.url(0)))
    );

    // People whose accounts the panel creates while the SCIM stream runs.
    let mut account_ids = Vec::new();
    for i in 0..8 {
        account_ids.push(scim_person(&d, &school, i).await);
    }
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let provider_killed = std::sync::Arc::new(AtomicBool::new(false));
    let panel_done = std::sync::Arc::new(AtomicUsize::new(0));
    let panel = {
        let (d, ids) = (d.clone(), account_ids.clone());
        let (provider_killed, panel_done) = (provider_killed.clone(), panel_done.clone());
        tokio::spawn(async move {
            // Accounts created after the kill (the others before it).
            let mut after_kill = 0;
            for (i, id) in ids.iter().enumerate() {
                // Two accounts before the kill, the rest after it (while SCIM creates go on).
                while i >= 2 && !provider_killed.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                panel_create_account(&d, id).await;
                after_kill += usize::from(provider_killed.load(Ordering::SeqCst));
                panel_done.fetch_add(1, Ordering::SeqCst);
            }
            after_kill
        })
    };

    // The two accounts before the kill are done before the SCIM stream starts: the stream's
    // kill must not wait for them, or a stream that finishes first (a slow Argon2 hash on a
    // loaded machine) leaves the panel task waiting for a kill that never comes.
    let before = std::time::Instant::now();
    while panel_done.load(Ordering::SeqCst) < 2 {
        assert!(
            before.elapsed() < Duration::from_secs(300),
            "the panel's first two accounts were not created"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (n, tag) = (60, "failover");
    let mut killed = false;
    let results = create_stream(&d, &school, tag, n, 4, |done| {
        // The kill comes with SCIM creates under way; the panel's later accounts follow it.
        if done >= n / 3 && !killed {
            tokio::task::block_in_place(|| pair.kill(0));
            provider_killed.store(true, std::sync::atomic::Ordering::SeqCst);
            killed = true;
        }
        killed
    })
    .await;
    let accounts_after_kill = panel.await.unwrap();
    assert_eq!(
        accounts_after_kill,
        account_ids.len() - 2,
        "panel accounts on both sides of the kill"
    );
    assert!(killed, "the stream ended before the kill");
    assert_eq!(results.len(), n);
    assert_eq!(
        readyz_provider(&d).await,
        (200, serde_json::json!(pair.url(1)))
    );
    let scrape = zszo_connector::monitoring::install()
        .expect("the metrics recorder")
        .render();
    for (i, value) in [(0, 0), (1, 1)] {
        let series = format!(
            "zszo_ldap_provider_active{{url=\"{}\"}} {value}",
            pair.url(i)
        );
        assert!(scrape.contains(&series), "{series} missing in /metrics");
    }

    tokio::task::block_in_place(|| pair.restart(0));
    // Provider 1 catches up with what provider 2 took during its absence.
    holds_everything_of(&pair, 0, 1).await;
    // The pool stays on provider 2 (sticky): no switch back while it answers.
    assert_eq!(readyz_provider(&d).await.1, serde_json::json!(pair.url(1)));
    // The repair for a provider killed under writes (replication_crash.rs): syncrepl alone
    // may never bring provider 2 a few of provider 1's last acknowledged creations. The
    // daemon then moves to provider 1 while provider 2 restarts.
    tokio::task::block_in_place(|| pair.refresh_fully_from_peer(1));
    converged(&pair, common::BASE_DN, CONVERGE).await;

    crate::faults::assert_each_person_once_with_one_creation_record(&d, &school, tag, n).await;
    // Each panel account exactly once: one successful `account.created`, the account awaiting
    // its first login (whichever attempt created it).
    for id in &account_ids {
        let records = d
            .audit
            .query(zszo_connector::domain::audit::AuditQuery {
                target_uuid: Some(id.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        let created = records
            .iter()
            .filter(|r| {
                r.record.action == "account.created"
                    && r.record.outcome == zszo_connector::domain::audit::Outcome::Success
            })
            .count();
        assert_eq!(
            created, 1,
            "account of {id}: {created} account.created records"
        );
        let person = d
            .directory
            .get_person(id, &zszo_connector::ports::SchoolScope::All)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            person.account_state,
            zszo_connector::domain::AccountState::AwaitingFirstLogin
        );
    }
    let (one, two) = (
        people_on(&pair, 0, &school).await,
        people_on(&pair, 1, &school).await,
    );
    assert_eq!(one, two, "the providers hold different people");
    let people = n + account_ids.len();
    assert_eq!(one.len(), people, "{one:?}");
    let logins: std::collections::HashSet<&String> = one.iter().map(|(uid, _)| uid).collect();
    assert_eq!(logins.len(), people, "a login is used twice: {one:?}");

    let longest = results.iter().map(|r| r.elapsed).max().unwrap();
    let retried = results.iter().filter(|r| r.attempts > 1).count();
    eprintln!(
        "FAILOVER longest_create_ms={} retried_creates={retried} of {n}",
        longest.as_millis()
    );
}
