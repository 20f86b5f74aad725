//! Pending email confirmations (security.md MAIL-01..04, RATE-04): what a link in a
//! confirmation mail stands for, stored under the SHA-256 of its token, never the token.
//!
//! - The token is not stored at all: it is re-derived when the mail is sent from `nonce` and a
//!   key kept outside this file (`crate::onboarding::links`), so neither the record nor the
//!   queued mail can be turned into a working link by someone who reads the state file.
//! - One live confirmation per person: issuing a new one marks the previous one superseded
//!   (its link stops working) and queues its mail in the same transaction (`outbox`).
//! - Issuing is throttled per person, durably: at least `min_interval` between two, at most
//!   `max_per_day` in 24 hours.
//! - Consuming is single use: the record is marked used (kept until it would have expired,
//!   so a second click is told "used", then purged).

use super::outbox::{enqueue_in, MailKind, QueuedMail};
use super::txn::{decode, encode, get_decoded, read_decoded};
use super::{StateStore, StoreResult};
use crate::ports::state::Confirmations;
use async_trait::async_trait;
use redb::{TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

const CONFIRMATIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("email_confirmations");
const BY_PERSON: TableDefinition<&str, &[u8]> =
    TableDefinition::new("email_confirmations_by_person");
/// What the records of the two tables are called in an error.
const RECORD: &str = "email confirmation";
const INDEX: &str = "email confirmation index";

/// Records are kept this long past their expiry (to answer "used"/"expired" precisely).
const KEEP_AFTER_EXPIRY: Duration = Duration::days(7);

/// Why the address is being confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmationPurpose {
    /// The address set at first login: confirming it activates the account.
    FirstAddress,
    /// A later change of an active account's address.
    NewAddress,
    /// "I forgot my password": a short-lived link to the confirmed address that lets the
    /// person set a new password (never usable at the confirmation URL).
    PasswordReset,
}

/// A confirmation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingConfirmation {
    pub person_id: String,
    pub person_dn: String,
    pub login: String,
    /// The person's name, for the mail's greeting (older records have none: then no name).
    #[serde(default)]
    pub display_name: Option<String>,
    pub school: Option<String>,
    pub address: String,
    pub purpose: ConfirmationPurpose,
    /// base64url random bytes the token is derived from (with the key outside this file).
    pub nonce: String,
    /// `pl` or `en`: the language of the mail.
    pub lang: String,
    /// Unix seconds.
    pub created: i64,
    pub expires: i64,
    pub used: Option<i64>,
    pub superseded: bool,
}

/// The per-person index: the live confirmation and when confirmations were issued.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PersonIndex {
    live: Option<String>,
    issued: Vec<i64>,
}

/// How often a person may have a confirmation mail sent.
#[derive(Debug, Clone, Copy)]
pub struct IssueLimits {
    pub min_interval: Duration,
    pub max_per_day: usize,
}

/// One confirmation to issue (`Confirmations::issue_confirmation`): stored under `key` as
/// its person's live one, its mail and `with` queued, all in one commit — unless `limits`
/// throttle it at `now`.
#[derive(Debug, Clone)]
pub struct ConfirmationIssue {
    /// The SHA-256 of the link's token (never the token).
    pub key: String,
    pub confirmation: PendingConfirmation,
    pub limits: IssueLimits,
    pub now: OffsetDateTime,
    /// Other mail that goes with the change (the old address told of a new one).
    pub with: Vec<QueuedMail>,
}

