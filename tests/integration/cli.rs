//! The `zszo-connector` binary as an operator runs it: clear errors and exit codes for bad
//! configuration and an unreachable directory, `serve` answering `/readyz`, and
//! `audit verify` passing on an untouched store and failing on an edited one.

use crate::common;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::daemon::{bootstrap_school, run, said as text, Daemon, BIN};

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ldap.password"),
            &common::ldap().service_password,
        )
        .unwrap();
        let out = Command::new(BIN)
            .args(["audit", "init-key", "--out"])
            .arg(dir.path().join("audit.key"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A complete configuration against the test slapd; `ldap_url` lets a test break it.
    fn config(&self, listen: &str, ldap_url: &str) -> PathBuf {
        let t = common::ldap();
        let text = format!(
            r#"
[server]
listen = "{listen}"
public_base_url = "http://{listen}"
[ldap]
url = "{ldap_url}"
base_dn = "{base}"
bind_dn = "{bind}"
bind_password_file = "{pw}"
eppn_scope = "zszo.krakow.pl"
connect_timeout_ms = 2000
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
            base = t.base_dn,
            bind = t.service_dn,
            pw = self.path("ldap.password").display(),
            audit = self.path("audit.redb").display(),
            key = self.path("audit.key").display(),
            mail = self.path("mail").display(),
            clients = self.path("scim-clients.toml").display(),
            state = self.path("state.redb").display(),
        );
        let path = self.path("zszo.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn good_config(&self) -> PathBuf {
        self.config("127.0.0.1:8080", &common::ldap().url)
    }
}

#[test]
fn check_config_passes_against_a_working_directory_and_audit_store() {
    let s = Setup::new();
    let out = run(&["check-config"], &s.good_config());
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("valid") && said.contains("bound as") && said.contains("writable"),
        "{said}"
    );
    assert!(said.contains("LDAP page cache: on"), "{said}");
    assert!(
        said.contains("the service identity cannot read password hashes"),
        "{said}"
    );
}

/// A daemon bound as an identity that reads password hashes (here the rootdn, which no ACL
/// limits; likewise the service identity under an ACL from before 2026-12-05) fails
/// `check-config`, which says what to apply.
#[test]
fn check_config_fails_when_the_daemon_can_read_password_hashes() {
    let s = Setup::new();
    let t = common::ldap();
    std::fs::write(s.path("ldap.password"), &t.admin_password).unwrap();
    let config = std::fs::read_to_string(s.good_config())
        .unwrap()
        .replace(&t.service_dn, &t.admin_dn);
    let path = s.path("rootdn.toml");
    std::fs::write(&path, config).unwrap();
    let out = run(&["check-config"], &path);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("can read password hashes") && said.contains("Access control"),
        "{said}"
    );
}

#[test]
fn check_config_names_every_bad_key_and_exits_non_zero_without_a_panic() {
    let s = Setup::new();
    let path = s.good_config();
    let broken = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "listen = \"127.0.0.1:8080\"",
            "listen = \"nowhere\"\nlisen = 1",
        )
        .replace("[audit]", "pool_size = 0\n[audit]");
    std::fs::write(&path, broken).unwrap();
    let out = run(&["check-config"], &path);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("server.lisen") && said.contains("fix its spelling"),
        "{said}"
    );
    assert!(!said.contains("panicked"), "{said}");

    // Fixing the unknown key reveals the semantic problems, all at once.
    let fixed = std::fs::read_to_string(&path)
        .unwrap()
        .replace("lisen = 1\n", "");
    std::fs::write(&path, fixed).unwrap();
    let said = text(&run(&["check-config"], &path));
    assert!(
        said.contains("server.listen") && said.contains("ldap.pool_size"),
        "{said}"
    );
}

#[test]
fn an_unreachable_directory_gives_a_clear_error_and_a_non_zero_exit() {
    let s = Setup::new();
    // A port nobody listens on: bind one, remember it, close it.
    let port = common::free_port();
    let config = s.config("127.0.0.1:8080", &format!("ldap://127.0.0.1:{port}"));
    let started = Instant::now();
    for args in [&["check-config"][..], &["serve"][..]] {
        let out = run(args, &config);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {said}");
        assert!(said.contains(&format!("ldap://127.0.0.1:{port}")), "{said}");
        assert!(!said.contains("panicked"), "{said}");
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_missing_configuration_file_is_named() {
    let out = run(&["serve"], Path::new("/nonexistent/zszo.toml"));
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        said.contains("/nonexistent/zszo.toml") && said.contains("not found"),
        "{said}"
    );
}

/// `GET path` on the daemon at `port` (with a bearer `token` if given): status and the whole
/// answer, or `None` while nothing listens.
fn get(port: u16, path: &str, token: Option<&str>) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    let status = body.split(' ').nth(1)?.parse().ok()?;
    Some((status, body))
}

