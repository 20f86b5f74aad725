//! The whole procedure in a real browser (issues 6 and 7): headless Debian Chromium, driven
//! by Playwright (`tests/e2e/procedure.mjs`, playwright-core installed by `.ci/install-deps`
//! into `target/e2e-tools`), against real services: the harness's slapd, the daemon binary's
//! `serve` and a real SMTP server (`common::smtp`).
//!
//! A local administrator signs in, finds the employee by name typed without diacritics,
//! creates the account and reads the slip; the employee signs in to the portal, sets a
//! password and an email; the link comes from the mail the SMTP server received; the
//! employee confirms and the account is active; the administrator gets a mail, sees the new
//! account as an open to-do on the new-accounts page, confirms it, and sees the history; an
//! LDAP bind shows the new password works and the one-time password does not. Then the
//! school's records are photographed (history, F-02 print view and PDF, F-03, F-04).
//!
//! Screenshots of every step go to `$CARGO_TARGET_TMPDIR/procedure/` and the records'
//! to `$CARGO_TARGET_TMPDIR/records/`; with `E2E_UPDATE_SCREENSHOTS=1` to
//! `docs/screenshots/procedure/` and `docs/screenshots/records/` (committed, linked from the
//! README).

use crate::common::{self, smtp::ReceivedMail, smtp::SmtpSink};
use crate::panel_support::PanelApp;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zszo_connector::audit::HmacKey;

use crate::common::daemon::{spawn_daemon, Daemon};
const SEARCH: &str = "zolkiewska";
const NEW_PASSWORD: &str = "kasztany-nad-Wisla-o-swicie-7";
/// What the employee sets through "Nie pamiętam hasła" (issue 16).
const RESET_PASSWORD: &str = "obwarzanek z makiem na Plantach";
const EMAIL: &str = "barbara.zolkiewska@example.pl";
const ADMIN_EMAIL: &str = "alicja.zrodlowska@example.pl";
/// How long a mail may take through the daemon's outbox to the SMTP server.
const MAIL_WAIT: Duration = Duration::from_secs(20);
/// A bound on the whole browser run, so a hung page fails the test instead of hanging it.
const BROWSER_WAIT: Duration = Duration::from_secs(300);

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-tools")
}

/// `procedure` or `records`, under docs/screenshots (`E2E_UPDATE_SCREENSHOTS=1`) or the
/// target's temporary folder; emptied of earlier PNGs, so a renamed step leaves no stale one.
fn screenshots_dir(name: &str) -> PathBuf {
    let dir = if std::env::var_os("E2E_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
    }
    .join(name);
    if dir.is_dir() {
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|x| x == "png") {
                std::fs::remove_file(f).unwrap();
            }
        }
    }
    dir
}

/// The daemon binary's `serve` on `port`, mail through `sink`, ready; killed when dropped.
async fn start_daemon(dir: &Path, port: u16, sink: &SmtpSink) -> Daemon {
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
        // The forgotten-password link follows the address confirmation within seconds.
        "[portal]\nresend_min_interval_seconds = 10\n",
    )
    .replace(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"127.0.0.1:{port}\""),
    );
    let path = dir.join("zszo.toml");
    std::fs::write(&path, config).unwrap();
    spawn_daemon(&path, &base).await
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

