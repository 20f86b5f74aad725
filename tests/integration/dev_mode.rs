//! `zszo-connector dev` as a newcomer runs it: it starts its own slapd, loads the demo city,
//! answers `/readyz`, stops everything on Ctrl-C, and a second run reuses the data.

use ldap3::{LdapConnAsync, Scope, SearchEntry};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::daemon::BIN;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The repository's dev.toml with this test's ports and paths.
fn dev_config(dir: &Path, http: u16, ldap: u16) -> std::path::PathBuf {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/dev.toml"))
        .unwrap()
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{http}"))
        .replace("127.0.0.1:3389", &format!("127.0.0.1:{ldap}"))
        .replace("var/dev", &dir.display().to_string());
    let path = dir.join("dev.toml");
    std::fs::write(&path, text).unwrap();
    path
}

struct Dev(Child);

impl Dev {
    fn start(dir: &Path, config: &Path) -> Self {
        Dev(Command::new(BIN)
            .arg("dev")
            .arg("--data-dir")
            .arg(dir)
            .arg("--config")
            .arg(config)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap())
    }

    /// Ctrl-C, then the exit status and everything it printed.
    fn interrupt(mut self) -> (std::process::ExitStatus, String) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "dev did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut out = String::new();
        self.0
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        self.0
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        (status, out)
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_ready(port: u16) -> String {
    use std::io::Write;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            write!(
                s,
                "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            if body.starts_with("HTTP/1.1 200") {
                return body;
            }
        }
        assert!(Instant::now() < deadline, "dev never became ready");
        std::thread::sleep(Duration::from_millis(200));
    }
}

async fn people(ldap_port: u16, dir: &Path) -> Vec<SearchEntry> {
    let password = std::fs::read_to_string(dir.join("secrets/ldap-admin.password")).unwrap();
    let (conn, mut ldap) = LdapConnAsync::new(&format!("ldap://127.0.0.1:{ldap_port}"))
        .await
        .unwrap();
    ldap3::drive!(conn);
    ldap.simple_bind("cn=admin,dc=zszo,dc=krakow,dc=pl", password.trim())
        .await
        .unwrap()
        .success()
        .unwrap();
    let (entries, _) = ldap
        .search(
            "ou=placowki,dc=zszo,dc=krakow,dc=pl",
            Scope::Subtree,
            "(objectClass=inetOrgPerson)",
            vec!["uid", "zszoSchoolCode"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    entries.into_iter().map(SearchEntry::construct).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_brings_up_the_demo_city_stops_cleanly_and_reuses_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let (http, ldap) = (free_port(), free_port());
    let config = dev_config(dir.path(), http, ldap);

    let dev = Dev::start(dir.path(), &config);
    let ready = tokio::task::spawn_blocking(move || wait_ready(http))
        .await
        .unwrap();
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

    let dev = Dev::start(dir.path(), &config);
    tokio::task::spawn_blocking(move || wait_ready(http))
        .await
        .unwrap();
    assert_eq!(people(ldap, dir.path()).await.len(), 11);
    let (status, out) = dev.interrupt();
    assert!(status.success(), "{out}");
    assert!(out.contains("nothing changed"), "{out}");
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
    let (http, ldap) = (free_port(), free_port());
    let config = dev_config(dir.path(), http, ldap);
    let dev = Dev::start(dir.path(), &config);
    tokio::task::spawn_blocking(move || wait_ready(http))
        .await
        .unwrap();
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
    tokio::task::spawn_blocking(move || wait_ready(http))
        .await
        .unwrap();
    assert_eq!(people(ldap, dir.path()).await.len(), 11, "same data");
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
