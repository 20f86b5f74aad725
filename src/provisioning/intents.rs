//! Unknown outcomes and write intents for person creations (issue 14, security.md REL-02).
//!
//! Before the directory add, the creation is recorded as an intent in the state store; after
//! the audit record it is finished. When the connection breaks after the add was sent
//! (`DirectoryError::OutcomeUnknown`), the use case reads the entry back by its login before
//! answering: if it is there, the creation succeeded (201 and its success record); if it is
//! not, it failed (503 and a failure record); if the directory cannot be read either, the
//! client gets 503 with no record yet and the intent is marked `Answered`. The reconciler
//! ([`Provisioning::reconcile_intents`], at start and periodically) resolves every intent left
//! open — by a lost connection, a failed audit append or a crash of the daemon — and writes
//! the one record that is owed. The client's retry of a creation that happened gets the
//! existing resource, never a bare 409.

use super::{Caller, Provisioning, ProvisioningError};
use crate::domain::audit::{NewAuditRecord, Outcome};
use crate::ports::{NewPerson, PersonEntry, PersonProfile};
use crate::store::intents::{CreationIntent, IntentState};

/// How old an open intent must be before the periodic reconciler takes it for abandoned
/// (longer than any request may run).
pub const ABANDONED_AFTER: time::Duration = time::Duration::minutes(2);

/// What a retried creation found.
pub(super) enum Retried {
    /// The creation happened and has its record: answer with the entry, record nothing new.
    Recorded(PersonEntry),
    /// The creation happened and its record is still owed (intent id): write it now.
    Owed(PersonEntry, String),
}

/// Whether the entry read back is the person this creation wrote.
fn is_this_creation(entry: &PersonEntry, intent: &CreationIntent) -> bool {
    entry.login.as_str() == intent.login
        && entry.profile.external_id == intent.external_id
        && entry.profile.user_name == intent.user_name
}

impl Provisioning {
    /// Records the intent to add `person`; `None` when no state store is configured (bootstrap,
    /// tests). A failing state store refuses the write (fail closed).
    pub(super) async fn record_creation_intent(
        &self,
        caller: &Caller,
        person: &NewPerson,
        attributes: &str,
    ) -> Result<Option<String>, ProvisioningError> {
        let Some(store) = &self.intents else {
            return Ok(None);
        };
        let profile = &person.profile;
        let intent = CreationIntent {
            actor: caller.actor.clone(),
            request_id: caller.request_id.clone(),
            school: profile.employment.primary.as_str().to_owned(),
            login: person.login.as_str().to_owned(),
            external_id: profile.external_id.clone(),
            user_name: profile.user_name.clone(),
            attributes: attributes.to_owned(),
            at: self.clock.now(),
            state: IntentState::Open,
        };
        store.record_intent(intent).await.map(Some).map_err(|e| {
            tracing::error!(error = %e, "cannot record a write intent; nothing written");
            ProvisioningError::Unavailable
        })
    }

    /// Removes an intent whose write and record are done, or whose write did not happen.
    pub(super) async fn drop_intent(&self, id: Option<String>) {
        if let (Some(store), Some(id)) = (&self.intents, id) {
            if let Err(e) = store.finish_intent(&id).await {
                tracing::warn!(error = %e, "finishing a write intent failed; the reconciler will");
            }
        }
    }

    pub(super) async fn mark_intent(&self, id: &str, state: IntentState) {
        if let Some(store) = &self.intents {
            if let Err(e) = store.set_intent_state(id, state).await {
                tracing::warn!(error = %e, "updating a write intent failed");
            }
        }
    }

    /// After an unknown outcome: the entry this add would have made, read back by login.
    pub(super) async fn read_back_creation(
        &self,
        person: &NewPerson,
    ) -> Result<Option<PersonEntry>, ProvisioningError> {
        let found = self
            .directory
            .find_person_by_login(&person.login)
            .await
            .map_err(|_| ProvisioningError::OutcomeUnknown)?;
        Ok(found.filter(|e| {
            e.profile.external_id == person.profile.external_id
                && e.profile.user_name == person.profile.user_name
        }))
    }