/// `zszo-connector serve` on `config`, output in `daemon.log` beside it.
fn serve(config: &Path) -> Daemon {
    let log = config.with_file_name("daemon.log");
    Daemon::start(&["serve", "--config", config.to_str().unwrap()], &log)
}

#[test]
fn serve_answers_ready_and_audit_verify_catches_an_edited_record() {
    let s = Setup::new();
    let port = common::free_port();
    let config = s.config(&format!("127.0.0.1:{port}"), &common::ldap().url);

    // A bootstrap writes audit records (the layout exists; a school of our own is new).
    let code = common::unique_school_code();
    let out = bootstrap_school(&config, &code);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("school {code}")),
        "{}",
        text(&out)
    );

    {
        let _daemon = serve(&config);
        let deadline = Instant::now() + Duration::from_secs(20);
        let (status, body) = loop {
            if let Some(answer) = get(port, "/readyz", None) {
                break answer;
            }
            assert!(Instant::now() < deadline, "daemon did not answer");
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"ready\""), "{body}");
        assert!(body.to_lowercase().contains("x-request-id"), "{body}");
        let (status, _) = get(port, "/healthz", None).unwrap();
        assert_eq!(status, 200);
    }

    let verify = run(&["audit", "verify"], &config);
    assert!(verify.status.success(), "{}", text(&verify));

    let listed = text(&run(&["audit", "list", "--school", &code], &config));
    assert!(listed.contains("school.created"), "{listed}");

    // Edit the newest record's bytes in place, as an attacker with file access would.
    edit_last_record(&s.path("audit.redb"));
    let verify = run(&["audit", "verify"], &config);
    let said = text(&verify);
    assert_eq!(verify.status.code(), Some(1), "{said}");
    assert!(said.contains("FAILED"), "{said}");
}

fn edit_last_record(path: &Path) {
    use redb::{ReadableTable as _, TableDefinition};
    const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_records");
    let db = redb::Database::open(path).unwrap();
    let tx = db.begin_write().unwrap();
    {
        let mut table = tx.open_table(RECORDS).unwrap();
        let (seq, bytes) = {
            let last = table.last().unwrap().unwrap();
            (last.0.value(), last.1.value().to_vec())
        };
        let edited = String::from_utf8(bytes)
            .unwrap()
            .replace("school.created", "school.deleted");
        table.insert(seq, edited.as_bytes()).unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn token_create_list_and_revoke_take_effect_on_a_running_daemon() {
    let s = Setup::new();
    let port = common::free_port();
    let config = s.config(&format!("127.0.0.1:{port}"), &common::ldap().url);

    let out = Command::new(BIN)
        .args([
            "token",
            "create",
            "--name",
            "hr",
            "--all-schools",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("zszo_"), "{token}");
    let registry = std::fs::read_to_string(s.path("scim-clients.toml")).unwrap();
    assert!(!registry.contains(&token), "only the hash is stored");

    let listed = text(&run(&["token", "list"], &config));
    assert!(
        listed.contains("hr")
            && listed.contains("active")
            && listed.contains("never")
            && !listed.contains(&token),
        "{listed}"
    );
    let dup = run(
        &["token", "create", "--name", "hr", "--all-schools"],
        &config,
    );
    assert_eq!(dup.status.code(), Some(1), "{}", text(&dup));

    let _daemon = serve(&config);
    let deadline = Instant::now() + Duration::from_secs(20);
    let (status, body) = loop {
        if let Some(answer) = get(port, "/scim/v2/ServiceProviderConfig", Some(&token)) {
            break answer;
        }
        assert!(Instant::now() < deadline, "daemon did not answer");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, 200, "{body}");
    // `token list` shows when the token was last used (written by the daemon beside the
    // registry, issue 13).
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let listed = text(&run(&["token", "list"], &config));
        let row = listed
            .lines()
            .find(|l| l.starts_with("hr "))
            .unwrap_or_default()
            .to_owned();
        if row.matches(&today).count() >= 2 && !row.contains("never") {
            break;
        }
        assert!(Instant::now() < deadline, "no last use shown: {listed}");
        std::thread::sleep(Duration::from_millis(100));
    }

    let out = run(&["token", "revoke", "--name", "hr"], &config);
    assert!(out.status.success(), "{}", text(&out));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _) = get(port, "/scim/v2/ServiceProviderConfig", Some(&token)).unwrap();
        if status == 401 {
            break;
        }
        assert!(Instant::now() < deadline, "the revoked token still works");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(text(&run(&["token", "list"], &config)).contains("revoked"));
}
