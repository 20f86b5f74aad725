//! A provider SIGKILLed while it takes concurrent writes, and the repair schemas/ldap/README.md
//! ("Two providers") gives for it.
//!
//! Measured on slapd 2.5.13 (10 kills, 16 writers on the provider): in 8 the peer never
//! received 1–26 writes the killed provider had acknowledged, though the killed provider came
//! back and syncrepl ran for 20 s. syncprov sends changes to a consumer in the order the
//! writes finish, each with its CSN as the consumer's new cookie; the kill loses the changes
//! not yet sent, and the returning provider only sends what is newer than the cookie, which
//! had already moved past the lost ones. Restarting the peer once with its cookie reset (a
//! full refresh) brings them all.

use crate::common::{
    self,
    replicated::{converged, snapshot, ProviderPair},
};
use crate::replication::CONVERGE;
use std::collections::HashSet;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Writers adding `ou` entries to `url`, each until it has made `adds` or the provider stops
/// answering; the DNs of the adds slapd acknowledged are pushed to `acknowledged`.
fn spawn_writers(
    url: &str,
    admin_password: &str,
    (writers, adds): (usize, usize),
    acknowledged: &Arc<Mutex<Vec<String>>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..writers)
        .map(|w| {
            let (url, pw, acked) = (
                url.to_owned(),
                admin_password.to_owned(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                // A writer still binding when the provider is killed has acknowledged nothing.
                let Some(mut ldap) = common::try_connect_admin_at(&url, &pw).await else {
                    return;
                };
                for i in 0..adds {
                    let name = format!("crash-w{w}-{i}");
                    let dn = format!("ou={name},ou=system,{}", common::BASE_DN);
                    let attrs = vec![
                        ("objectClass", HashSet::from(["organizationalUnit"])),
                        ("ou", HashSet::from([name.as_str()])),
                    ];
                    match ldap.add(&dn, attrs).await {
                        Ok(r) if r.rc == 0 => acked.lock().unwrap().push(dn.to_lowercase()),
                        _ => return,
                    }
                }
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_provider_is_killed_under_writes_a_full_refresh_brings_the_peer_every_acknowledged_write(
) {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = ProviderPair::start(&dir.path().join("ldap"));
    converged(&pair, common::BASE_DN, CONVERGE).await;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writers = spawn_writers(
        &pair.url(0),
        &pair.admin_password,
        (16, usize::MAX),
        &acknowledged,
    );
    while acknowledged.lock().unwrap().len() < 200 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::task::block_in_place(|| pair.kill(0));
    for w in writers {
        w.await.unwrap();
    }
    tokio::task::block_in_place(|| pair.restart(0));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let acknowledged: HashSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    let on = |entries: Vec<(String, String, String)>| -> HashSet<String> {
        entries.into_iter().map(|(dn, _, _)| dn).collect()
    };
    let first = on(snapshot(&pair.url(0), &pair.admin_password, common::BASE_DN).await);
    let missing = acknowledged.difference(&first).count();
    assert_eq!(
        missing, 0,
        "the killed provider lost {missing} acknowledged writes"
    );
    let peer = on(snapshot(&pair.url(1), &pair.admin_password, common::BASE_DN).await);
    // Not asserted (it depends on the moment of the kill): how many the peer lacks now.
    eprintln!(
        "before the full refresh the peer lacks {} of {} acknowledged writes",
        acknowledged.difference(&peer).count(),
        acknowledged.len()
    );

    tokio::task::block_in_place(|| pair.refresh_fully_from_peer(1));
    let both = on(converged(&pair, common::BASE_DN, CONVERGE).await);
    let lost: Vec<&String> = acknowledged.difference(&both).collect();
    assert!(
        lost.is_empty(),
        "acknowledged writes missing after the refresh: {lost:?}"
    );
}

/// `compare-providers` against `pair` (provider 1 first), differences read again after
/// `settle` seconds, ready to run.
fn compare_command(dir: &std::path::Path, pair: &ProviderPair, settle: u64) -> Command {
    let url = pair.url(0);
    let toml = common::config_toml(
        dir,
        &url,
        &pair.service_dn(),
        &pair.service_password,
        "http://127.0.0.1",
        "",
    )
    .replace(
        &format!("url = \"{url}\""),
        &format!("urls = {}", pair.urls_toml()),
    );
    let path = dir.join("zszo.toml");
    std::fs::write(&path, toml).unwrap();
    let mut command = Command::new(common::daemon::BIN);
    command
        .arg("compare-providers")
        .arg("--config")
        .arg(&path)
        .arg("--settle")
        .arg(settle.to_string());
    command
}

/// Runs `compare-providers` against `pair` (a difference read again 1 s later); its exit
/// status and output.
fn compare_providers(dir: &std::path::Path, pair: &ProviderPair) -> (bool, String) {
    let out = compare_command(dir, pair, 1).output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// Two providers under `dir`, provider 1's replication to provider 2 through a proxy that
/// can cut it, and a folder for `compare-providers`' configuration.
async fn pair_with_cuttable_replication(
    dir: &std::path::Path,
) -> (
    ProviderPair,
    crate::cutting_proxy::CuttingProxy,
    std::path::PathBuf,
) {
    let (pair, replication) =
        ProviderPair::start_with_cuttable_replication(&dir.join("ldap")).await;
    let daemon_dir = dir.join("daemon");
    std::fs::create_dir_all(&daemon_dir).unwrap();
    (pair, replication, daemon_dir)
}

/// Adds `ou=<name>,ou=system` on provider `i`.
async fn add_ou(pair: &ProviderPair, i: usize, name: &str) {
    let mut ldap = common::connect_admin_at(&pair.url(i), &pair.admin_password).await;
    let dn = format!("ou={name},ou=system,{}", common::BASE_DN);
    let attrs = vec![
        ("objectClass", HashSet::from(["organizationalUnit"])),
        ("ou", HashSet::from([name])),
    ];
    ldap.add(&dn, attrs).await.unwrap().success().unwrap();
    let _ = ldap.unbind().await;
}

/// The operator's check after a crash (README "After a provider crashed"): `compare-providers`
/// names an entry one provider lacks, and agrees once replication has brought it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_providers_names_what_the_peer_lacks_and_agrees_once_it_arrived() {
    let dir = tempfile::tempdir().unwrap();
    let (pair, replication, daemon_dir) = pair_with_cuttable_replication(dir.path()).await;
    let (same, said) = tokio::task::block_in_place(|| compare_providers(&daemon_dir, &pair));
    assert!(same, "{said}");
    assert!(
        said.contains("the same entries at the same change"),
        "{said}"
    );

    // Replication from provider 1 cut: an entry written there does not reach provider 2.
    replication.down();
    add_ou(&pair, 0, "tylko-jeden").await;
    let (same, said) = tokio::task::block_in_place(|| compare_providers(&daemon_dir, &pair));
    assert!(!same, "{said}");
    let lacks = format!(
        "{} lacks 1 entries that {} holds:",
        pair.url(1),
        pair.url(0)
    );
    assert!(said.contains(&lacks), "{said}");
    assert!(said.contains("\n  ou=tylko-jeden,ou=system,"), "{said}");
    // Only the kinds of difference there are.
    assert!(!said.contains("holds 0 entries"), "{said}");

    replication.heal();
    converged(&pair, common::BASE_DN, CONVERGE).await;
    let (same, said) = tokio::task::block_in_place(|| compare_providers(&daemon_dir, &pair));
    assert!(same, "{said}");
}

/// Run while the city writes (the systemd timer): a difference replication brings while
/// `compare-providers` waits to read again (`--settle`) is left out, and the command agrees.
/// Before `--settle` one reading decided: it failed and named the entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_providers_leaves_out_a_write_that_arrives_while_it_settles() {
    let dir = tempfile::tempdir().unwrap();
    let (pair, replication, daemon_dir) = pair_with_cuttable_replication(dir.path()).await;
    replication.down();
    add_ou(&pair, 0, "w-drodze").await;

    let settle = 20;
    let mut child = compare_command(&daemon_dir, &pair, settle)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, said_lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let Ok(line) = line else { return };
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let mut said = String::new();
    while !said.contains("reading every provider again") {
        let line = tokio::task::block_in_place(|| said_lines.recv_timeout(CONVERGE))
            .unwrap_or_else(|_| panic!("no second reading announced:\n{said}"));
        said.push_str(&line);
        said.push('\n');
    }
    assert!(
        said.contains(&format!(
            "1 differences; reading every provider again in {settle} s"
        )),
        "{said}"
    );

    // Replication comes back while the command waits: the entry arrives.
    replication.heal();
    converged(&pair, common::BASE_DN, CONVERGE).await;
    let out = tokio::task::block_in_place(|| child.wait_with_output()).unwrap();
    while let Ok(line) = said_lines.recv_timeout(Duration::from_secs(5)) {
        said.push_str(&line);
        said.push('\n');
    }
    said.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!("1 of them had gone {settle} s later")),
        "{said}"
    );
    assert!(
        said.contains("the same entries at the same change"),
        "{said}"
    );
    assert!(!said.contains("w-drodze"), "{said}");
}

/// What the full refresh adds to ordinary catch-up, made certain: an entry taken out of
/// provider 2 offline (`slapmodify`, which leaves its syncrepl cookie as it was) stays
/// missing when provider 2 restarts, since provider 1 has nothing newer than the cookie;
/// started with its cookie reset, provider 2 gets it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_refresh_brings_back_an_entry_the_cookie_says_the_peer_has() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = ProviderPair::start(&dir.path().join("ldap"));
    converged(&pair, common::BASE_DN, CONVERGE).await;
    let dn = format!("ou=wyjete,ou=system,{}", common::BASE_DN);
    let mut ldap = common::connect_admin_at(&pair.url(0), &pair.admin_password).await;
    let attrs = vec![
        ("objectClass", HashSet::from(["organizationalUnit"])),
        ("ou", HashSet::from(["wyjete"])),
    ];
    ldap.add(&dn, attrs).await.unwrap().success().unwrap();
    let _ = ldap.unbind().await;
    converged(&pair, common::BASE_DN, CONVERGE).await;

    tokio::task::block_in_place(|| pair.stop(1));
    let change = dir.path().join("delete.ldif");
    std::fs::write(&change, format!("dn: {dn}\nchangetype: delete\n")).unwrap();
    let out = std::process::Command::new("/usr/sbin/slapmodify")
        .args(["-n1", "-F"])
        .arg(pair.specs[1].data_dir.join("slapd.d"))
        .arg("-l")
        .arg(&change)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::daemon::said(&out));
    tokio::task::block_in_place(|| pair.restart(1));
    let holds = |entries: Vec<(String, String, String)>| {
        entries.iter().any(|(d, _, _)| *d == dn.to_lowercase())
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let peer = snapshot(&pair.url(1), &pair.admin_password, common::BASE_DN).await;
    assert!(!holds(peer), "ordinary catch-up brought the entry back");

    tokio::task::block_in_place(|| pair.refresh_fully_from_peer(1));
    let both = converged(&pair, common::BASE_DN, CONVERGE).await;
    assert!(holds(both), "the full refresh did not bring the entry back");
}

