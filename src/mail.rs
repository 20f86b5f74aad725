//! The `Mailer` port over lettre: SMTP (STARTTLS, TLS or plain for a local relay) or, in dev
//! mode, one `.eml` file per message that a person can open in any mail program or editor.
//! The only module that imports lettre.

use crate::config::{MailConfig, MailTransport, SmtpTls};
use crate::ports::{MailError, Mailer, OutgoingMail};
use async_trait::async_trait;
use lettre::message::header::ContentTransferEncoding;
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

pub struct LettreMailer {
    from: Mailbox,
    transport: Transport,
}

impl LettreMailer {
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| MailError::Invalid(format!("mail.from: {e}")))?;
        let transport = match &config.transport {
            MailTransport::File { dir } => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    MailError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
                Transport::File(AsyncFileTransport::new(dir))
            }
            MailTransport::Smtp(s) => {
                let builder = match s.tls {
                    SmtpTls::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                    }
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host),
                    SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                        &s.host,
                    )),
                }
                .map_err(|e| MailError::Invalid(format!("mail.smtp.host: {e}")))?;
                let mut builder = builder.port(s.port).timeout(Some(s.timeout));
                if let Some((user, password)) = &s.credentials {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        password.expose_secret().to_owned(),
                    ));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Self { from, transport })
    }

    fn build(&self, mail: &OutgoingMail) -> Result<Message, MailError> {
        // Mailbox parsing rejects CR/LF, so no header injection through the address.
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Invalid(format!("recipient: {e}")))?;
        if mail.subject.contains(['\r', '\n']) {
            return Err(MailError::Invalid("subject contains a line break".into()));
        }
        let text = SinglePart::builder()
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(readable_body(mail.text.clone()));
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        let message = match &mail.html {
            None => builder.singlepart(text),
            Some(html) => builder.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(lettre::message::header::ContentType::TEXT_HTML)
                        .body(readable_body(html.clone())),
                ),
            ),
        };
        message.map_err(|e| MailError::Invalid(e.to_string()))
    }
}

/// 8bit keeps Polish text readable in the dev mail files. lettre refuses 8bit for a body with
/// a line of 76 characters or more (a confirmation link alone is that long), so such a body
/// goes in the encoding lettre picks (quoted-printable or base64), which every mail program
/// decodes, instead of failing the mail.
fn readable_body(text: String) -> Body {
    match Body::new_with_encoding(text, ContentTransferEncoding::EightBit) {
        Ok(body) => body,
        Err(text) => Body::new(text),
    }
}

#[async_trait]
impl Mailer for LettreMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = self.build(mail)?;
        match &self.transport {
            Transport::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Unavailable(e.to_string())),
            Transport::File(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Unavailable(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_mailer(dir: &std::path::Path) -> LettreMailer {
        LettreMailer::new(&MailConfig {
            from: "ZSZO <no-reply@zszo.example.pl>".into(),
            transport: MailTransport::File {
                dir: dir.to_owned(),
            },
        })
        .unwrap()
    }

    #[tokio::test]
    async fn file_transport_writes_a_readable_message_per_mail() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = file_mailer(dir.path());
        mailer
            .send(&OutgoingMail {
                to: "Łucja Żak <lucja@example.pl>".into(),
                subject: "Potwierdź adres e-mail".into(),
                text: "Dzień dobry, kliknij przycisk.".into(),
                html: Some("<p>Dzień dobry</p>".into()),
            })
            .await
            .unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
        assert!(text.contains("Dzień dobry, kliknij przycisk."), "{text}");
        assert!(text.contains("lucja@example.pl"));
    }

    #[tokio::test]
    async fn a_body_with_a_long_line_is_sent_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = format!("https://zszo.krakow.pl/portal/confirm/{}", "A".repeat(43));
        file_mailer(dir.path())
            .send(&OutgoingMail {
                to: "lucja@example.pl".into(),
                subject: "Potwierdź adres e-mail".into(),
                text: format!("Dzień dobry, otwórz łącze:\n{link}\n"),
                html: Some(format!(
                    "<p>Dzień dobry, <a href=\"{link}\">potwierdź adres</a>.</p>"
                )),
            })
            .await
            .unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn header_injection_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = file_mailer(dir.path());
        for (to, subject) in [
            ("a@example.pl\r\nBcc: x@evil.example", "s"),
            ("a@example.pl", "s\r\nBcc: x@evil.example"),
        ] {
            let r = mailer
                .send(&OutgoingMail {
                    to: to.into(),
                    subject: subject.into(),
                    text: "t".into(),
                    html: None,
                })
                .await;
            assert!(
                matches!(r, Err(MailError::Invalid(_))),
                "{to:?} {subject:?}"
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
