//! `[mail]`: the sender's address and the transport (SMTP with its TLS mode and credentials,
//! or `.eml` files for development) → `MailConfig`.

use super::problems::{secret, Problems};
use crate::config::raw;
use crate::config::{MailConfig, MailTransport, SmtpConfig, SmtpTls};
use std::time::Duration;

pub(super) fn validate_mail(p: &mut Problems, m: raw::RawMail) -> Option<MailConfig> {
    if !m.from.contains('@') || m.from.contains(['\r', '\n']) {
        p.push(
            "mail.from",
            format!(
                "{:?} is not an address such as \"ZSZO <no-reply@example.pl>\"",
                m.from
            ),
        );
    }
    let transport = match (m.transport.as_str(), m.file_dir, m.smtp) {
        ("file", Some(dir), _) => MailTransport::File { dir },
        ("file", None, _) => {
            p.push(
                "mail.file_dir",
                "is required when mail.transport = \"file\"",
            );
            return None;
        }
        ("smtp", _, Some(s)) => {
            let tls = match s.tls.as_str() {
                "starttls" => SmtpTls::StartTls,
                "tls" => SmtpTls::Tls,
                "none" => SmtpTls::None,
                other => {
                    p.push(
                        "mail.smtp.tls",
                        format!("{other:?} is not \"starttls\", \"tls\" or \"none\""),
                    );
                    SmtpTls::StartTls
                }
            };
            let password = if s.password.is_none() && s.password_file.is_none() {
                None
            } else {
                secret(p, "mail.smtp.password", s.password, s.password_file)
            };
            let credentials = match (s.username, password) {
                (Some(u), Some(pw)) => Some((u, pw)),
                (None, None) => None,
                _ => {
                    p.push(
                        "mail.smtp.username",
                        "username and password go together: set both or neither",
                    );
                    None
                }
            };
            let port = s.port.unwrap_or(match tls {
                SmtpTls::Tls => 465,
                SmtpTls::StartTls => 587,
                SmtpTls::None => 25,
            });
            MailTransport::Smtp(SmtpConfig {
                host: s.host,
                port,
                tls,
                credentials,
                timeout: Duration::from_secs(s.timeout_secs.max(1)),
            })
        }
        ("smtp", _, None) => {
            p.push(
                "mail.smtp",
                "a [mail.smtp] section is required when mail.transport = \"smtp\"",
            );
            return None;
        }
        (other, _, _) => {
            p.push(
                "mail.transport",
                format!("{other:?} is not \"smtp\" or \"file\""),
            );
            return None;
        }
    };
    Some(MailConfig {
        from: m.from,
        transport,
    })
}
