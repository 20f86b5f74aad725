//! `spawn_daemon`: the real binary, for the tests of what only the process does (the CLI,
//! signals, restarts, the packaged service). Everything else runs the app in process
//! (`common::app::spawn_app`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_zszo-connector");

/// `zszo-connector ARGS --config CONFIG`, run to its end.
pub fn run(args: &[&str], config: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

/// Everything a finished command printed: stdout, then stderr.
pub fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The binary running (`serve`, `dev`…), its output appended to a log file; killed when
/// dropped.
pub struct Daemon {
    child: Child,
    pub log: PathBuf,
}

impl Daemon {
    /// Starts `zszo-connector ARGS` from the repository root, output appended to `log`.
    pub fn start(args: &[&str], log: &Path) -> Self {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(BIN)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Self {
            child,
            log: log.to_owned(),
        }
    }

    /// What the process has printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (bounded) until `<origin>/readyz` answers 200; panics with the log otherwise.
    pub async fn wait_ready(&self, origin: &str) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(format!("{origin}/readyz")).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the daemon never became ready:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: the process ends without a chance to clean up.
    pub fn sigkill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends `signal` and waits (bounded) for the exit.
    pub fn signal(mut self, signal: nix::sys::signal::Signal) -> ExitStatus {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not stop on {signal}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ctrl-C (SIGINT): the exit status and everything the process printed.
    pub fn interrupt(self) -> (ExitStatus, String) {
        let log = self.log.clone();
        let status = self.signal(nix::sys::signal::Signal::SIGINT);
        (status, std::fs::read_to_string(log).unwrap_or_default())
    }

    /// SIGTERM, and the exit status once it has stopped.
    pub fn stop(self) -> ExitStatus {
        self.signal(nix::sys::signal::Signal::SIGTERM)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `zszo-connector serve --config CONFIG`, ready at `origin` (output in `daemon.log` next to
/// the configuration file).
pub async fn spawn_daemon(config: &Path, origin: &str) -> Daemon {
    let log = config.with_file_name("daemon.log");
    let daemon = Daemon::start(&["serve", "--config", config.to_str().unwrap()], &log);
    daemon.wait_ready(origin).await;
    daemon
}

/// The repository's `config/dev.toml` with this test's ports and `dir` for `var/dev`, written
/// to `<dir>/dev.toml`.
pub fn dev_config(dir: &Path, http: u16, ldap: u16) -> PathBuf {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/dev.toml"))
        .unwrap()
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{http}"))
        .replace("127.0.0.1:3389", &format!("127.0.0.1:{ldap}"))
        .replace("var/dev", &dir.display().to_string());
    let path = dir.join("dev.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `zszo-connector dev --data-dir DIR --config CONFIG` (output in `<dir>/dev.log`), ready on
/// `http`.
pub async fn spawn_dev(dir: &Path, config: &Path, http: u16) -> Daemon {
    let args = [
        "dev",
        "--data-dir",
        dir.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ];
    let dev = Daemon::start(&args, &dir.join("dev.log"));
    dev.wait_ready(&format!("http://127.0.0.1:{http}")).await;
    dev
}

/// The entries under `ou=placowki` of dev's own directory (on `ldap_port`, its data in
/// `dir`) that match `filter`, read as dev's rootdn with the password dev wrote.
pub async fn dev_people(
    ldap_port: u16,
    dir: &Path,
    filter: &str,
    attrs: &[&str],
) -> Vec<ldap3::SearchEntry> {
    let password = std::fs::read_to_string(dir.join("secrets/ldap-admin.password")).unwrap();
    let url = format!("ldap://127.0.0.1:{ldap_port}");
    let base = "ou=placowki,dc=zszo,dc=krakow,dc=pl";
    let scope = ldap3::Scope::Subtree;
    super::admin_search_at(&url, password.trim(), base, scope, filter, attrs).await
}

/// `zszo-connector bootstrap --config CONFIG --seed SEED` with a seed of one school `code`
/// (written as `seed.toml` beside the configuration).
pub fn bootstrap_school(config: &Path, code: &str) -> Output {
    let seed = config.with_file_name("seed.toml");
    let text = format!("[[school]]\ncode = \"{code}\"\nname = \"Szkoła {code}\"\n");
    std::fs::write(&seed, text).unwrap();
    run(&["bootstrap", "--seed", seed.to_str().unwrap()], config)
}
