//! The whole procedure in a real browser (issue 6): headless Debian Chromium, driven by
//! Playwright (`tests/e2e/procedure.mjs`, playwright-core installed by `.ci/install-deps` into
//! `target/e2e-tools`), against real services: the harness's slapd, the daemon binary's
//! `serve` and a real SMTP server (`common::smtp`).
//!
//! A local administrator signs in, finds the employee by name typed without diacritics,
//! creates the account and reads the slip; the employee signs in to the portal, sets a
//! password and an email; the link comes from the mail the SMTP server received; the
//! administrator gets a mail and sees the history; an LDAP bind shows the new password works
//! and the one-time password does not.
//!
//! Screenshots of every step go to `$CARGO_TARGET_TMPDIR/procedure/`; with
//! `E2E_UPDATE_SCREENSHOTS=1` to `docs/screenshots/procedure/` (committed, linked from the
//! README).

use crate::common::{self, smtp::SmtpSink};
use crate::panel_support::PanelApp;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zszo_connector::audit::HmacKey;

const BIN: &str = env!("CARGO_BIN_EXE_zszo-connector");
const SEARCH: &str = "zolkiewska";
const NEW_PASSWORD: &str = "kasztany-nad-Wisla-o-swicie-7";
const EMAIL: &str = "barbara.zolkiewska@example.pl";
const ADMIN_EMAIL: &str = "alicja.zrodlowska@example.pl";
/// How long a mail may take through the daemon's outbox to the SMTP server.
const MAIL_WAIT: Duration = Duration::from_secs(20);
/// A bound on the whole browser run, so a hung page fails the test instead of hanging it.
const BROWSER_WAIT: Duration = Duration::from_secs(120);

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-tools")
}