/// Page 1 of a PDF as a PNG (poppler's `pdftoppm`, installed by `.ci/install-deps`).
/// The text of a PDF by pdftotext (poppler-utils), its lines joined by single spaces.
fn flat_pdf_text(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is missing: run .ci/install-deps (poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn render_first_page(pdf: &Path, png: &Path) {
    let bytes = std::fs::read(pdf).unwrap();
    assert!(
        bytes.starts_with(b"%PDF-"),
        "not a PDF: {} bytes",
        bytes.len()
    );
    let status = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(png.with_extension(""))
        .status()
        .expect("run pdftoppm (.ci/install-deps installs poppler-utils)");
    assert!(status.success(), "pdftoppm: {status}");
    assert!(png.is_file(), "{} was not written", png.display());
}

/// What the account page said: waiting for the confirmation, then active.
#[derive(serde::Deserialize)]
struct PortalSaw {
    awaiting: AccountPage,
    active: AccountPage,
}

#[derive(serde::Deserialize)]
struct AccountPage {
    state: String,
    #[serde(default)]
    pending: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// A row of the new-accounts page.
#[derive(Debug, serde::Deserialize)]
struct TodoRow {
    login: String,
    open: bool,
}

#[derive(serde::Deserialize)]
struct TodosSaw {
    before: Vec<TodoRow>,
    after: Vec<TodoRow>,
}

#[derive(serde::Deserialize)]
struct RecordsSaw {
    register: Vec<String>,
    rooms: usize,
}

/// The value of `key` in a line the script printed, as `T`.
fn field<T: serde::de::DeserializeOwned>(said: &Value, key: &str) -> T {
    serde_json::from_value(said[key].clone())
        .unwrap_or_else(|e| panic!("the script's {key:?} in {said}: {e}"))
}

/// What the browser script reported.
#[derive(Default)]
struct Run {
    slip: Option<(String, String)>,
    portal: Option<PortalSaw>,
    admin_notice: Option<ReceivedMail>,
    todos: Option<TodosSaw>,
    history: Vec<String>,
    f02_pdf: Option<PathBuf>,
    records: Option<RecordsSaw>,
    slip_pdf: Option<PathBuf>,
    reset_signed_out: Option<bool>,
    axe: Option<AxeSaw>,
    done: Option<String>,
}

/// axe-core's report: how many pages it checked and every violation found.
#[derive(serde::Deserialize)]
struct AxeSaw {
    pages: usize,
    violations: Vec<Value>,
}

/// The `…/portal/nowe-haslo/<token>` link in the text of a received mail.
fn reset_link(text: &str, base: &str) -> String {
    let prefix = format!("{base}/portal/nowe-haslo/");
    let at = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {prefix}… in: {text}"));
    text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
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
    let port = crate::common::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let daemon = start_daemon(dir.path(), port, &sink).await;

    let shots = screenshots_dir("procedure");
    let record_shots = screenshots_dir("records");
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
        .env("E2E_RESET_PASSWORD", RESET_PASSWORD)
        .env("E2E_SCREENSHOTS", &shots)
        .env("E2E_RECORD_SHOTS", &record_shots)
        .env("E2E_WORK", dir.path())
        .env("E2E_TOOLS", &tools)
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
            let need = said.get("need").and_then(Value::as_str);
            let answer = if let Some(slip) = said.get("slip") {
                let field = |k: &str| slip[k].as_str().unwrap().to_owned();
                run.slip = Some((field("login"), field("password")));
                None
            } else if need == Some("confirmation_link") {
                let mails = sink.wait_for(1, MAIL_WAIT).await;
                let mail = mails
                    .iter()
                    .find(|m| m.recipients == [EMAIL])
                    .unwrap_or_else(|| panic!("no mail to {EMAIL}: {mails:#?}"));
                Some(confirmation_link(
                    mail.text.as_deref().unwrap_or_default(),
                    &base,
                ))
            } else if need == Some("admin_notice") {
                // The confirmation told the school's administrators, by mail.
                let mails = sink.wait_for(2, MAIL_WAIT).await;
                let notice = mails
                    .iter()
                    .find(|m| m.recipients == [ADMIN_EMAIL])
                    .unwrap_or_else(|| panic!("no mail to {ADMIN_EMAIL}: {mails:#?}"));
                run.admin_notice = Some(notice.clone());
                Some("ok".to_owned())
            } else if said.get("portal").is_some() {
                run.portal = Some(field(&said, "portal"));
                None
            } else if said.get("todos").is_some() {
                run.todos = Some(field(&said, "todos"));
                None
            } else if said.get("history").is_some() {
                run.history = field(&said, "history");
                None
            } else if said.get("f02_pdf").is_some() {
                let pdf: PathBuf = field(&said, "f02_pdf");
                render_first_page(&pdf, &record_shots.join("f02-pdf.png"));
                run.f02_pdf = Some(pdf);
                None
            } else if said.get("slip_pdf").is_some() {
                run.slip_pdf = Some(field(&said, "slip_pdf"));
                None
            } else if need == Some("reset_link") {
                // Confirmation, the administrator's notice, then the reset link.
                let mails = sink.wait_for(3, MAIL_WAIT).await;
                let mail = mails
                    .iter()
                    .rev()
                    .find(|m| m.recipients == [EMAIL])
                    .unwrap_or_else(|| panic!("no mail to {EMAIL}: {mails:#?}"));
                Some(reset_link(mail.text.as_deref().unwrap_or_default(), &base))
            } else if said.get("reset").is_some() {
                run.reset_signed_out = said["reset"]["signedOut"].as_bool();
                None
            } else if said.get("axe").is_some() {
                run.axe = Some(field(&said, "axe"));
                None
            } else if said.get("records").is_some() {
                run.records = Some(field(&said, "records"));
                None
            } else if let Some(d) = said.get("done") {
                run.done = d.as_str().map(str::to_owned);
                None
            } else {
                panic!("unexpected line from the script: {line}");
            };
            if let Some(a) = answer {
                answers
                    .write_all(format!("{a}\n").as_bytes())
                    .await
                    .unwrap();
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
    assert_eq!(run.done.as_deref(), Some("all"));

    let (login, one_time) = run.slip.expect("the slip was read");
    assert!(!login.is_empty() && !one_time.is_empty());

    // The portal: the address waits for its confirmation, then the account is active with it.
    let portal = run.portal.expect("the account page was read");
    assert_eq!(portal.awaiting.pending.as_deref(), Some(EMAIL));
    assert_eq!(portal.active.email.as_deref(), Some(EMAIL));
    assert_ne!(
        portal.awaiting.state, portal.active.state,
        "the account's state changes with the confirmation"
    );

    // The administrators were told, by mail, with the reminder about F-02.
    let notice = run.admin_notice.expect("the script asked for the notice");
    assert!(
        notice.subject.contains(&login) || notice.subject.contains("Żółkiewska"),
        "{}",
        notice.subject
    );
    assert!(
        notice.text.as_deref().unwrap_or_default().contains("F-02"),
        "{notice:#?}"
    );

    // ... and in the panel: an open to-do, closed by the administrator's confirmation.
    let todos = run.todos.expect("the new-accounts page was read");
    let row = |rows: &[TodoRow]| {
        rows.iter()
            .find(|r| r.login == login)
            .map(|r| r.open)
            .unwrap_or_else(|| panic!("{login} is not on the new-accounts page: {rows:#?}"))
    };
    assert!(row(&todos.before), "an open to-do: {:#?}", todos.before);
    assert!(!row(&todos.after), "confirmed: {:#?}", todos.after);

    // The history: the administrator's creation, then the employee's own steps.
    assert!(
        run.history
            .iter()
            .any(|row| row.contains(&app.local_admin.login)),
        "the administrator's creation of the account is in the history: {:#?}",
        run.history
    );
    assert!(
        run.history.iter().any(|row| row.contains(&login)),
        "the employee's portal steps are in the history: {:#?}",
        run.history
    );

    // The records: the activation is an authorization in F-03 (and its F-02 a PDF); the two
    // rooms added are in the F-04 print.
    assert!(run.f02_pdf.is_some(), "the F-02 PDF was fetched");
    let records = run.records.expect("the records were read");
    assert!(
        records.register.iter().any(|r| r.contains(&login)),
        "{login} in F-03: {:#?}",
        records.register
    );
    assert_eq!(records.rooms, 2);

    // The slip printed to PDF: it starts with its title, names the school, has the receipt
    // line, and the login is whole (issue 16).
    let slip = flat_pdf_text(&run.slip_pdf.expect("the slip was printed"));
    assert!(slip.starts_with("Karta przekazania konta ZSZO"), "{slip}");
    // The login may wrap only at its dots (pdftotext may also put a space there).
    assert!(
        slip.replace(". ", ".").contains(&login),
        "{login} not in: {slip}"
    );
    for expected in [
        &format!("Szkoła {}", app.school_a),
        "(data i podpis pracownika)",
    ] {
        assert!(
            slip.contains(expected),
            "{expected:?} not in the slip's PDF: {slip}"
        );
    }
    assert!(
        !slip.contains("Centralny Panel"),
        "the page's frame is not printed: {slip}"
    );

    // "Nie pamiętam hasła": the other session ended; the password set there opens the
    // account; the one set at the first login and the one-time password no longer do.
    assert_eq!(run.reset_signed_out, Some(true));
    assert_eq!(common::bind_rc(&employee.entry.dn, RESET_PASSWORD).await, 0);
    assert_eq!(common::bind_rc(&employee.entry.dn, NEW_PASSWORD).await, 49);
    assert_eq!(common::bind_rc(&employee.entry.dn, &one_time).await, 49);

    // axe-core: every page, Polish and English, without a WCAG 2.1 AA violation.
    let axe = run.axe.expect("axe-core ran");
    assert!(axe.pages >= 50, "axe checked only {} pages", axe.pages);
    assert!(
        axe.violations.is_empty(),
        "axe-core found WCAG 2.1 AA violations: {:#}",
        Value::Array(axe.violations)
    );
}
