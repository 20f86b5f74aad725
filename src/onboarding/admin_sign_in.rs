//! Signing in to the panel (security.md AUTH-*, INIT-04; issue 12 item 1): the use case next to
//! the portal's [`Onboarding::sign_in`], with the same timing for an unknown login.
//!
//! Only the person's own password opens the panel. The directory is asked with the
//! password-policy request control ([`Directory::verify_password`]): a one-time password binds
//! with result 0 and `changeAfterReset`, and the account state is read as well, so an account
//! that awaits its first login or email confirmation, a locked one or ended employment never
//! gets a panel session. Such an administrator is sent to the Access Portal to finish the
//! first sign-in (the page says so; the audit reason is `first_sign_in_pending`).
//!
//! One `panel.sign_in` record per attempt; its actor is the login only when that account
//! exists (else `system:unknown`), so a password typed into the login field never becomes
//! the actor of an append-only record.

use super::Onboarding;
use crate::domain::audit::{Actor, NewAuditRecord, Outcome};
use crate::domain::password::normalize;
use crate::domain::{AccountState, LoginName};
use crate::ports::{AdminRole, PasswordCheck, PersonEntry};
use secrecy::SecretString;

pub const AUDIT_ACTION: &str = "panel.sign_in";

/// A panel sign-in that got through the password.
#[derive(Debug)]
pub struct AdministratorSignedIn {
    pub person: Box<PersonEntry>,
    pub roles: Vec<AdminRole>,
}

/// Why a panel sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminSignInRefusal {
    /// Unknown login, wrong password, locked account, ended employment, or throttled: one
    /// answer for all (the audit record tells them apart).
    InvalidCredentials,
    /// The right password, but it is a one-time one or the account has not finished its
    /// first sign-in (password of one's own, confirmed address): go to the portal first.
    FirstSignInPending,
    /// The right password of a person without an administrator role.
    NotAnAdministrator,
    /// The directory or the audit store cannot answer now.
    Unavailable,
    /// Too many sign-ins at once: try again in a few seconds (503 + `Retry-After`).
    Busy,
}