    /// A creation refused as a duplicate: is it the caller's retry of a creation whose outcome
    /// it never learned (an `Answered` or `Happened` intent with its externalId or userName)?
    pub(super) async fn retried_creation(
        &self,
        caller: &Caller,
        profile: &PersonProfile,
    ) -> Option<Retried> {
        let store = self.intents.as_ref()?;
        let intents = store.intents(self.clock.now()).await.ok()?;
        let same = |i: &CreationIntent| {
            i.actor == caller.actor
                && match (&profile.external_id, &profile.user_name) {
                    (Some(x), _) => i.external_id.as_ref() == Some(x),
                    (None, Some(u)) => i.user_name.as_ref() == Some(u),
                    (None, None) => false,
                }
        };
        let (id, intent) = intents
            .into_iter()
            .rev()
            .find(|(_, i)| same(i) && i.state != IntentState::Open)?;
        match &intent.state {
            IntentState::Happened { entry_id } => self
                .directory
                .get_person(entry_id, &caller.scope)
                .await
                .ok()
                .flatten()
                .map(Retried::Recorded),
            _ => {
                let login = crate::domain::LoginName::parse(&intent.login).ok()?;
                let entry = self.directory.find_person_by_login(&login).await.ok()??;
                is_this_creation(&entry, &intent).then_some(Retried::Owed(entry, id))
            }
        }
    }

    /// Resolves the intents recorded before `recorded_before` and left open: at start (the
    /// start time: nothing of this process is in flight) and periodically (now minus
    /// [`ABANDONED_AFTER`]). Writes each owed record exactly once; an intent whose entry
    /// cannot be read now stays for the next pass. Returns how many it resolved.
    pub async fn reconcile_intents(&self, recorded_before: time::OffsetDateTime) -> usize {
        let Some(store) = &self.intents else {
            return 0;
        };
        let now = self.clock.now();
        let Ok(intents) = store.intents(now).await else {
            return 0;
        };
        let mut resolved = 0;
        for (id, intent) in intents {
            if matches!(intent.state, IntentState::Happened { .. }) || intent.at >= recorded_before
            {
                continue;
            }
            match self.resolve_intent(&id, &intent).await {
                Ok(()) => resolved += 1,
                Err(ProvisioningError::Unavailable) => {
                    // The directory or the audit store is down: the rest waits for the next
                    // pass rather than each waiting for its own timeout.
                    tracing::info!("write intents stay open until the directory answers");
                    break;
                }
                Err(e) => {
                    tracing::error!(error = %e, intent = %id, "an unreadable write intent is dropped");
                    self.drop_intent(Some(id)).await;
                }
            }
        }
        if resolved > 0 {
            tracing::warn!(resolved, "write intents reconciled");
        }
        resolved
    }

    async fn resolve_intent(
        &self,
        id: &str,
        intent: &CreationIntent,
    ) -> Result<(), ProvisioningError> {
        let login = crate::domain::LoginName::parse(&intent.login)
            .map_err(|e| ProvisioningError::Invalid(e.to_string()))?;
        let found = self
            .directory
            .find_person_by_login(&login)
            .await?
            .filter(|e| is_this_creation(e, intent));
        let school = crate::domain::SchoolCode::parse(&intent.school)
            .map_err(|e| ProvisioningError::Invalid(e.to_string()))?;
        let record = |outcome| {
            NewAuditRecord::new(intent.actor.clone(), "person.created", outcome)
                .school(&school)
                .detail("attributes", intent.attributes.clone())
                .detail("recovered", "true")
                .request_id(intent.request_id.clone())
        };
        match found {
            Some(entry) => {
                if !self.has_creation_record(&entry.entry.id).await? {
                    let r = record(Outcome::Success)
                        .target(&entry.entry.dn, Some(entry.entry.id.clone()))
                        .detail("login", entry.login.as_str());
                    self.append_recovered(r).await?;
                }
                match intent.state {
                    // The client was told 503: keep the answer for its retry.
                    IntentState::Answered => {
                        let entry_id = entry.entry.id.clone();
                        self.mark_intent(id, IntentState::Happened { entry_id })
                            .await
                    }
                    _ => self.drop_intent(Some(id.to_owned())).await,
                }
            }
            None => {
                // It did not happen. A client that was answered 503 gets its failure record;
                // a request cut off by a crash was never answered and wrote nothing.
                if intent.state == IntentState::Answered {
                    self.append_recovered(record(Outcome::Failure("directory_unavailable".into())))
                        .await?;
                }
                self.drop_intent(Some(id.to_owned())).await;
            }
        }
        Ok(())
    }

    async fn append_recovered(&self, record: NewAuditRecord) -> Result<(), ProvisioningError> {
        self.audit.append(record).await.map(drop).map_err(|e| {
            tracing::error!(error = %e, "a reconciled record could not be written");
            ProvisioningError::Unavailable
        })
    }
}
