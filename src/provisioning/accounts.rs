//! Accounts: create one with a one-time password, re-issue that password, lock, unlock
//! (issue 5; procedure step 5.4; security.md INIT-01..06, PPOL-02).
//!
//! - `create_account`: state `none` → `awaiting-first-login`. A fresh one-time password
//!   ([`OneTimePassword::generate_for`], OS CSPRNG, passes the policy) is hashed with Argon2id
//!   at the configured cost (on a blocking thread) and written with `pwdReset` and
//!   `pwdEndTime` = now + `passwords.initial_password_ttl_days` in one Modify that succeeds
//!   only while the state is still `none`: a double submission creates one account and the
//!   second is refused (`Conflict`) without a new password. The plaintext leaves only in the
//!   returned [`IssuedAccount`] (a `SecretString`, which never prints).
//! - `reissue_password`: only while the account awaits its first login (whether or not the
//!   one-time password expired) and the directory still has `pwdReset` (the person has not
//!   changed it by other means); the old one-time password stops working at once.
//! - `lock_account` / `unlock_account`: an administrator's lock (state `locked` + ppolicy's
//!   permanent lock); HR's employment never lifts it, and unlocking keeps HR's lock of an
//!   inactive employee.
//!
//! - Roles are respected: the account of a person with an administrator role is handled by
//!   a system administrator only; nobody creates, re-issues or locks their own (a locked
//!   person cannot be signed in to unlock themselves either). Re-issue, lock and unlock end
//!   every panel and portal session of the person (`crate::session_end`).
//!
//! Each call writes exactly one audit record (`account.created`, `account.password_reissued`,
//! `account.locked`, `account.unlocked`), failures included, never with the password.
//! If the directory write succeeded but the audit record cannot be written, the caller gets
//! an error and the password is dropped unseen: the account then awaits its first login with
//! a password nobody knows, which expires; re-issuing gives a usable one.

mod lock;

use super::{Caller, Provisioning, ProvisioningError};
use crate::credentials::hash_password_async;
use crate::domain::audit::{Actor, NewAuditRecord};
use crate::domain::{AccountState, LoginName, OneTimePassword, PolicyContext};
use crate::ports::{AccountAt, DirectoryError, InitialCredentials, PersonEntry, SchoolScope};
use secrecy::SecretString;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A new one-time password for a person, to be shown once (the hand-over slip).
#[derive(Debug)]
pub struct IssuedAccount {
    pub login: LoginName,
    /// The one-time password, exactly as it is typed (dashes included). Show it once; never
    /// store, log or send it.
    pub password: SecretString,
    /// After this the directory refuses the password (`pwdEndTime`).
    pub expires_at: OffsetDateTime,
    /// The person after the change (`account_state`: `awaiting-first-login`).
    pub person: PersonEntry,
}

impl IssuedAccount {
    /// Whether the directory also locked the account because HR's employment is inactive:
    /// the password then works only after HR reactivates the person.
    pub fn locked_by_employment(&self) -> bool {
        !self.person.profile.employment_active
    }
}

/// Which account action (the audit action names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Reissue,
    Lock,
    Unlock,
}

impl Action {
    fn audit_name(self) -> &'static str {
        match self {
            Action::Create => "account.created",
            Action::Reissue => "account.password_reissued",
            Action::Lock => "account.locked",
            Action::Unlock => "account.unlocked",
        }
    }
}