impl Onboarding {
    /// Checks an administrator's login and password (see the module docs). `address` is
    /// the client's address for the record.
    pub async fn sign_in_administrator(
        &self,
        login: Option<&LoginName>,
        password: &SecretString,
        address: Option<String>,
        request_id: Option<String>,
    ) -> Result<AdministratorSignedIn, AdminSignInRefusal> {
        // Bounded: a full gate answers "try again shortly" instead of queueing (item 6).
        let Some(_permit) = self.hashing.try_admit() else {
            self.append_failure(refused_unchecked("busy", address, request_id))
                .await;
            return Err(AdminSignInRefusal::Busy);
        };
        let password = normalize(password);
        let person = match login {
            Some(l) => match self.directory.find_person_by_login(l).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "panel sign-in: directory unavailable");
                    return Err(AdminSignInRefusal::Unavailable);
                }
            },
            None => None,
        };
        let record = |outcome: Outcome, person: Option<&PersonEntry>| {
            // The typed text is kept only when it names an existing account.
            let actor = match person {
                Some(p) => Actor::Person(p.login.as_str().to_owned()),
                None => Actor::System("unknown".to_owned()),
            };
            let r = NewAuditRecord::new(actor, AUDIT_ACTION, outcome)
                .request_id(request_id.clone())
                .detail("address", address.clone().unwrap_or_else(|| "-".into()));
            match person {
                Some(p) => r
                    .target(&p.entry.dn, Some(p.entry.id.clone()))
                    .school(&p.profile.employment.primary),
                None => r,
            }
        };
        let Some(person) = person else {
            self.equalise_time().await;
            self.append_failure(record(fail("invalid_credentials"), None))
                .await;
            return Err(AdminSignInRefusal::InvalidCredentials);
        };
        let check = match self
            .directory
            .verify_password(&person.login, &password)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "panel sign-in: directory unavailable");
                return Err(AdminSignInRefusal::Unavailable);
            }
        };
        let must_change = match check {
            PasswordCheck::Wrong => {
                self.append_failure(record(fail("invalid_credentials"), Some(&person)))
                    .await;
                return Err(AdminSignInRefusal::InvalidCredentials);
            }
            PasswordCheck::Right { must_change } => must_change,
        };
        if !person.profile.employment_active
            || matches!(
                person.account_state,
                AccountState::Locked | AccountState::None
            )
        {
            let r = record(fail("account_not_usable"), Some(&person))
                .detail("state", person.account_state.as_str());
            self.append_failure(r).await;
            return Err(AdminSignInRefusal::InvalidCredentials);
        }
        if must_change || person.account_state != AccountState::Active {
            let r = record(fail("first_sign_in_pending"), Some(&person))
                .detail("state", person.account_state.as_str())
                .detail("forced_change", must_change.to_string());
            self.append_failure(r).await;
            return Err(AdminSignInRefusal::FirstSignInPending);
        }
        let roles = match self.directory.roles_of(&person.entry).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "panel sign-in: roles not read");
                return Err(AdminSignInRefusal::Unavailable);
            }
        };
        if roles.is_empty() {
            self.append_failure(record(fail("not_an_administrator"), Some(&person)))
                .await;
            return Err(AdminSignInRefusal::NotAnAdministrator);
        }
        let roles_text: Vec<String> = roles.iter().map(encode_role).collect();
        // Recorded before the session exists: no sign-in without its audit record.
        self.record(record(Outcome::Success, Some(&person)).detail("roles", roles_text.join(" ")))
            .await
            .map_err(|_| AdminSignInRefusal::Unavailable)?;
        Ok(AdministratorSignedIn {
            person: Box::new(person),
            roles,
        })
    }

    /// A panel sign-in refused by the throttle before any check: as long as a real attempt,
    /// the same answer, recorded as `throttled` (actor `system:unknown`: nothing was looked up).
    pub async fn refuse_administrator_throttled(
        &self,
        address: Option<String>,
        request_id: Option<String>,
    ) -> AdminSignInRefusal {
        self.equalise_time().await;
        self.append_failure(refused_unchecked("throttled", address, request_id))
            .await;
        AdminSignInRefusal::InvalidCredentials
    }

    /// An administrator signed out (the edge has ended the session): one `panel.sign_out`
    /// record. A failing audit store is logged; the sign-out stands (the session is gone).
    pub async fn record_administrator_sign_out(&self, login: &str, request_id: Option<String>) {
        let r = NewAuditRecord::new(
            Actor::Person(login.to_owned()),
            "panel.sign_out",
            Outcome::Success,
        )
        .request_id(request_id);
        if let Err(e) = self.audit.append(r).await {
            tracing::error!(error = %e, "panel: cannot record a sign-out");
        }
    }

    /// Appends a failure record; a failing audit store is logged, the answer stays the same.
    async fn append_failure(&self, record: NewAuditRecord) {
        if let Err(e) = self.audit.append(record).await {
            tracing::error!(error = %e, "panel: cannot record a sign-in attempt");
        }
    }

    /// About as long as a real password check (the gate's moving average of them), so an
    /// unknown login is not told apart by time; a sleep, not a hash of its own (item 6).
    pub(super) async fn equalise_time(&self) {
        tokio::time::sleep(self.hashing.typical_check()).await;
    }

    /// The directory's check of a password, timed for [`Self::equalise_time`].
    pub(super) async fn timed_check(
        &self,
        login: &LoginName,
        password: &SecretString,
    ) -> Result<PasswordCheck, crate::ports::DirectoryError> {
        let started = std::time::Instant::now();
        let check = self.directory.verify_password(login, password).await;
        if check.is_ok() {
            self.hashing.record_check(started.elapsed());
        }
        check
    }
}

fn fail(why: &str) -> Outcome {
    Outcome::Failure(why.to_owned())
}

/// The record of a sign-in refused before any check (`busy`, `throttled`): actor
/// `system:unknown`, nothing was looked up.
fn refused_unchecked(
    why: &str,
    address: Option<String>,
    request_id: Option<String>,
) -> NewAuditRecord {
    NewAuditRecord::new(Actor::System("unknown".to_owned()), AUDIT_ACTION, fail(why))
        .request_id(request_id)
        .detail("address", address.unwrap_or_else(|| "-".into()))
}

/// A role as kept in the session record: `system` or `local:<code>`.
pub fn encode_role(role: &AdminRole) -> String {
    match role {
        AdminRole::SystemAdministrator => "system".to_owned(),
        AdminRole::LocalAdministrator(code) => format!("local:{}", code.as_str()),
    }
}
