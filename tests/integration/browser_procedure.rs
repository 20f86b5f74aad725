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

#[path = "browser_procedure_walk.rs"]
mod walk;

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