/// The README's repair run during school hours: the peer is restarted with its cookie reset
/// (a full refresh) while the other provider takes writes. Every acknowledged write reaches
/// both, and `compare-providers` agrees afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_refresh_of_the_peer_under_writes_to_the_other_provider_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = ProviderPair::start(&dir.path().join("ldap"));
    converged(&pair, common::BASE_DN, CONVERGE).await;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writers = spawn_writers(&pair.url(0), &pair.admin_password, (8, 150), &acknowledged);
    while acknowledged.lock().unwrap().len() < 100 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::task::block_in_place(|| pair.refresh_fully_from_peer(1));
    let during = acknowledged.lock().unwrap().len();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged: HashSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    assert_eq!(
        acknowledged.len(),
        8 * 150,
        "every add on provider 1 was acknowledged"
    );
    assert!(
        during < acknowledged.len(),
        "the writes did not go on after the refresh started ({during})"
    );
    let both: HashSet<String> = converged(&pair, common::BASE_DN, CONVERGE)
        .await
        .into_iter()
        .map(|(dn, _, _)| dn)
        .collect();
    let lost: Vec<&String> = acknowledged.difference(&both).collect();
    assert!(lost.is_empty(), "acknowledged writes missing: {lost:?}");
    let daemon_dir = dir.path().join("daemon");
    std::fs::create_dir_all(&daemon_dir).unwrap();
    let (same, said) = tokio::task::block_in_place(|| compare_providers(&daemon_dir, &pair));
    assert!(same, "{said}");
}