/// One use of a confirmation (`Confirmations::consume_confirmation`): the one under `key` is
/// marked used if it can still be used at `now`, and `with` is queued in the same commit.
#[derive(Debug, Clone)]
pub struct ConfirmationUse {
    pub key: String,
    pub now: OffsetDateTime,
    /// The notices the use causes (the school's administrators told of an activation).
    pub with: Vec<QueuedMail>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    Issued,
    /// Too soon or too many: try again after this many seconds.
    Throttled {
        retry_after_secs: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsumeOutcome {
    Consumed(Box<PendingConfirmation>),
    Unknown,
    Used,
    Superseded,
    Expired,
}

impl PendingConfirmation {
    /// Why the confirmation can no longer be used at `now` (unix seconds): `Used`,
    /// `Superseded` or `Expired`; `None` while it can. The one rule for the store, its
    /// in-memory double and the portal's check of a link.
    pub fn refusal(&self, now: i64) -> Option<ConsumeOutcome> {
        if self.used.is_some() {
            Some(ConsumeOutcome::Used)
        } else if self.superseded {
            Some(ConsumeOutcome::Superseded)
        } else if now >= self.expires {
            Some(ConsumeOutcome::Expired)
        } else {
            None
        }
    }
}

/// The per-person throttle (RATE-04): forgets issue times older than a day (or in the
/// future) in `issued`, then says whether one more may be issued at `now` (unix seconds).
pub(crate) fn throttle(
    issued: &mut Vec<i64>,
    limits: IssueLimits,
    now: i64,
) -> Option<IssueOutcome> {
    let day = Duration::days(1).whole_seconds();
    issued.retain(|t| now - t < day && *t <= now);
    if let Some(last) = issued.iter().max() {
        let wait = limits.min_interval.whole_seconds() - (now - last);
        if wait > 0 {
            return Some(IssueOutcome::Throttled {
                retry_after_secs: wait,
            });
        }
    }
    if issued.len() >= limits.max_per_day {
        let oldest = issued.iter().min().copied().unwrap_or(now);
        return Some(IssueOutcome::Throttled {
            retry_after_secs: (oldest + day - now).max(1),
        });
    }
    None
}

/// The mail that carries the link of the confirmation stored under `key` (rendered only when
/// sent; it supersedes the person's unsent earlier one).
pub(crate) fn confirmation_mail(
    key: &str,
    confirmation: &PendingConfirmation,
    now: OffsetDateTime,
) -> QueuedMail {
    let mut mail = QueuedMail::new(
        MailKind::EmailConfirmation {
            confirmation: key.to_owned(),
        },
        "email_confirmation",
        now,
    );
    mail.person_id = Some(confirmation.person_id.clone());
    mail.person_dn = Some(confirmation.person_dn.clone());
    mail.school = confirmation.school.clone();
    mail.not_after = Some(confirmation.expires);
    mail.supersedes = Some(format!("confirmation:{}", confirmation.person_id));
    mail
}

fn issue_in(txn: &WriteTransaction, issue: &ConfirmationIssue) -> StoreResult<IssueOutcome> {
    let ConfirmationIssue {
        key,
        confirmation,
        limits,
        now,
        with,
    } = issue;
    let (key, now) = (key.as_str(), *now);
    let now_s = now.unix_timestamp();
    let mut index_table = txn.open_table(BY_PERSON)?;
    let mut index: PersonIndex =
        get_decoded(&index_table, confirmation.person_id.as_str(), INDEX)?.unwrap_or_default();
    if let Some(throttled) = throttle(&mut index.issued, *limits, now_s) {
        return Ok(throttled);
    }
    let mut table = txn.open_table(CONFIRMATIONS)?;
    if let Some(previous) = index.live.take() {
        let old: Option<PendingConfirmation> = get_decoded(&table, previous.as_str(), RECORD)?;
        if let Some(mut old) = old {
            old.superseded = true;
            table.insert(previous.as_str(), encode(&old)?.as_slice())?;
        }
    }
    // Purge records long past their expiry (the table holds only recent confirmations).
    table.retain(|_, v| {
        decode::<PendingConfirmation>(v, RECORD)
            .is_ok_and(|c| c.expires + KEEP_AFTER_EXPIRY.whole_seconds() >= now_s)
    })?;
    table.insert(key, encode(confirmation)?.as_slice())?;
    drop(table);
    index.live = Some(key.to_owned());
    index.issued.push(now_s);
    index_table.insert(confirmation.person_id.as_str(), encode(&index)?.as_slice())?;
    drop(index_table);
    enqueue_in(txn, &confirmation_mail(key, confirmation, now))?;
    for m in with {
        enqueue_in(txn, m)?;
    }
    Ok(IssueOutcome::Issued)
}

/// Marks the confirmation under `key` used when it can still be used at `now`: it stops
/// being its person's live one, and `with` is queued.
fn consume_in(
    txn: &WriteTransaction,
    key: &str,
    now: OffsetDateTime,
    with: &[QueuedMail],
) -> StoreResult<ConsumeOutcome> {
    let mut table = txn.open_table(CONFIRMATIONS)?;
    let Some(mut c) = get_decoded::<_, PendingConfirmation>(&table, key, RECORD)? else {
        return Ok(ConsumeOutcome::Unknown);
    };
    if let Some(refused) = c.refusal(now.unix_timestamp()) {
        return Ok(refused);
    }
    c.used = Some(now.unix_timestamp());
    table.insert(key, encode(&c)?.as_slice())?;
    let mut index_table = txn.open_table(BY_PERSON)?;
    let index: Option<PersonIndex> = get_decoded(&index_table, c.person_id.as_str(), INDEX)?;
    if let Some(mut index) = index.filter(|i| i.live.as_deref() == Some(key)) {
        index.live = None;
        index_table.insert(c.person_id.as_str(), encode(&index)?.as_slice())?;
    }
    for mail in with {
        enqueue_in(txn, mail)?;
    }
    Ok(ConsumeOutcome::Consumed(Box::new(c)))
}

#[async_trait]
impl Confirmations for StateStore {
    async fn live_confirmation_of(
        &self,
        person_id: String,
    ) -> StoreResult<Option<PendingConfirmation>> {
        let index: Option<PersonIndex> = self
            .read(move |txn| read_decoded(txn, BY_PERSON, person_id.as_str(), INDEX))
            .await?;
        match index.and_then(|i| i.live) {
            Some(key) => self.confirmation(key).await,
            None => Ok(None),
        }
    }

    /// Queues one message on its own (a notice that goes with no other state).
    async fn enqueue_mail(&self, mail: QueuedMail) -> StoreResult<u64> {
        self.write(move |txn| enqueue_in(txn, &mail)).await
    }

    /// Stores `confirmation` under `key` as the person's live one, supersedes the previous
    /// one, and queues its mail plus `with` — all in one transaction — unless throttled.
    async fn issue_confirmation(&self, issue: ConfirmationIssue) -> StoreResult<IssueOutcome> {
        self.write_if(
            |outcome| *outcome == IssueOutcome::Issued,
            move |txn| issue_in(txn, &issue),
        )
        .await
    }

    /// The confirmation under `key`, whatever its state.
    async fn confirmation(&self, key: String) -> StoreResult<Option<PendingConfirmation>> {
        self.read(move |txn| read_decoded(txn, CONFIRMATIONS, key.as_str(), RECORD))
            .await
    }

    /// Marks the confirmation under `key` used, if it can still be used at `now`, and queues
    /// `with` in the same transaction.
    async fn consume_confirmation(&self, using: ConfirmationUse) -> StoreResult<ConsumeOutcome> {
        self.write_if(
            |outcome| matches!(outcome, ConsumeOutcome::Consumed(_)),
            move |txn| consume_in(txn, &using.key, using.now, &using.with),
        )
        .await
    }
}

#[cfg(test)]
#[path = "confirmations_tests.rs"]
mod tests;