fn screenshots_dir() -> PathBuf {
    if std::env::var_os("E2E_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots/procedure")
    } else {
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("procedure")
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The daemon binary's `serve`, killed when dropped; its output goes to `daemon.log`.
struct Daemon {
    child: tokio::process::Child,
    log: PathBuf,
}

impl Daemon {
    async fn start(dir: &Path, port: u16, sink: &SmtpSink) -> Self {
        let base = format!("http://127.0.0.1:{port}");
        let t = common::ldap();
        HmacKey::generate_to(dir.join("key")).unwrap();
        let config = common::config_toml_with_mail(
            dir,
            &t.url,
            &t.service_dn,
            &t.service_password,
            &base,
            &sink.mail_toml(),
            "",
        )
        .replace(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"127.0.0.1:{port}\""),
        );
        let path = dir.join("zszo.toml");
        std::fs::write(&path, config).unwrap();
        let log = dir.join("daemon.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = tokio::process::Command::new(BIN)
            .arg("serve")
            .arg("--config")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let daemon = Self { child, log };
        daemon.wait_ready(&base).await;
        daemon
    }

    async fn wait_ready(&self, base: &str) {
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the daemon never became ready:\n{}", self.output());
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// The `…/portal/confirm/<token>` link in the text of a received mail.
fn confirmation_link(text: &str, base: &str) -> String {
    let prefix = format!("{base}/portal/confirm/");
    let at = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {prefix}… link in the mail:\n{text}"));
    let token: String = text[at + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    assert_eq!(token.len(), 43, "a 256-bit base64url token: {token:?}");
    format!("{prefix}{token}")
}

/// Whether a simple bind as `dn` with `password` succeeds.
async fn binds(dn: &str, password: &str) -> bool {
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(&common::ldap().url)
        .await
        .unwrap();
    ldap3::drive!(conn);
    let ok = ldap
        .simple_bind(dn, password)
        .await
        .unwrap()
        .success()
        .is_ok();
    let _ = ldap.unbind().await;
    ok
}

/// What the browser script reported.
#[derive(Default)]
struct Run {
    slip: Option<(String, String)>,
    history: Vec<String>,
    done: Option<String>,
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_procedure_in_a_real_browser() {
    let tools = tools_dir();
    assert!(
        tools.join("node_modules/playwright-core").is_dir(),
        "{} is missing: run .ci/install-deps (it installs playwright-core there)",
        tools.display()
    );
    let app = PanelApp::start().await;
    let employee = app
        .add_person("Barbara", "Żółkiewska", &app.school_a, None, None)
        .await;
    // The local administrator's address, where the "new account" notice goes.
    common::connect_admin()
        .await
        .modify(
            &app.local_admin.dn,
            vec![ldap3::Mod::Replace("mail", [ADMIN_EMAIL].into())],
        )
        .await
        .unwrap()
        .success()
        .unwrap();

    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let daemon = Daemon::start(dir.path(), port, &sink).await;

    // Until the portal is on main the script stops after the panel's half (see the report
    // of the e2e branch); once /portal exists the whole procedure runs.
    let portal_built = reqwest::get(format!("{base}/portal/logowanie"))
        .await
        .unwrap()
        .status()
        != reqwest::StatusCode::NOT_FOUND;

    let shots = screenshots_dir();
    if shots.is_dir() {
        for f in std::fs::read_dir(&shots).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|x| x == "png") {
                std::fs::remove_file(f).unwrap();
            }
        }
    }
    let mut node = tokio::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/procedure.mjs"
        ))
        .env("E2E_BASE_URL", &base)
        .env("E2E_SCHOOL", &app.school_a)
        .env("E2E_ADMIN_LOGIN", &app.local_admin.login)
        .env("E2E_ADMIN_PASSWORD", &app.local_admin.password)
        .env("E2E_EMPLOYEE_ID", &employee.entry.id)
        .env("E2E_EMPLOYEE_SEARCH", SEARCH)
        .env("E2E_NEW_PASSWORD", NEW_PASSWORD)
        .env("E2E_EMAIL", EMAIL)
        .env("E2E_SCREENSHOTS", &shots)
        .env("E2E_TOOLS", &tools)
        .env("E2E_PANEL_ONLY", if portal_built { "0" } else { "1" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("run node (.ci/install-deps installs nodejs)");
    let mut answers = node.stdin.take().unwrap();
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();

    let run = tokio::time::timeout(BROWSER_WAIT, async {
        let mut run = Run::default();
        while let Some(line) = lines.next_line().await.unwrap() {
            let said: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("the script printed {line:?}: {e}"));
            if let Some(slip) = said.get("slip") {
                let field = |k: &str| slip[k].as_str().unwrap().to_owned();
                run.slip = Some((field("login"), field("password")));
            } else if said.get("need").and_then(Value::as_str) == Some("confirmation_link") {
                let mails = sink.wait_for(1, MAIL_WAIT).await;
                let mail = mails
                    .iter()
                    .find(|m| m.recipients == [EMAIL])
                    .unwrap_or_else(|| panic!("no mail to {EMAIL}: {mails:#?}"));
                let link = confirmation_link(mail.text.as_deref().unwrap_or_default(), &base);
                answers
                    .write_all(format!("{link}\n").as_bytes())
                    .await
                    .unwrap();
            } else if let Some(h) = said.get("history") {
                run.history = serde_json::from_value(h.clone()).unwrap();
            } else if let Some(d) = said.get("done") {
                run.done = d.as_str().map(str::to_owned);
            } else {
                panic!("unexpected line from the script: {line}");
            }
        }
        run
    })
    .await
    .unwrap_or_else(|_| panic!("the browser run took over {BROWSER_WAIT:?}"));
    let status = node.wait().await.unwrap();
    assert!(
        status.success(),
        "the browser script failed ({status}); the daemon said:\n{}",
        daemon.output()
    );
    let expected = if portal_built { "all" } else { "panel" };
    assert_eq!(run.done.as_deref(), Some(expected));

    let (login, one_time) = run.slip.expect("the slip was read");
    assert!(!login.is_empty() && !one_time.is_empty());
    assert!(
        !run.history.is_empty(),
        "the history shows the account's creation"
    );
    assert!(
        run.history
            .iter()
            .any(|row| row.contains(&app.local_admin.login)),
        "the administrator's creation of the account is in the history: {:#?}",
        run.history
    );

    if !portal_built {
        // The panel's half: the one-time password from the slip is the account's password.
        assert!(binds(&employee.entry.dn, &one_time).await);
        return;
    }

    // The administrators were told, by mail, with the reminder about F-02.
    let mails = sink.wait_for(2, MAIL_WAIT).await;
    let notice = mails
        .iter()
        .find(|m| m.recipients == [ADMIN_EMAIL])
        .unwrap_or_else(|| panic!("no mail to {ADMIN_EMAIL}: {mails:#?}"));
    assert!(
        notice.subject.contains(&login) || notice.subject.contains("Żółkiewska"),
        "{}",
        notice.subject
    );
    assert!(
        notice.text.as_deref().unwrap_or_default().contains("F-02"),
        "{notice:#?}"
    );
    // The history has the employee's own steps after the administrator's.
    assert!(
        run.history.iter().any(|row| row.contains(&login)),
        "the employee's portal steps are in the history: {:#?}",
        run.history
    );

    // The new password opens the account; the one-time password no longer does.
    assert!(binds(&employee.entry.dn, NEW_PASSWORD).await);
    assert!(!binds(&employee.entry.dn, &one_time).await);
}