/// What every account action's record says, whatever its outcome: the state before (when
/// the person was found), the id asked for, the sessions ended (when it got that far).
fn attempt_details(
    r: NewAuditRecord,
    before: Option<AccountState>,
    person_id: &str,
    ended: Option<String>,
) -> NewAuditRecord {
    let r = match before {
        Some(state) => r.detail("previous_state", state.as_str()),
        None => r,
    };
    let r = r.detail("id", person_id);
    match ended {
        Some(n) => r.detail("signed_out", n),
        None => r,
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

impl Provisioning {
    /// Creates the person's account (state `none` → `awaiting-first-login`) and returns the
    /// one-time password to show once. `NotFound` when the person is unknown or outside the
    /// caller's schools; `Conflict` when the account exists already (a second submission).
    pub async fn create_account(
        &self,
        caller: &Caller,
        person_id: &str,
    ) -> Result<IssuedAccount, ProvisioningError> {
        self.issue(caller, person_id, Action::Create).await
    }

    /// A new one-time password for an account that still awaits its first login (also when
    /// the previous one expired); the old one stops working. `Conflict` for any other state.
    pub async fn reissue_password(
        &self,
        caller: &Caller,
        person_id: &str,
    ) -> Result<IssuedAccount, ProvisioningError> {
        self.issue(caller, person_id, Action::Reissue).await
    }

    /// The person if the caller may act on them; a person outside the caller's schools is
    /// `NotFound` (the caller learns nothing about them).
    async fn person_for(
        &self,
        caller: &Caller,
        person_id: &str,
    ) -> Result<PersonEntry, ProvisioningError> {
        self.directory
            .get_person(person_id, &caller.scope)
            .await?
            .ok_or(ProvisioningError::NotFound)
    }

    /// The person once the caller may act on them (scope, then role), and the state their
    /// account was in when they were found (for the record).
    async fn authorised_person(
        &self,
        caller: &Caller,
        person_id: &str,
        action: Action,
    ) -> (Option<AccountState>, Result<PersonEntry, ProvisioningError>) {
        let current = self.person_for(caller, person_id).await;
        let before = current.as_ref().ok().map(|p| p.account_state);
        let person = match current {
            Ok(person) => (self.check_authority(caller, &person, action).await).map(|()| person),
            Err(e) => Err(e),
        };
        (before, person)
    }

    async fn issue(
        &self,
        caller: &Caller,
        person_id: &str,
        action: Action,
    ) -> Result<IssuedAccount, ProvisioningError> {
        // Fail closed: no password is written that could not be audited.
        self.audit_ready().await?;
        let (before, person) = self.authorised_person(caller, person_id, action).await;
        let result = match person {
            Ok(person) => self.try_issue(caller, person, action).await,
            Err(e) => Err(e),
        };
        // The old one-time password's restricted portal session ends with it.
        let ended = match (&result, action) {
            (Ok(i), Action::Reissue) => Some(
                self.end_sessions(&i.person.entry.id, "one-time password re-issued")
                    .await,
            ),
            _ => None,
        };
        self.finish(caller, action.audit_name(), result, |r, issued| {
            let r = attempt_details(r, before, person_id, ended);
            match issued {
                Some(i) => r
                    .target(&i.person.entry.dn, Some(i.person.entry.id.clone()))
                    .school(&i.person.profile.employment.primary)
                    .detail("login", i.login.as_str())
                    .detail("expires_at", rfc3339(i.expires_at))
                    .detail("locked_by_employment", i.locked_by_employment().to_string()),
                None => r,
            }
        })
        .await
    }

    /// Roles are respected (issue 12 item 2): the account of a person who holds an
    /// administrator role is created, re-issued, locked or unlocked by a system
    /// administrator only (a caller whose scope is every school), and nobody locks their own
    /// account. Refusals are `Forbidden` and audited by the caller's one record.
    async fn check_authority(
        &self,
        caller: &Caller,
        person: &PersonEntry,
        action: Action,
    ) -> Result<(), ProvisioningError> {
        let own = caller.actor == Actor::Person(person.login.as_str().to_owned());
        if own && action != Action::Unlock {
            return Err(ProvisioningError::Forbidden(
                "nobody changes their own account here".into(),
            ));
        }
        if caller.scope == SchoolScope::All {
            return Ok(());
        }
        if !self.directory.roles_of(&person.entry).await?.is_empty() {
            return Err(ProvisioningError::Forbidden(
                "the person holds an administrator role: only a system administrator may \
                 change their account"
                    .into(),
            ));
        }
        Ok(())
    }

    async fn try_issue(
        &self,
        caller: &Caller,
        person: PersonEntry,
        action: Action,
    ) -> Result<IssuedAccount, ProvisioningError> {
        let expect = match action {
            Action::Create => AccountState::None,
            _ => AccountState::AwaitingFirstLogin,
        };
        if person.account_state != expect {
            return Err(ProvisioningError::Conflict(match action {
                Action::Create => format!(
                    "the account exists already (state {})",
                    person.account_state
                ),
                _ => format!(
                    "a one-time password is re-issued only before the first sign-in \
                     (state {})",
                    person.account_state
                ),
            }));
        }
        let password = OneTimePassword::generate_for(&PolicyContext {
            login: Some(&person.login),
            name: Some(&person.profile.name),
            ..Default::default()
        });
        let hash = {
            hash_password_async(password.clone(), self.password_cost)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot hash a one-time password");
                    ProvisioningError::Internal
                })?
        };
        let now = self.clock.now();
        let expires_at = now + self.password_cost.initial_password_ttl;
        let credentials = InitialCredentials {
            hash,
            expires_at,
            created_by: caller.actor.to_string(),
            created_at: now,
        };
        let person = match self
            .directory
            .set_initial_credentials(
                AccountAt {
                    id: &person.entry.id,
                    expect,
                    read: Some(&person.snapshot),
                },
                &credentials,
            )
            .await
        {
            Ok(person) => person,
            // The answer was lost (issue 14): the password is ours if it opens the account.
            // Otherwise 503; the administrator's retry then finds the state it left.
            Err(DirectoryError::OutcomeUnknown(m)) => {
                tracing::warn!(error = %m, "the outcome of issuing a password is unknown; checking");
                let opens = self
                    .directory
                    .check_password(&person.login, &password)
                    .await;
                let now = self
                    .directory
                    .get_person(&person.entry.id, &SchoolScope::All)
                    .await;
                match (opens, now) {
                    (Ok(true), Ok(Some(now)))
                        if now.account_state == AccountState::AwaitingFirstLogin =>
                    {
                        now
                    }
                    _ => return Err(ProvisioningError::Unavailable),
                }
            }
            Err(e) => return Err(e.into()),
        };
        Ok(IssuedAccount {
            login: person.login.clone(),
            password,
            expires_at,
            person,
        })
    }
}

