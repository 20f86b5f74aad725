//! The mail sender: delivers the state store's outbox (`store::outbox`) through the `Mailer`
//! port, with retries and backoff (security.md REL-05).
//!
//! - Woken at once when something is queued (`Notify`), else every few seconds.
//! - A confirmation is rendered only now, its token re-derived from the stored nonce; one
//!   that was used, superseded or expired meanwhile is dropped, never sent (a token is never
//!   sent after it expired).
//! - On a transient failure (server down, 4xx) the message waits `backoff(attempts)` (30 s
//!   doubling to 15 min) and stays queued; the person was told "we'll send it shortly". An
//!   invalid message is dropped. A message is removed from the queue only after the server
//!   accepted it: a crash in between sends it again (at most one duplicate, same token).
//! - Each delivery and each failure is one audit record (`mail.sent` / `mail.failed`; for the
//!   administrators' notice of an activated account `administrators.notified`), with the
//!   purpose and the masked recipient, never the body.

use crate::clock::Clock;
use crate::domain::audit::{Actor, NewAuditRecord, Outcome};
use crate::domain::EmailAddress;
use crate::onboarding::links::{confirm_url, LinkKey};
use crate::onboarding::mails;
use crate::ports::state::Confirmations;
use crate::ports::{AuditLog, MailError, Mailer, OutgoingMail};
use crate::store::confirmations::ConfirmationPurpose;
use crate::store::outbox::{MailKind, QueuedMail};
use crate::store::StateStore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often the queue is looked at without a wake-up (retries become due this way).
const POLL: Duration = Duration::from_secs(2);
/// At most this many messages per pass.
const BATCH: usize = 50;

/// The wait before the next attempt after `attempts` failed ones.
pub fn backoff(attempts: u32) -> time::Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.min(10));
    time::Duration::seconds(secs.min(15 * 60))
}

/// What the sender needs.
#[derive(Clone)]
pub struct OutboxSender {
    pub state: StateStore,
    pub mailer: Arc<dyn Mailer>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    pub link_key: Arc<LinkKey>,
    pub public_base_url: String,
    pub confirmation_ttl: time::Duration,
    pub wake: Arc<Notify>,
}

/// What became of one message.
enum Delivery {
    Sent(OutgoingMail),
    /// Not sent and never will be (expired, used, invalid); the reason for the audit.
    Dropped(&'static str, Option<String>),
    /// Try again later.
    Retry(String, Option<String>),
}

impl OutboxSender {
    /// Runs until `stop` resolves; the current pass finishes first.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.pass().await {
                tracing::warn!(error = %e, "mail outbox: pass failed");
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Sends every due message once. Public for tests that drive the sender by hand.
    pub async fn pass(&self) -> Result<usize, crate::store::StoreError> {
        let due = self.state.due_mail(self.clock.now(), BATCH).await?;
        let mut sent = 0;
        for (id, queued) in due {
            match self.deliver(&queued).await {
                Delivery::Sent(mail) => {
                    metrics::counter!(crate::metric_names::MAIL_SENT).increment(1);
                    self.state.finish_mail(id).await?;
                    self.record(
                        &queued,
                        Some(&mail.to),
                        Outcome::Success,
                        queued.attempts + 1,
                    )
                    .await;
                    sent += 1;
                }
                Delivery::Dropped(why, to) => {
                    metrics::counter!(crate::metric_names::MAIL_FAILURES).increment(1);
                    self.state.finish_mail(id).await?;
                    self.record(
                        &queued,
                        to.as_deref(),
                        Outcome::Failure(why.into()),
                        queued.attempts,
                    )
                    .await;
                }
                Delivery::Retry(why, to) => {
                    metrics::counter!(crate::metric_names::MAIL_FAILURES).increment(1);
                    let next = self.clock.now() + backoff(queued.attempts);
                    self.state.retry_mail_at(id, next).await?;
                    tracing::warn!(reason = %why, purpose = %queued.purpose, "mail not sent; will retry");
                    self.record(
                        &queued,
                        to.as_deref(),
                        Outcome::Failure("smtp_unavailable".into()),
                        queued.attempts + 1,
                    )
                    .await;
                }
            }
        }
        Ok(sent)
    }

