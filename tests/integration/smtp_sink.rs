//! The daemon's SMTP client (`LettreMailer` with `transport = "smtp"`, `tls = "none"`) against
//! the real SMTP server of the test harness (`common::smtp`): what arrives is what was sent
//! (envelope, RFC 2047 subject, both body parts), a relay that is down is
//! `MailError::Unavailable` (so callers keep the mail for later), and a 4xx answer is too.

use crate::common::{self, smtp::SmtpSink};
use std::time::Duration;
use zszo_connector::config::Config;
use zszo_connector::mail::LettreMailer;
use zszo_connector::ports::{MailError, Mailer, OutgoingMail};

const WAIT: Duration = Duration::from_secs(10);
const LINK: &str =
    "https://zszo.krakow.pl/portal/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The crate's mailer configured through the real config parser with the sink's `[mail]`.
fn mailer_for(sink: &SmtpSink, dir: &std::path::Path) -> LettreMailer {
    let config = Config::from_toml_str(&common::config_toml_with_mail(
        dir,
        "ldap://127.0.0.1:1",
        "cn=unused",
        "unused",
        "http://127.0.0.1",
        &sink.mail_toml(),
        "",
    ))
    .expect("a valid configuration");
    LettreMailer::new(&config.mail).expect("an SMTP mailer")
}

fn confirmation_mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.into(),
        subject: "Potwierdź adres e-mail – Żółkiewska Łucja".into(),
        // The link makes a line longer than 76 characters: lettre cannot send that as 8bit,
        // so the body travels quoted-printable or base64 and the sink must decode it.
        text: format!("Dzień dobry,\nzażółć gęślą jaźń, otwórz łącze:\n{LINK}\n"),
        html: Some(format!(
            "<p>Dzień dobry, <a href=\"{LINK}\">potwierdź adres</a> – źdźbło.</p>"
        )),
    }
}

#[tokio::test]
async fn a_mail_sent_by_the_daemons_mailer_arrives_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start();
    let mailer = mailer_for(&sink, dir.path());

    mailer
        .send(&confirmation_mail("Łucja Żółkiewska <lucja@example.pl>"))
        .await
        .expect("the sink accepts the mail");

    let got = sink.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert_eq!(mail.recipients, vec!["lucja@example.pl".to_owned()]);
    assert_eq!(mail.mail_from, "no-reply@zszo.krakow.pl");
    assert_eq!(mail.subject, "Potwierdź adres e-mail – Żółkiewska Łucja");
    let text = mail.text.as_deref().expect("a text/plain part");
    assert!(text.contains("zażółć gęślą jaźń"), "{text}");
    assert!(text.contains(&format!("\n{LINK}\n")), "{text}");
    let html = mail.html.as_deref().expect("a text/html part");
    assert!(
        html.contains(&format!("<a href=\"{LINK}\">potwierdź adres</a> – źdźbło")),
        "{html}"
    );
    assert!(
        !String::from_utf8_lossy(&mail.raw).contains(LINK),
        "the long-lined bodies travelled unencoded"
    );
    // The subject really travelled encoded (RFC 2047), not as raw UTF-8 in the header.
    let raw = String::from_utf8_lossy(&mail.raw);
    let subject_line = raw
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .expect("a Subject header");
    assert!(subject_line.contains("=?utf-8?"), "{subject_line}");
}

#[tokio::test]
async fn a_text_only_mail_has_no_html_part() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start();
    let mut mail = confirmation_mail("a@example.pl");
    mail.html = None;
    mailer_for(&sink, dir.path()).send(&mail).await.unwrap();
    let got = sink.wait_for(1, WAIT).await;
    assert!(got[0].text.as_deref().unwrap().contains("gęślą"));
    assert_eq!(got[0].html, None);
}

#[tokio::test]
async fn a_stopped_relay_is_unavailable_and_receives_once_started_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = SmtpSink::start();
    let mailer = mailer_for(&sink, dir.path());

    sink.stop();
    let down = mailer.send(&confirmation_mail("a@example.pl")).await;
    assert!(matches!(down, Err(MailError::Unavailable(_))), "{down:?}");

    sink.start_again();
    mailer
        .send(&confirmation_mail("b@example.pl"))
        .await
        .expect("the relay is back");
    let got = sink.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1, "the mail sent while down never arrived");
    assert_eq!(got[0].recipients, vec!["b@example.pl".to_owned()]);
}

#[tokio::test]
async fn a_transient_refusal_is_unavailable_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start();
    let mailer = mailer_for(&sink, dir.path());

    sink.refuse_transiently(true);
    let refused = mailer.send(&confirmation_mail("a@example.pl")).await;
    assert!(
        matches!(&refused, Err(MailError::Unavailable(e)) if e.contains("451")),
        "{refused:?}"
    );
    assert!(sink.messages().is_empty());

    sink.refuse_transiently(false);
    mailer
        .send(&confirmation_mail("b@example.pl"))
        .await
        .unwrap();
    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
}
