//! `zszo-connector dev` as a newcomer runs it: it starts its own slapd, loads the demo city,
//! answers `/readyz`, stops everything on Ctrl-C, and a second run reuses the data.

use ldap3::SearchEntry;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::daemon::{dev_config, dev_people, spawn_dev, BIN};

async fn people(ldap_port: u16, dir: &Path) -> Vec<SearchEntry> {
    let (filter, attrs) = ("(objectClass=inetOrgPerson)", &["uid", "zszoSchoolCode"]);
    dev_people(ldap_port, dir, filter, attrs).await
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_brings_up_the_demo_city_stops_cleanly_and_reuses_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let (http, ldap) = (crate::common::free_port(), crate::common::free_port());
    let config = dev_config(dir.path(), http, ldap);

    let dev = spawn_dev(dir.path(), &config, http).await;
    let ready = crate::common::get_text(&format!("http://127.0.0.1:{http}/readyz")).await;
    assert!(ready.contains("\"ready\""), "{ready}");

    let entries = people(ldap, dir.path()).await;
    assert_eq!(entries.len(), 11, "the demo seed has 11 people");
    let annas = entries
        .iter()
        .filter(|e| e.attrs["uid"][0].starts_with("anna.kowalska"))
        .count();
    assert_eq!(annas, 2);
    assert!(entries.iter().any(|e| e.attrs["zszoSchoolCode"].len() == 2));

    // The dev SCIM client's token is kept for the newcomer; it lists the demo city.
    let token = std::fs::read_to_string(dir.path().join("secrets/scim-token")).unwrap();
    let users: serde_json::Value = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{http}/scim/v2/Users?count=100"))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users["totalResults"], 11, "{users}");

    // The demo administrators have a second factor; `dev-code` prints its current code, and
    // that code opens the panel after the demo password (the README's one step).
    let mut opened = 0;
    for entry in &entries {
        let login = entry.attrs["uid"][0].clone();
        let out = Command::new(BIN)
            .args(["dev-code", &login, "--config"])
            .arg(&config)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        if !out.status.success() {
            continue;
        }
        let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert!(
            code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
            "{code}"
        );
        let b = crate::panel_support::Browser::new(&format!("http://127.0.0.1:{http}"));
        let r = b.sign_in(&login, "demo-haslo-administratora").await;
        assert_eq!(
            r.location(),
            Some("/panel/drugi-skladnik"),
            "{login}: {}",
            r.body
        );
        let r = b
            .submit(
                "/panel/drugi-skladnik",
                "/panel/drugi-skladnik",
                &[("kod", &code)],
            )
            .await;
        assert_eq!(r.location(), Some("/panel"), "{login}: {}", r.body);
        opened += 1;
        break;
    }
    assert_eq!(opened, 1, "no demo administrator has a second factor");

    let (status, out) = dev.interrupt();
    assert!(status.success(), "{out}");
    assert!(out.contains("bootstrap created"), "{out}");
    assert!(out.contains("scim-token"), "{out}");
    assert!(out.contains("/panel"), "{out}");
    assert!(out.contains("demo-haslo-administratora"), "{out}");
    // slapd is gone with it.
    assert!(std::net::TcpStream::connect(("127.0.0.1", ldap)).is_err());

    // A directory made by an earlier release, whose service identity could read password
    // hashes (`write` on userPassword implies read): the next start applies this release's
    // access rules.
    give_the_service_the_old_password_rule(dir.path());
    let dev = spawn_dev(dir.path(), &config, http).await;
    assert_eq!(people(ldap, dir.path()).await.len(), 11);
    let hashes = password_hashes_the_service_reads(ldap, dir.path()).await;
    let (status, out) = dev.interrupt();
    assert!(status.success(), "{out}");
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(hashes, 0, "the service identity reads password hashes");
    assert!(!out.contains("can read password hashes"), "{out}");
}

const BASE: &str = "dc=zszo,dc=krakow,dc=pl";

/// Access rules as an earlier release could have left them, written offline into `dev`'s
/// slapd.d: the password rule before issue 17's ninth round (`write`, which reads too), and
/// everything else the service's.
fn give_the_service_the_old_password_rule(dir: &Path) {
    let svc = format!("cn=zszo-connector,ou=system,{BASE}");
    let ldif = format!(
        "dn: olcDatabase={{1}}mdb,cn=config\nchangetype: modify\nreplace: olcAccess\n\
         olcAccess: {{0}}to attrs=userPassword,pwdHistory by dn.exact=\"{svc}\" write \
         by anonymous auth by * none\n\
         olcAccess: {{1}}to * by dn.exact=\"{svc}\" write by * none\n-\n"
    );
    let file = dir.join("old-rule.ldif");
    std::fs::write(&file, ldif).unwrap();
    let out = Command::new("/usr/sbin/slapmodify")
        .arg("-n0")
        .arg("-F")
        .arg(dir.join("slapd/slapd.d"))
        .arg("-l")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// How many people's `userPassword` the service identity gets when it asks for them.
async fn password_hashes_the_service_reads(ldap_port: u16, dir: &Path) -> usize {
    let password = std::fs::read_to_string(dir.join("secrets/ldap-service.password")).unwrap();
    let url = format!("ldap://127.0.0.1:{ldap_port}");
    let svc = format!("cn=zszo-connector,ou=system,{BASE}");
    let (base, scope) = (format!("ou=placowki,{BASE}"), ldap3::Scope::Subtree);
    let (filter, attrs) = ("(objectClass=inetOrgPerson)", &["userPassword"]);
    crate::common::search_at(&url, (&svc, password.trim()), &base, scope, filter, attrs)
        .await
        .into_iter()
        .filter(|e| {
            e.attrs.contains_key("userPassword") || e.bin_attrs.contains_key("userPassword")
        })
        .count()
}

fn slapd_pid(dir: &Path) -> Option<i32> {
    std::fs::read_to_string(dir.join("slapd/slapd.pid"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Issue 14 finding 6: `dev` restarts its slapd when it dies (SIGKILL), on the same port with
/// the same data, and the daemon becomes ready again by itself.
#[tokio::test(flavor = "multi_thread")]
async fn dev_restarts_its_slapd_after_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let (http, ldap) = (crate::common::free_port(), crate::common::free_port());
    let config = dev_config(dir.path(), http, ldap);
    let dev = spawn_dev(dir.path(), &config, http).await;
    let first = slapd_pid(dir.path()).expect("slapd wrote its pid file");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(first),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let again = slapd_pid(dir.path()).filter(|p| *p != first);
        if again.is_some() && std::net::TcpStream::connect(("127.0.0.1", ldap)).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "dev did not restart its slapd");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    dev.wait_ready(&format!("http://127.0.0.1:{http}")).await;
    assert_eq!(people(ldap, dir.path()).await.len(), 11, "same data");
    // dev says so once its restart has returned, which may be just after the port answers.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !dev.output().contains("restarted") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, out) = dev.interrupt();
    assert!(status.success(), "{out}");
    assert!(out.contains("restarted"), "{out}");
}

#[test]
fn dev_says_which_packages_to_install_when_slapd_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["dev", "--data-dir"])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ZSZO_SLAPD_SBIN_DIR", dir.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("apt-get install slapd ldap-utils"), "{said}");
}
