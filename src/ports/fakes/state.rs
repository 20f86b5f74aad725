//! An in-memory state store: the `ports::state` ports over maps behind one mutex, so each
//! call is one "transaction" as in redb — a confirmation and its mail, a consumption and its
//! notices, a guard decision and its record are written together or not at all.
//!
//! The rules are the store's own where they are rules (`PendingConfirmation::refusal`, the
//! per-person throttle, the confirmation's mail); [`FakeState::fail`] makes every call fail
//! with `Unavailable`, as a full disk would.

use crate::domain::LoginName;
use crate::ports::state::{
    AdmissionWindow, Confirmations, HeldOperations, RetiredLogins, Sessions, WriteIntents,
};
use crate::ports::{StoreError, StoreResult};
use crate::store::confirmations::{
    confirmation_mail, throttle, ConfirmationIssue, ConfirmationUse, ConsumeOutcome, IssueOutcome,
    PendingConfirmation,
};
use crate::store::held::{Admission, HeldOperation, Recent, Ticket, Trip};
use crate::store::intents::{CreationIntent, IntentState, KEEP_RESOLVED};
use crate::store::outbox::QueuedMail;
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use time::OffsetDateTime;

#[derive(Default)]
struct Tables {
    confirmations: BTreeMap<String, PendingConfirmation>,
    /// person id → (live key, issue times).
    by_person: HashMap<String, (Option<String>, Vec<i64>)>,
    outbox: Vec<QueuedMail>,
    /// session key → person id.
    sessions: BTreeMap<String, String>,
    held: BTreeMap<u64, HeldOperation>,
    next_held: u64,
    /// (client, time in ns, target id, school): applied operations in the window.
    recent: Vec<(String, i128, String, String)>,
    retired: BTreeMap<String, String>,
    intents: BTreeMap<String, CreationIntent>,
    next_intent: u64,
}

#[derive(Default)]
pub struct FakeState {
    tables: Mutex<Tables>,
    failing: AtomicBool,
}

