//! The mail outbox (security.md REL-05, the transactional-outbox pattern): a message is queued
//! in the same redb transaction as the state that needs it (a pending email confirmation, an
//! activated account's notice), so either both exist or neither; the sender
//! (`crate::outbox`) delivers it later with retries and backoff. Nothing is lost while the
//! SMTP server is down, and a process that dies after queuing still sends after restart.
//!
//! Invariants:
//! - A queued message never holds a secret. A confirmation is queued as a reference to its
//!   pending confirmation (`MailKind::EmailConfirmation`) and rendered, token and all, only
//!   at sending time (`crate::onboarding::mails`), so the token is never written here.
//! - A message with `not_after` in the past is never sent (a token is not sent after it
//!   expired); it is dropped with a `mail.failed` record.
//! - `supersedes`: queuing a message with the same key drops the unsent older one (a "send
//!   again" replaces the earlier, now invalid, link).

use super::txn::{decode, encode, get_decoded, open_existing};
use super::{StateStore, StoreResult};
use redb::{ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("mail_outbox");
/// What a record is called in an error.
const RECORD: &str = "queued mail";

/// What to send. Rendered notices carry their text; confirmations are rendered when sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailKind {
    /// A message rendered at queuing time (no secret in it).
    Rendered {
        to: String,
        subject: String,
        text: String,
        html: Option<String>,
    },
    /// The confirmation link of the pending confirmation stored under `confirmation`.
    EmailConfirmation { confirmation: String },
}

/// A queued message and its delivery bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMail {
    pub kind: MailKind,
    /// What the message is for (`email_confirmation`, `account_activated_notice`, …): the
    /// audit records of sending name it.
    pub purpose: String,
    /// The person the message is about (entryUUID, DN) and their school, for the audit.
    pub person_id: Option<String>,
    pub person_dn: Option<String>,
    pub school: Option<String>,
    /// Unix seconds: queued; next attempt no earlier than; never send after.
    pub created: i64,
    pub next_attempt: i64,
    pub not_after: Option<i64>,
    pub attempts: u32,
    pub supersedes: Option<String>,
}

impl QueuedMail {
    pub fn new(kind: MailKind, purpose: &str, now: OffsetDateTime) -> Self {
        Self {
            kind,
            purpose: purpose.to_owned(),
            person_id: None,
            person_dn: None,
            school: None,
            created: now.unix_timestamp(),
            next_attempt: now.unix_timestamp(),
            not_after: None,
            attempts: 0,
            supersedes: None,
        }
    }
}

/// Queues `mail` inside the caller's transaction; returns its id.
pub(crate) fn enqueue_in(txn: &WriteTransaction, mail: &QueuedMail) -> StoreResult<u64> {
    let mut table = txn.open_table(OUTBOX)?;
    if let Some(key) = &mail.supersedes {
        let mut older = Vec::new();
        for row in table.iter()? {
            let (id, v) = row?;
            if decode::<QueuedMail>(v.value(), RECORD)?.supersedes.as_ref() == Some(key) {
                older.push(id.value());
            }
        }
        for id in older {
            table.remove(id)?;
        }
    }
    let id = table.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
    table.insert(id, encode(mail)?.as_slice())?;
    Ok(id)
}

impl StateStore {
    /// The messages due at `now`, oldest first, at most `limit`.
    pub async fn due_mail(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<(u64, QueuedMail)>> {
        self.read(move |txn| {
            let Some(table) = open_existing(txn, OUTBOX)? else {
                return Ok(Vec::new());
            };
            let mut due = Vec::new();
            for row in table.iter()? {
                let (id, v) = row?;
                let mail: QueuedMail = decode(v.value(), RECORD)?;
                if mail.next_attempt <= now.unix_timestamp() {
                    due.push((id.value(), mail));
                    if due.len() >= limit {
                        break;
                    }
                }
            }
            Ok(due)
        })
        .await
    }

    /// How many messages wait (the queue depth, for metrics and health).
    pub async fn outbox_depth(&self) -> StoreResult<usize> {
        self.read(|txn| match open_existing(txn, OUTBOX)? {
            Some(table) => Ok(table.len()? as usize),
            None => Ok(0),
        })
        .await
    }

    /// Removes a message that was sent or given up; `false` when it was gone already (e.g.
    /// superseded while being sent).
    pub async fn finish_mail(&self, id: u64) -> StoreResult<bool> {
        self.write(move |txn| Ok(txn.open_table(OUTBOX)?.remove(id)?.is_some()))
            .await
    }

    /// Records a failed attempt: the next one no earlier than `next_attempt`.
    pub async fn retry_mail_at(&self, id: u64, next_attempt: OffsetDateTime) -> StoreResult<()> {
        self.write(move |txn| {
            let mut table = txn.open_table(OUTBOX)?;
            let current: Option<QueuedMail> = get_decoded(&table, id, RECORD)?;
            if let Some(mut mail) = current {
                mail.attempts += 1;
                mail.next_attempt = next_attempt.unix_timestamp();
                table.insert(id, encode(&mail)?.as_slice())?;
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::state::Confirmations;
    use time::Duration;

    fn notice(to: &str, now: OffsetDateTime) -> QueuedMail {
        QueuedMail::new(
            MailKind::Rendered {
                to: to.into(),
                subject: "s".into(),
                text: "t".into(),
                html: None,
            },
            "notice",
            now,
        )
    }

    #[tokio::test]
    async fn queued_mail_is_due_until_finished_and_retries_wait() {
        let (_dir, store) = crate::store::temp_store();
        let now = OffsetDateTime::now_utc();
        let a = store.enqueue_mail(notice("a@b.pl", now)).await.unwrap();
        let b = store.enqueue_mail(notice("c@d.pl", now)).await.unwrap();
        assert!(b > a);
        assert_eq!(store.outbox_depth().await.unwrap(), 2);
        store
            .retry_mail_at(a, now + Duration::minutes(1))
            .await
            .unwrap();
        let due = store.due_mail(now, 10).await.unwrap();
        assert_eq!(due.iter().map(|d| d.0).collect::<Vec<_>>(), vec![b]);
        let later = store
            .due_mail(now + Duration::minutes(2), 10)
            .await
            .unwrap();
        assert_eq!(later.len(), 2);
        assert_eq!(later[0].1.attempts, 1);
        assert!(store.finish_mail(a).await.unwrap());
        assert!(!store.finish_mail(a).await.unwrap());
        assert_eq!(store.outbox_depth().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_superseding_message_drops_the_unsent_older_one() {
        let (_dir, store) = crate::store::temp_store();
        let now = OffsetDateTime::now_utc();
        let mut first = notice("a@b.pl", now);
        first.supersedes = Some("confirm:p1".into());
        store.enqueue_mail(first.clone()).await.unwrap();
        store.enqueue_mail(notice("x@y.pl", now)).await.unwrap();
        let mut second = first.clone();
        second.purpose = "second".into();
        store.enqueue_mail(second).await.unwrap();
        let due = store.due_mail(now, 10).await.unwrap();
        let purposes: Vec<&str> = due.iter().map(|d| d.1.purpose.as_str()).collect();
        assert_eq!(purposes, vec!["notice", "second"]);
    }
}
