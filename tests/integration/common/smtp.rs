//! A real SMTP server for the tests: `smtp_sink.py` (Debian's python3-aiosmtpd, installed by
//! `.ci/install-deps`) run as a separate process on a free loopback port. It spools every
//! message it accepts; [`SmtpSink::messages`] reads the spool back, decoded with mail-parser,
//! so tests assert on what a mail program would show, not on lettre's encoding choices.
//!
//! A separate process rather than an in-process server so the daemon's SMTP client meets a
//! real, independent server, and so "the relay is down" is a killed process and a refused
//! connection, exactly as in production.

use mail_parser::{MessageParser, PartType};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's interpreter, where python3-aiosmtpd is installed (a `python3` earlier on `PATH`,
/// e.g. pyenv's, would not see Debian's packages).
const PYTHON: &str = "/usr/bin/python3";

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`), who the mail was really sent to.
    pub recipients: Vec<String>,
    /// The `Subject`, decoded from RFC 2047.
    pub subject: String,
    /// The text/plain body, decoded from its transfer encoding.
    pub text: Option<String>,
    /// The text/html body, decoded from its transfer encoding.
    pub html: Option<String>,
    /// The message exactly as received in `DATA`.
    pub raw: Vec<u8>,
}

/// A running SMTP server that keeps what it receives. Dropping it kills the server.
pub struct SmtpSink {
    state: tempfile::TempDir,
    port: u16,
    process: Option<SinkProcess>,
}

struct SinkProcess {
    child: Child,
    // The server stops when this pipe closes: it never outlives the test process.
    _stdin: ChildStdin,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for SinkProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpSink {
    /// Starts a sink on a free loopback port; returns once it accepts connections.
    pub fn start() -> Self {
        let state = tempfile::Builder::new()
            .prefix("zszo-test-smtp-")
            .tempdir()
            .expect("create the sink's directory");
        let (process, port) = spawn(0, state.path());
        Self {
            state,
            port,
            process: Some(process),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where the sink writes `<name>.eml` + `<name>.json` per message (see smtp_sink.py).
    pub fn spool_dir(&self) -> PathBuf {
        self.state.path().join("spool")
    }

    /// The `[mail]` tables of a daemon configuration that sends to this sink.
    pub fn mail_toml(&self) -> String {
        format!(
            r#"
[mail]
transport = "smtp"
from = "ZSZO <no-reply@zszo.krakow.pl>"
[mail.smtp]
host = "127.0.0.1"
port = {}
tls = "none"
timeout_secs = 5
"#,
            self.port
        )
    }

    /// Kills the server: connections to its port are refused until [`Self::start_again`].
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts the server again on the same port, keeping the messages received so far.
    pub fn start_again(&mut self) {
        assert!(self.process.is_none(), "the sink is already running");
        let (process, port) = spawn(self.port, self.state.path());
        assert_eq!(port, self.port);
        self.process = Some(process);
    }

    /// While on, every message is answered `451` (a transient failure) and not kept.
    pub fn refuse_transiently(&self, on: bool) {
        let flag = self.state.path().join("refuse-transient");
        if on {
            std::fs::write(&flag, b"").expect("write the refuse flag");
        } else if let Err(e) = std::fs::remove_file(&flag) {
            assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}");
        }
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let spool = self.spool_dir();
        let mut names: Vec<PathBuf> = match std::fs::read_dir(&spool) {
            Ok(entries) => entries
                .map(|e| e.expect("read the spool").path())
                // Only complete messages: the .json is renamed into place after the .eml.
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("read {}: {e}", spool.display()),
        };
        names.sort();
        names.iter().map(|p| read_message(&spool, p)).collect()
    }

    /// Waits (polling the spool) until at least `n` messages have arrived and returns them
    /// all; panics after `timeout`, showing what did arrive.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                let subjects: Vec<_> = messages.iter().map(|m| &m.subject).collect();
                panic!("expected {n} message(s) within {timeout:?}, got {subjects:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn script() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/integration/common/smtp_sink.py"
    ))
}

/// Starts smtp_sink.py on `port` (0 = any free one) and waits for its "ready <port>" line.
fn spawn(port: u16, state_dir: &Path) -> (SinkProcess, u16) {
    let mut child = Command::new(PYTHON)
        .arg(script())
        .arg(port.to_string())
        .arg(state_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start {PYTHON} (run .ci/install-deps): {e}"));
    let stdin = child.stdin.take().expect("piped stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    stdout
        .read_line(&mut line)
        .expect("read the sink's first line");
    let process = SinkProcess {
        child,
        _stdin: stdin,
        _stdout: stdout,
    };
    let Some(port) = line
        .trim()
        .strip_prefix("ready ")
        .and_then(|p| p.parse::<u16>().ok())
    else {
        drop(process);
        panic!(
            "the SMTP sink did not start on port {port} (its error is above): is \
             python3-aiosmtpd installed? (.ci/install-deps)"
        );
    };
    (process, port)
}

fn read_message(spool: &Path, json_path: &Path) -> ReceivedMail {
    let meta: serde_json::Value = serde_json::from_slice(
        &std::fs::read(json_path).unwrap_or_else(|e| panic!("{}: {e}", json_path.display())),
    )
    .expect("the sink writes JSON");
    let eml = spool.join(meta["eml"].as_str().expect("eml name"));
    let raw = std::fs::read(&eml).unwrap_or_else(|e| panic!("{}: {e}", eml.display()));
    let parsed = MessageParser::default()
        .parse(&raw)
        .unwrap_or_else(|| panic!("{} is not a mail message", eml.display()));
    // Only parts that really are text/plain or text/html: mail-parser's body_text/body_html
    // would convert one into the other when a part is missing.
    let text = parsed
        .text_bodies()
        .find(|p| matches!(p.body, PartType::Text(_)))
        .and_then(|p| p.text_contents().map(str::to_owned));
    let html = parsed
        .html_bodies()
        .find(|p| matches!(p.body, PartType::Html(_)))
        .and_then(|p| p.text_contents().map(str::to_owned));
    ReceivedMail {
        mail_from: meta["mail_from"].as_str().unwrap_or_default().to_owned(),
        recipients: meta["rcpt_tos"]
            .as_array()
            .expect("rcpt_tos")
            .iter()
            .map(|r| r.as_str().expect("a recipient").to_owned())
            .collect(),
        subject: parsed.subject().unwrap_or_default().to_owned(),
        text,
        html,
        raw,
    }
}
