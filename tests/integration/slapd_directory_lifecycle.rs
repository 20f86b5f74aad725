//! `slapd::prepare`, `start` and `stop`: a port another slapd holds, idempotent preparation,
//! data across a restart, a missing configuration, and no slapd outliving its process.

use super::*;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Issue 14 finding 6: a start on a port where another slapd (even one that accepts the same
/// service password) already answers must not take that server for its own.
#[test]
fn a_start_where_another_slapd_answers_is_refused_not_taken_for_its_own() {
    slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let (service_pw, admin_pw) = (common::random_password(), common::random_password());
    let first = common::spec_in(dir.path().join("first"), &service_pw, &admin_pw);
    slapd::prepare(&first).unwrap();
    let running = slapd::start(&first).unwrap();
    let second = slapd::SlapdSpec {
        port: Some(running.port()),
        ..common::spec_in(dir.path().join("second"), &service_pw, &admin_pw)
    };
    slapd::prepare(&second).unwrap();
    match slapd::start(&second) {
        Err(slapd::SlapdError::PortTaken { port }) => assert_eq!(port, running.port()),
        Err(other) => panic!("expected PortTaken, got {other}"),
        Ok(taken) => panic!(
            "took the slapd on port {} (pid {:?}) for its own",
            taken.port(),
            taken.pid()
        ),
    }
    // The first one still answers.
    assert!(TcpStream::connect(("127.0.0.1", running.port())).is_ok());
    running.stop().unwrap();
}

#[test]
fn prepare_is_idempotent_and_data_survives_a_restart() {
    slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let service_pw = common::random_password();
    let admin_pw = common::random_password();
    let spec = common::spec_in(dir.path().join("data"), &service_pw, &admin_pw);
    assert!(slapd::prepare(&spec).unwrap().fresh);
    assert!(!slapd::prepare(&spec).unwrap().fresh);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let instance = slapd::start(&spec).unwrap();
    let (url, service_dn) = (instance.url(), instance.service_dn());
    let marker = format!("ou=restart-marker,ou=placowki,{}", common::BASE_DN);
    rt.block_on(async {
        let mut ldap = common::connect_at(&url, &service_dn, &service_pw).await;
        ldap.add(
            &marker,
            vec![
                ("objectClass".to_owned(), set(&["organizationalUnit"])),
                ("ou".to_owned(), set(&["restart-marker"])),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
        let _ = ldap.unbind().await;
    });
    instance.stop().unwrap();
    assert!(
        TcpStream::connect(url.trim_start_matches("ldap://").trim_end_matches('/')).is_err(),
        "stopped slapd still listens"
    );

    // A second prepare with other passwords changes nothing: the directory keeps its own.
    let other = common::spec_in(dir.path().join("data"), "ignored-1", "ignored-2");
    assert!(!slapd::prepare(&other).unwrap().fresh);
    let err = slapd::start(&other).unwrap_err();
    assert!(
        err.to_string().contains("refused the service identity"),
        "{err}"
    );

    let instance = slapd::start(&spec).unwrap();
    let url = instance.url();
    rt.block_on(async {
        let mut ldap = common::connect_at(&url, &service_dn, &service_pw).await;
        let (entries, _) = ldap
            .search(&marker, Scope::Base, "(objectClass=*)", vec!["ou"])
            .await
            .unwrap()
            .success()
            .unwrap();
        assert_eq!(entries.len(), 1, "data kept across restart");
        let _ = ldap.unbind().await;
    });
    drop(instance); // Drop stops it too.
}

#[test]
fn start_reports_a_missing_configuration_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let spec = common::spec_in(dir.path().to_owned(), "a", "b");
    let err = slapd::start(&spec).unwrap_err();
    assert!(err.to_string().contains("call prepare first"), "{err}");
}

const ORPHAN_DIR_ENV: &str = "ZSZO_TEST_ORPHAN_SLAPD_DIR";
const ORPHAN_MODE_ENV: &str = "ZSZO_TEST_ORPHAN_SLAPD_MODE";

/// Not a test on its own: the child process of the orphan-safety tests. Without the
/// environment variable it does nothing.
#[test]
fn orphan_helper_process() {
    let Some(dir) = std::env::var_os(ORPHAN_DIR_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let spec = common::spec_in(dir.join("data"), "svc-orphan", "admin-orphan");
    slapd::prepare(&spec).unwrap();
    let instance = slapd::start(&spec).unwrap();
    std::fs::write(dir.join("port.tmp"), instance.port().to_string()).unwrap();
    std::fs::rename(dir.join("port.tmp"), dir.join("port")).unwrap();
    if std::env::var(ORPHAN_MODE_ENV).as_deref() == Ok("hang") {
        std::thread::sleep(Duration::from_secs(120));
    }
    // Leave without stopping slapd, like a test process whose static instance is never dropped.
    std::mem::forget(instance);
    std::process::exit(0);
}

fn spawn_orphan_helper(dir: &Path, mode: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "slapd_directory::lifecycle::orphan_helper_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ORPHAN_DIR_ENV, dir)
        .env(ORPHAN_MODE_ENV, mode)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn wait_for_port_file(dir: &Path) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(s) = std::fs::read_to_string(dir.join("port")) {
            return s.trim().parse().unwrap();
        }
        assert!(Instant::now() < deadline, "the helper never started slapd");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_port_closes(port: u16) {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "slapd on port {port} outlived the process that started it"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn slapd_does_not_outlive_a_process_that_exits_without_stopping_it() {
    slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_orphan_helper(dir.path(), "exit");
    let status = child.wait().unwrap();
    assert!(status.success(), "helper failed: {status}");
    let port = wait_for_port_file(dir.path());
    assert_port_closes(port);
}

#[test]
fn slapd_does_not_outlive_a_process_killed_with_sigkill() {
    slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_orphan_helper(dir.path(), "hang");
    let port = wait_for_port_file(dir.path());
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    assert!(
        TcpStream::connect(addr).is_ok(),
        "slapd is up while its parent lives"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_port_closes(port);
}
