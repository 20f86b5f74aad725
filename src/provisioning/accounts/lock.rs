//! An administrator's lock and unlock of an account (state `locked` + ppolicy's permanent
//! lock): the state checks, the directory write read back when its outcome is unknown, the
//! one audit record. Apart from issuing passwords, which is the rest of `accounts.rs`.

use super::{attempt_details, Action};
use crate::domain::AccountState;
use crate::ports::{AccountAt, DirectoryError, PersonEntry};
use crate::provisioning::read_back;
use crate::provisioning::{Caller, Provisioning, ProvisioningError};

impl Provisioning {
    /// An administrator's lock: the person can no longer sign in anywhere (the directory
    /// refuses the bind). `Conflict` when there is no account or it is locked already.
    pub async fn lock_account(
        &self,
        caller: &Caller,
        person_id: &str,
    ) -> Result<PersonEntry, ProvisioningError> {
        self.change_lock(caller, person_id, Action::Lock).await
    }

    /// Lifts an administrator's lock; the state returns to where the account was.
    /// `Conflict` when the account is not locked.
    pub async fn unlock_account(
        &self,
        caller: &Caller,
        person_id: &str,
    ) -> Result<PersonEntry, ProvisioningError> {
        self.change_lock(caller, person_id, Action::Unlock).await
    }

    async fn change_lock(
        &self,
        caller: &Caller,
        person_id: &str,
        action: Action,
    ) -> Result<PersonEntry, ProvisioningError> {
        self.audit_ready().await?;
        let (before, person) = self.authorised_person(caller, person_id, action).await;
        let result = match person {
            Ok(person) => self.try_change_lock(person, action).await,
            Err(e) => Err(e),
        };
        let ended = match &result {
            Ok(p) => Some(self.end_sessions(&p.entry.id, action.audit_name()).await),
            Err(_) => None,
        };
        self.finish(caller, action.audit_name(), result, |r, person| {
            let r = attempt_details(r, before, person_id, ended);
            match person {
                Some(p) => r
                    .target(&p.entry.dn, Some(p.entry.id.clone()))
                    .school(&p.profile.employment.primary)
                    .detail("login", p.login.as_str())
                    .detail("display_name", p.profile.name.full())
                    .detail("state", p.account_state.as_str()),
                None => r,
            }
        })
        .await
    }

    async fn try_change_lock(
        &self,
        person: PersonEntry,
        action: Action,
    ) -> Result<PersonEntry, ProvisioningError> {
        let state = person.account_state;
        let id = &person.entry.id;
        match action {
            Action::Lock => {
                if !state.has_credentials() {
                    return Err(ProvisioningError::Conflict(
                        "the person has no account to lock".into(),
                    ));
                }
                if state == AccountState::Locked {
                    return Err(ProvisioningError::Conflict(
                        "the account is locked already".into(),
                    ));
                }
                match self
                    .directory
                    .lock_account(AccountAt {
                        id,
                        expect: state,
                        read: None,
                    })
                    .await
                {
                    Err(DirectoryError::OutcomeUnknown(m)) => {
                        self.after_unknown(id, &m, |p| read_back::lock_holds(true, p))
                            .await
                    }
                    other => Ok(other?),
                }
            }
            _ => {
                if state != AccountState::Locked {
                    return Err(ProvisioningError::Conflict(format!(
                        "the account is not locked (state {state})"
                    )));
                }
                match self.directory.unlock_account(id).await {
                    Err(DirectoryError::OutcomeUnknown(m)) => {
                        self.after_unknown(id, &m, |p| read_back::lock_holds(false, p))
                            .await
                    }
                    other => Ok(other?),
                }
            }
        }
    }
}