    async fn deliver(&self, queued: &QueuedMail) -> Delivery {
        let now = self.clock.now().unix_timestamp();
        if queued.not_after.is_some_and(|t| now >= t) {
            return Delivery::Dropped("expired_before_sending", None);
        }
        let mail = match &queued.kind {
            MailKind::Rendered {
                to,
                subject,
                text,
                html,
            } => OutgoingMail {
                to: to.clone(),
                subject: subject.clone(),
                text: text.clone(),
                html: html.clone(),
            },
            MailKind::EmailConfirmation { confirmation } => {
                match self.confirmation_mail(confirmation, now).await {
                    Ok(m) => m,
                    Err(why) => return Delivery::Dropped(why, None),
                }
            }
        };
        match self.mailer.send(&mail).await {
            Ok(()) => Delivery::Sent(mail),
            Err(MailError::Unavailable(why)) => Delivery::Retry(why, Some(mail.to)),
            Err(MailError::Invalid(why)) => {
                tracing::error!(reason = %why, purpose = %queued.purpose, "mail refused as invalid; dropped");
                Delivery::Dropped("invalid_message", Some(mail.to))
            }
        }
    }

    /// Renders the confirmation stored under `key`, if it can still be used.
    async fn confirmation_mail(&self, key: &str, now: i64) -> Result<OutgoingMail, &'static str> {
        let pending = self
            .state
            .confirmation(key.to_owned())
            .await
            .map_err(|_| "state_unavailable")?
            .ok_or("confirmation_gone")?;
        if pending.used.is_some() || pending.superseded {
            return Err("confirmation_no_longer_needed");
        }
        if now >= pending.expires {
            return Err("expired_before_sending");
        }
        let token = self.link_key.token(&pending.nonce);
        let name = pending.display_name.as_deref();
        if pending.purpose == ConfirmationPurpose::PasswordReset {
            let url = crate::onboarding::links::reset_url(&self.public_base_url, &token);
            let ttl = time::Duration::seconds(pending.expires - now);
            return Ok(mails::password_reset(&pending.address, name, &url, ttl));
        }
        let url = confirm_url(&self.public_base_url, &token);
        let ttl = time::Duration::seconds(pending.expires - now).min(self.confirmation_ttl);
        Ok(mails::confirmation(&pending.address, name, &url, ttl))
    }

    async fn record(&self, q: &QueuedMail, to: Option<&str>, outcome: Outcome, attempt: u32) {
        let action = match (&outcome, q.purpose.as_str()) {
            (Outcome::Success, "account_activated_notice") => "administrators.notified",
            (Outcome::Success, _) => "mail.sent",
            _ => "mail.failed",
        };
        let mut r = NewAuditRecord::new(Actor::System("mail-outbox".into()), action, outcome)
            .detail("purpose", &q.purpose)
            .detail("attempt", attempt.to_string());
        if let Some(to) = to.and_then(|t| EmailAddress::parse(t).ok()) {
            r = r.detail("to", to.masked());
        }
        if let (Some(dn), Some(id)) = (&q.person_dn, &q.person_id) {
            r = r.target(dn, Some(id.clone()));
        }
        r.school = q.school.clone();
        if let Err(e) = self.audit.append(r).await {
            tracing::error!(error = %e, "mail outbox: audit record not written");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_thirty_seconds_to_fifteen_minutes() {
        assert_eq!(backoff(0), time::Duration::seconds(30));
        assert_eq!(backoff(1), time::Duration::seconds(60));
        assert_eq!(backoff(4), time::Duration::seconds(480));
        assert_eq!(backoff(5), time::Duration::minutes(15));
        assert_eq!(backoff(u32::MAX), time::Duration::minutes(15));
    }
}