/// Retired logins (`crate::store::retired_logins`): used by the people use cases.
impl Provisioning {
    /// Whether `login` belonged to a deleted person (then it is not offered again).
    pub(super) async fn login_retired(&self, login: &LoginName) -> Result<bool, ProvisioningError> {
        let Some(retired) = &self.retired_logins else {
            return Ok(false);
        };
        retired.is_retired(login).await.map_err(|e| {
            tracing::error!(error = %e, "retired logins: state store failed");
            ProvisioningError::Unavailable
        })
    }

    /// Records a deleted person's login. The deletion happened: a failure here is logged for
    /// the operator and does not undo it.
    pub(super) async fn retire_login(&self, person: &PersonEntry) {
        let Some(retired) = &self.retired_logins else {
            return;
        };
        let now = self.clock.now();
        if let Err(e) = retired.retire(&person.login, &person.entry.id, now).await {
            tracing::error!(
                error = %e,
                login = %person.login,
                "cannot record the retired login of a deleted person"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_actions_are_named_as_the_panel_contract_says() {
        assert_eq!(Action::Create.audit_name(), "account.created");
        assert_eq!(Action::Reissue.audit_name(), "account.password_reissued");
        assert_eq!(Action::Lock.audit_name(), "account.locked");
        assert_eq!(Action::Unlock.audit_name(), "account.unlocked");
    }

    #[test]
    fn an_issued_account_never_prints_its_password() {
        let pw = OneTimePassword::generate();
        let shown = format!("{pw:?}");
        use secrecy::ExposeSecret;
        assert!(!shown.contains(pw.expose_secret()), "{shown}");
    }

    #[test]
    fn times_are_kept_in_rfc3339() {
        let t = OffsetDateTime::from_unix_timestamp(0).unwrap();
        assert_eq!(rfc3339(t), "1970-01-01T00:00:00Z");
    }
}