impl FakeState {
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on (`true`) every call fails with `Unavailable` and writes nothing.
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    fn open(&self) -> StoreResult<std::sync::MutexGuard<'_, Tables>> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("the fake state store fails".into()));
        }
        Ok(self.tables.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn read(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every mail queued so far, oldest first.
    pub fn outbox(&self) -> Vec<QueuedMail> {
        self.read().outbox.clone()
    }

    /// Every confirmation stored so far with its key.
    pub fn confirmations(&self) -> Vec<(String, PendingConfirmation)> {
        let t = self.read();
        t.confirmations
            .iter()
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect()
    }

    /// Opens a session of `person_id` under `key`.
    pub fn add_session(&self, key: &str, person_id: &str) {
        self.read()
            .sessions
            .insert(key.to_owned(), person_id.to_owned());
    }

    pub fn session_count(&self) -> usize {
        self.read().sessions.len()
    }
}

#[async_trait]
impl Confirmations for FakeState {
    async fn issue_confirmation(&self, issue: ConfirmationIssue) -> StoreResult<IssueOutcome> {
        let mut t = self.open()?;
        let (key, now) = (issue.key, issue.now);
        let person = issue.confirmation.person_id.clone();
        let (live, mut issued) = t.by_person.get(&person).cloned().unwrap_or_default();
        if let Some(throttled) = throttle(&mut issued, issue.limits, now.unix_timestamp()) {
            return Ok(throttled);
        }
        if let Some(old) = live.and_then(|k| t.confirmations.get_mut(&k)) {
            old.superseded = true;
        }
        let mail = confirmation_mail(&key, &issue.confirmation, now);
        // An unsent mail of the same kind is dropped, as the outbox does.
        t.outbox
            .retain(|m| m.supersedes.is_none() || m.supersedes != mail.supersedes);
        t.outbox.push(mail);
        t.outbox.extend(issue.with);
        t.confirmations.insert(key.clone(), issue.confirmation);
        issued.push(now.unix_timestamp());
        t.by_person.insert(person, (Some(key), issued));
        Ok(IssueOutcome::Issued)
    }

    async fn confirmation(&self, key: String) -> StoreResult<Option<PendingConfirmation>> {
        Ok(self.open()?.confirmations.get(&key).cloned())
    }

    async fn live_confirmation_of(
        &self,
        person_id: String,
    ) -> StoreResult<Option<PendingConfirmation>> {
        let t = self.open()?;
        let live = t
            .by_person
            .get(&person_id)
            .and_then(|(live, _)| live.clone());
        Ok(live.and_then(|k| t.confirmations.get(&k).cloned()))
    }

    async fn consume_confirmation(&self, using: ConfirmationUse) -> StoreResult<ConsumeOutcome> {
        let ConfirmationUse { key, now, with } = using;
        let mut t = self.open()?;
        let Some(c) = t.confirmations.get_mut(&key) else {
            return Ok(ConsumeOutcome::Unknown);
        };
        if let Some(refused) = c.refusal(now.unix_timestamp()) {
            return Ok(refused);
        }
        c.used = Some(now.unix_timestamp());
        let consumed = c.clone();
        if let Some((live, _)) = t.by_person.get_mut(&consumed.person_id) {
            if live.as_deref() == Some(key.as_str()) {
                *live = None;
            }
        }
        t.outbox.extend(with);
        Ok(ConsumeOutcome::Consumed(Box::new(consumed)))
    }

    async fn enqueue_mail(&self, mail: QueuedMail) -> StoreResult<u64> {
        let mut t = self.open()?;
        t.outbox.push(mail);
        Ok(t.outbox.len() as u64)
    }
}

#[async_trait]
impl Sessions for FakeState {
    async fn delete_sessions_of(
        &self,
        person_id: String,
        keep: Option<String>,
    ) -> StoreResult<usize> {
        let mut t = self.open()?;
        let before = t.sessions.len();
        t.sessions
            .retain(|k, p| *p != person_id || keep.as_deref() == Some(k.as_str()));
        Ok(before - t.sessions.len())
    }
}

#[async_trait]
impl HeldOperations for FakeState {
    async fn admit(
        &self,
        candidate: HeldOperation,
        window: AdmissionWindow,
    ) -> StoreResult<Admission> {
        let mut t = self.open()?;
        let client = candidate.client.clone();
        let same = |op: &HeldOperation| op.client == client && op.target_id == candidate.target_id;
        if let Some(op) = t.held.values().find(|op| same(op)) {
            return Ok(Admission::Held(Box::new(op.clone()), false));
        }
        let start = window.since.unix_timestamp_nanos().max(0);
        t.recent
            .retain(|(c, at, _, _)| *c != client || *at >= start);
        let mine = || t.held.values().filter(|op| op.client == client);
        let mut recent = Recent {
            school_held: mine().any(|op| op.trip == Trip::School && op.school == candidate.school),
            city_held: mine().any(|op| op.trip == Trip::City),
            ..Recent::default()
        };
        for (_, _, _, school) in t.recent.iter().filter(|(c, ..)| *c == client) {
            recent.in_city += 1;
            if *school == candidate.school {
                recent.in_school += 1;
            }
        }
        match (window.rule)(&recent) {
            None => {
                let at = candidate.held_at.unix_timestamp_nanos().max(0);
                let ticket = format!("{client}/{at}/{}", candidate.target_id);
                t.recent
                    .push((client, at, candidate.target_id, candidate.school));
                Ok(Admission::Admitted(Ticket(ticket)))
            }
            Some((trip, reason)) => {
                t.next_held += 1;
                let op = HeldOperation {
                    id: t.next_held,
                    trip,
                    reason,
                    ..candidate
                };
                t.held.insert(op.id, op.clone());
                Ok(Admission::Held(Box::new(op), true))
            }
        }
    }

    async fn cancel(&self, ticket: Ticket) -> StoreResult<()> {
        let mut t = self.open()?;
        t.recent
            .retain(|(c, at, target, _)| format!("{c}/{at}/{target}") != ticket.0);
        Ok(())
    }

    async fn list(&self) -> StoreResult<Vec<HeldOperation>> {
        Ok(self.open()?.held.values().cloned().collect())
    }

    async fn remove(&self, id: u64) -> StoreResult<Option<HeldOperation>> {
        Ok(self.open()?.held.remove(&id))
    }
}

#[async_trait]
impl RetiredLogins for FakeState {
    async fn retire(
        &self,
        login: &LoginName,
        entry_id: &str,
        _at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut t = self.open()?;
        if t.retired.contains_key(login.as_str()) {
            return Ok(false);
        }
        t.retired
            .insert(login.as_str().to_owned(), entry_id.to_owned());
        Ok(true)
    }

    async fn is_retired(&self, login: &LoginName) -> StoreResult<bool> {
        Ok(self.open()?.retired.contains_key(login.as_str()))
    }
}

#[async_trait]
impl WriteIntents for FakeState {
    async fn record_intent(&self, intent: CreationIntent) -> StoreResult<String> {
        let mut t = self.open()?;
        t.next_intent += 1;
        let id = format!("intent-{}", t.next_intent);
        t.intents.insert(id.clone(), intent);
        Ok(id)
    }

    async fn set_intent_state(&self, id: &str, state: IntentState) -> StoreResult<()> {
        if let Some(i) = self.open()?.intents.get_mut(id) {
            i.state = state;
        }
        Ok(())
    }

    async fn finish_intent(&self, id: &str) -> StoreResult<()> {
        self.open()?.intents.remove(id);
        Ok(())
    }

    async fn intents(&self, now: OffsetDateTime) -> StoreResult<Vec<(String, CreationIntent)>> {
        let mut t = self.open()?;
        t.intents.retain(|_, i| {
            !(matches!(i.state, IntentState::Happened { .. }) && i.at + KEEP_RESOLVED < now)
        });
        let mut all: Vec<_> = t
            .intents
            .iter()
            .map(|(k, i)| (k.clone(), i.clone()))
            .collect();
        all.sort_by_key(|(_, i)| i.at);
        Ok(all)
    }
}
