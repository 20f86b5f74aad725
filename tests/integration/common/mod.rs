//! Shared test harness: one real slapd per test process, started on first use.
//!
//! The slapd runs from a fresh temporary directory on a free loopback port with the
//! repository's `schemas/ldap`. It is never dropped (it lives in a `static`); the watchdog in
//! `zszo_connector::slapd` stops it when the test process exits, and a second watchdog here
//! removes the temporary directory.
#![allow(dead_code)]

pub mod app;
pub mod daemon;
pub mod httpd;
mod ldap_client;
pub mod replicated;
pub mod smtp;

pub use ldap_client::*;

use rand::distributions::{Alphanumeric, DistString};
use secrecy::SecretString;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use zszo_connector::slapd::{self, SlapdInstance, SlapdSpec};

pub const BASE_DN: &str = "dc=zszo,dc=krakow,dc=pl";

/// Where and how to reach the test directory.
#[derive(Debug, Clone)]
pub struct TestLdap {
    pub url: String,
    pub base_dn: String,
    pub service_dn: String,
    pub service_password: String,
    pub admin_dn: String,
    pub admin_password: String,
}

struct Harness {
    info: TestLdap,
    _slapd: SlapdInstance,
    _cleanup: RemoveOnExit,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

/// The process-wide test slapd, started on first call (panics if slapd is not installed).
pub fn ldap() -> &'static TestLdap {
    &HARNESS.get_or_init(start_harness).info
}

/// The repository's schema directory.
pub fn schema_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/ldap"))
}

/// A random password for test identities.
pub fn random_password() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 24)
}

/// A spec for a private slapd in `data_dir` (for tests that need their own server).
pub fn spec_in(data_dir: PathBuf, service_password: &str, admin_password: &str) -> SlapdSpec {
    SlapdSpec {
        data_dir,
        port: None,
        base_dn: BASE_DN.to_owned(),
        schema_dir: schema_dir(),
        service_password: SecretString::from(service_password.to_owned()),
        admin_password: SecretString::from(admin_password.to_owned()),
        replication: None,
    }
}

/// A private slapd of the test's own in `data_dir` (one the test may stop, restart or cut
/// off), prepared and started: its spec, the running instance, the service identity's and
/// the rootdn's passwords.
pub fn private_slapd(data_dir: PathBuf) -> (SlapdSpec, SlapdInstance, String, String) {
    let (service_password, admin_password) = (random_password(), random_password());
    let spec = spec_in(data_dir, &service_password, &admin_password);
    slapd::prepare(&spec).unwrap_or_else(|e| panic!("preparing a private slapd: {e}"));
    let instance = slapd::start(&spec).unwrap_or_else(|e| panic!("starting a private slapd: {e}"));
    (spec, instance, service_password, admin_password)
}

/// Every attribute (user and operational) of the entry `dn`, read as the rootdn.
pub async fn admin_entry(dn: &str) -> ldap3::SearchEntry {
    let mut ldap = connect_admin().await;
    let (mut entries, _) = ldap
        .search(dn, ldap3::Scope::Base, "(objectClass=*)", vec!["*", "+"])
        .await
        .unwrap()
        .success()
        .unwrap();
    ldap3::SearchEntry::construct(entries.remove(0))
}

/// How many entries under school `code` match `filter`, counted as the rootdn.
pub async fn count_in_school(code: &str, filter: &str) -> usize {
    let mut ldap = connect_admin().await;
    let (entries, _) = ldap
        .search(&school_dn(code), ldap3::Scope::Subtree, filter, vec!["1.1"])
        .await
        .unwrap()
        .success()
        .unwrap();
    entries.len()
}

fn start_harness() -> Harness {
    if let Err(e) = slapd::is_installed() {
        panic!("{e}");
    }
    let dir = tempfile::Builder::new()
        .prefix("zszo-test-slapd-")
        .tempdir()
        .expect("create a temporary directory")
        .keep();
    let cleanup = RemoveOnExit::spawn(dir.clone());
    let service_password = random_password();
    let admin_password = random_password();
    let spec = spec_in(dir, &service_password, &admin_password);
    slapd::prepare(&spec).unwrap_or_else(|e| panic!("preparing the test slapd: {e}"));
    let instance = slapd::start(&spec).unwrap_or_else(|e| panic!("starting the test slapd: {e}"));
    let info = TestLdap {
        url: instance.url(),
        base_dn: BASE_DN.to_owned(),
        service_dn: instance.service_dn(),
        service_password,
        admin_dn: instance.admin_dn(),
        admin_password,
    };
    Harness {
        info,
        _slapd: instance,
        _cleanup: cleanup,
    }
}

/// Removes a directory once this process has exited (its stdin pipe closes then).
struct RemoveOnExit {
    _child: Child,
    _pipe: ChildStdin,
}

