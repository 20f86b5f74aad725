//! A generated city loaded through SCIM Bulk into a private slapd by the real daemon, which is
//! killed (SIGKILL) while a bulk request is in flight, restarted, and sent everything again:
//! afterwards the directory holds exactly one entry per person, the audit store exactly one
//! `person.created` per person, and `audit verify` passes.
//!
//! Size: 200 schools, 2,000 people, bulk requests of 100 operations (20 requests; the daemon
//! is killed during the 9th). About 40 s on 2 cores in a debug build, most of it slapd's
//! fsync-bound writes.

use crate::common;
use ldap3::{Scope, SearchEntry};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use zszo_connector::citygen::{bulk_requests, City};
use zszo_connector::domain::audit::{AuditRecord, Outcome};

use crate::common::daemon::{run, said, spawn_daemon, BIN};
const SCHOOLS: usize = 200;
const PEOPLE: usize = 2_000;
const SEED: u64 = 2026;
const CHUNK: usize = 100;
/// Bulk requests answered in full before the one during which the daemon is killed.
const COMPLETE_BEFORE_KILL: usize = 8;

fn write_config(dir: &Path, port: u16, ldap_url: &str, service_dn: &str) -> PathBuf {
    let p = |name: &str| dir.join(name).display().to_string();
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:{port}"
public_base_url = "http://127.0.0.1:{port}"
[ldap]
url = "{ldap_url}"
base_dn = "{base}"
bind_dn = "{service_dn}"
bind_password_file = "{pw}"
eppn_scope = "zszo.krakow.pl"
[audit]
path = "{audit}"
hmac_key_file = "{key}"
[mail]
transport = "file"
from = "ZSZO <no-reply@zszo.krakow.pl>"
file_dir = "{mail}"
[scim]
clients_file = "{clients}"
[state]
path = "{state}"
"#,
        base = common::BASE_DN,
        pw = p("ldap.password"),
        audit = p("audit.redb"),
        key = p("audit.key"),
        mail = p("mail"),
        clients = p("scim-clients.toml"),
        state = p("state.redb"),
    );
    let path = dir.join("zszo.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn post_bulk(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> reqwest::Result<(u16, Value)> {
    let r = http
        .post(url)
        .bearer_auth(token)
        .header("Content-Type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await?;
    let status = r.status().as_u16();
    Ok((status, r.json().await?))
}

/// Every operation of a BulkResponse succeeded (2xx); returns how many said 201.
fn all_succeeded(response: &Value) -> usize {
    let ops = response["Operations"].as_array().expect("Operations");
    let status = |op: &Value| match &op["status"] {
        Value::String(s) => s.parse::<u16>().unwrap(),
        v => v.as_u64().unwrap() as u16,
    };
    for op in ops {
        assert!((200..300).contains(&status(op)), "{op}");
    }
    ops.iter().filter(|op| status(op) == 201).count()
}

/// Person entries under the schools: (entryUUID, externalId, employeeNumber), as the rootdn.
async fn people(url: &str, admin_password: &str) -> Vec<(String, String, String)> {
    let mut ldap = common::connect_admin_at(url, admin_password).await;
    let (entries, _) = ldap
        .search(
            &format!("ou=placowki,{}", common::BASE_DN),
            Scope::Subtree,
            "(objectClass=zszoPerson)",
            vec!["entryUUID", "zszoExternalId", "employeeNumber"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = ldap.unbind().await;
    let one = |e: &SearchEntry, a: &str| e.attrs.get(a).map(|v| v.join("|")).unwrap_or_default();
    entries
        .into_iter()
        .map(SearchEntry::construct)
        .map(|e| {
            (
                one(&e, "entryUUID"),
                one(&e, "zszoExternalId"),
                one(&e, "employeeNumber"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_city_survives_a_sigkill_during_bulk_and_a_full_resend() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (_, ldap, service_pw, admin_pw) = common::private_slapd(dir.join("slapd"));
    std::fs::write(dir.join("ldap.password"), &service_pw).unwrap();
    let key = Command::new(BIN)
        .args(["audit", "init-key", "--out"])
        .arg(dir.join("audit.key"))
        .output()
        .unwrap();
    assert!(key.status.success(), "{}", said(&key));
    let port = crate::common::free_port();
    let config = write_config(dir, port, &ldap.url(), &ldap.service_dn());

    let city = City::generate(SCHOOLS, PEOPLE, SEED);
    std::fs::write(
        dir.join("schools.toml"),
        zszo_connector::citygen::seed_toml(&city),
    )
    .unwrap();
    let seed = dir.join("schools.toml").display().to_string();
    let out = run(&["bootstrap", "--seed", &seed], &config);
    assert!(out.status.success(), "{}", said(&out));
    let out = run(
        &["token", "create", "--name", "hr-city", "--all-schools"],
        &config,
    );
    assert!(out.status.success(), "{}", said(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let bulk_url = format!("{base}/scim/v2/Bulk");
    let mut daemon = spawn_daemon(&config, &base).await;

    // Chunks within what the server advertises.
    let spc: Value = http
        .get(format!("{base}/scim/v2/ServiceProviderConfig"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spc["bulk"]["supported"], true, "{spc}");
    let max_ops = spc["bulk"]["maxOperations"].as_u64().unwrap() as usize;
    let max_payload = spc["bulk"]["maxPayloadSize"].as_u64().unwrap() as usize;
    let chunks = bulk_requests(&city, CHUNK.min(max_ops), max_payload);
    assert!(
        chunks.len() > COMPLETE_BEFORE_KILL + 1,
        "{} chunks",
        chunks.len()
    );

    // First pass: some chunks in full, then SIGKILL while the next one is being applied.
    for chunk in &chunks[..COMPLETE_BEFORE_KILL] {
        let (status, body) = post_bulk(&http, &bulk_url, &token, chunk).await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            all_succeeded(&body),
            chunk["Operations"].as_array().unwrap().len()
        );
    }
    let before = people(&ldap.url(), &admin_pw).await.len();
    assert_eq!(before, COMPLETE_BEFORE_KILL * CHUNK.min(max_ops));
    let in_flight = {
        let (http, url, token, chunk) = (
            http.clone(),
            bulk_url.clone(),
            token.clone(),
            chunks[COMPLETE_BEFORE_KILL].clone(),
        );
        tokio::spawn(async move { post_bulk(&http, &url, &token, &chunk).await })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while people(&ldap.url(), &admin_pw).await.len() < before + 10 {
        assert!(
            !in_flight.is_finished(),
            "the chunk finished before the kill"
        );
        assert!(Instant::now() < deadline, "the chunk made no progress");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    daemon.sigkill();
    let answer = in_flight.await.unwrap();
    assert!(answer.is_err(), "the killed daemon answered: {answer:?}");
    let partial = people(&ldap.url(), &admin_pw).await.len();
    assert!(
        partial > before && partial < PEOPLE,
        "{partial} people after the kill"
    );

    // Restart and re-send everything, as an HR system whose connection dropped would.
    let daemon = spawn_daemon(&config, &base).await;
    let mut created_on_resend = 0;
    for chunk in &chunks {
        let (status, body) = post_bulk(&http, &bulk_url, &token, chunk).await.unwrap();
        assert_eq!(status, 200, "{body}");
        created_on_resend += all_succeeded(&body);
    }
    assert!(
        created_on_resend <= PEOPLE - before,
        "{created_on_resend} created again"
    );
    assert!(daemon.stop().success(), "a clean stop on SIGTERM");

    // Exactly one entry per person, found by externalId and by employee number.
    let entries = people(&ldap.url(), &admin_pw).await;
    assert_eq!(entries.len(), PEOPLE);
    let expected_ids: HashSet<&str> = city.people.iter().map(|p| p.external_id.as_str()).collect();
    let found_ids: HashSet<&str> = entries.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(found_ids, expected_ids);
    let numbers: HashSet<&str> = entries.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(numbers.len(), PEOPLE);

    // Exactly one successful `person.created` per entry, and no failed one.
    let out = run(&["audit", "export", "--format", "jsonl"], &config);
    assert!(out.status.success(), "{}", said(&out));
    let mut created: HashMap<String, usize> = HashMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let record: AuditRecord = serde_json::from_str(line).unwrap();
        let r = record.record;
        if r.action != "person.created" {
            continue;
        }
        assert_eq!(
            r.outcome,
            Outcome::Success,
            "a failed creation was recorded: {line}"
        );
        let uuid = r.target.and_then(|t| t.entry_uuid).expect("a target uuid");
        *created.entry(uuid).or_default() += 1;
    }
    let twice: Vec<_> = created.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "created more than once: {twice:?}");
    let uuids: HashSet<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    let recorded: HashSet<&str> = created.keys().map(String::as_str).collect();
    assert_eq!(
        recorded, uuids,
        "one person.created per entry in the directory"
    );

    let verify = run(&["audit", "verify"], &config);
    assert!(verify.status.success(), "{}", said(&verify));
    ldap.stop().unwrap();
    eprintln!(
        "city_load: {PEOPLE} people in {SCHOOLS} schools, {:?}",
        started.elapsed()
    );
}