impl RemoveOnExit {
    fn spawn(dir: PathBuf) -> Self {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg("read -r _line; sleep 2; rm -rf -- \"$1\"")
            .arg("zszo-test-cleanup")
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the cleanup watchdog");
        let pipe = child.stdin.take().expect("piped stdin");
        Self {
            _child: child,
            _pipe: pipe,
        }
    }
}

/// A loopback port free at the time of asking (for a server the test starts itself).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .unwrap()
        .port()
}

/// A school code no other test in this process uses, valid per `SchoolCode::parse`.
pub fn unique_school_code() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("t{:x}-{n}", std::process::id())
}

/// A DN under the test base, e.g. `dn("ou=placowki")`.
pub fn dn(rdns: &str) -> String {
    format!("{rdns},{}", ldap().base_dn)
}

/// `ou=<code>,ou=placowki,<base>`.
pub fn school_dn(code: &str) -> String {
    dn(&format!("ou={},ou=placowki", ldap3::dn_escape(code)))
}

/// Attribute/value lists of an entry to add.
type Attrs<'a> = Vec<(&'a str, Vec<&'a str>)>;

/// The body of a plain `GET` of `url` (a health or metrics endpoint), as text.
pub async fn get_text(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    response.text().await.unwrap()
}

/// Creates a school subtree as the service identity, the way the daemon lays it out:
/// `ou=<code>` (organizationalUnit + zszoSchool) with `ou=pracownicy`, `ou=grupy` and an
/// empty `cn=administratorzy-lokalni`. Returns the school's DN.
pub async fn create_school(code: &str) -> String {
    let mut ldap = connect_service().await;
    let school = school_dn(code);
    let entries: Vec<(String, Attrs<'_>)> = vec![
        (
            school.clone(),
            vec![
                ("objectClass", vec!["organizationalUnit", "zszoSchool"]),
                ("ou", vec![code]),
                ("zszoSchoolCode", vec![code]),
                ("displayName", vec!["Szkoła testowa"]),
            ],
        ),
        (
            format!("ou=pracownicy,{school}"),
            vec![
                ("objectClass", vec!["organizationalUnit"]),
                ("ou", vec!["pracownicy"]),
            ],
        ),
        (
            format!("ou=grupy,{school}"),
            vec![
                ("objectClass", vec!["organizationalUnit"]),
                ("ou", vec!["grupy"]),
            ],
        ),
        (
            format!("cn=administratorzy-lokalni,ou=grupy,{school}"),
            vec![
                ("objectClass", vec!["groupOfNames"]),
                ("cn", vec!["administratorzy-lokalni"]),
                ("member", vec![""]),
            ],
        ),
    ];
    for (entry_dn, attrs) in entries {
        let attrs = attrs
            .into_iter()
            .map(|(a, vs)| (a, vs.into_iter().collect()))
            .collect();
        ldap.add(&entry_dn, attrs)
            .await
            .expect("add request")
            .success()
            .unwrap_or_else(|e| panic!("add {entry_dn}: {e}"));
    }
    let _ = ldap.unbind().await;
    school
}

/// The TOML of a complete configuration for an app a test runs (in-process or as the real
/// binary): the LDAP server at `url` bound as `bind_dn` with `password`, every file under
/// `dir` (`audit.redb` + `key`, `state.redb`, `scim-clients.toml`, `mail/`), and `extra`
/// appended (more tables, e.g. `[panel]` or `[scim.deprovisioning_guard]`).
pub fn config_toml(
    dir: &std::path::Path,
    url: &str,
    bind_dn: &str,
    password: &str,
    public_base_url: &str,
    extra: &str,
) -> String {
    let mail = format!(
        r#"
[mail]
transport = "file"
from = "ZSZO <no-reply@zszo.krakow.pl>"
file_dir = "{}/mail"
"#,
        dir.display()
    );
    config_toml_with_mail(dir, url, bind_dn, password, public_base_url, &mail, extra)
}

/// [`config_toml`] with the `[mail]` tables given (e.g. [`smtp::SmtpSink::mail_toml`]).
pub fn config_toml_with_mail(
    dir: &std::path::Path,
    url: &str,
    bind_dn: &str,
    password: &str,
    public_base_url: &str,
    mail: &str,
    extra: &str,
) -> String {
    let d = dir.display();
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_base_url = "{public_base_url}"
request_body_limit_bytes = 65536
[ldap]
url = "{url}"
base_dn = "{BASE_DN}"
bind_dn = "{bind_dn}"
bind_password = "{password}"
eppn_scope = "zszo.krakow.pl"
pool_size = 4
[audit]
path = "{d}/audit.redb"
hmac_key_file = "{d}/key"
[scim]
clients_file = "{d}/scim-clients.toml"
[state]
path = "{d}/state.redb"
{mail}
{extra}
"#
    )
}

/// [`config_toml`] against the shared test slapd as the service identity.
pub fn shared_config_toml(dir: &std::path::Path, public_base_url: &str, extra: &str) -> String {
    let t = ldap();
    config_toml(
        dir,
        &t.url,
        &t.service_dn,
        &t.service_password,
        public_base_url,
        extra,
    )
}
