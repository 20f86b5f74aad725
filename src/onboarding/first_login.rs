//! Signing in to the portal, and the first-login form (procedure step 5; security.md INIT-03,
//! INIT-04, PWD-*, RATE-03).
//!
//! Sign-in binds to the directory as the person, so slapd verifies the Argon2id hash and
//! enforces its own rules (ppolicy lockout, `pwdEndTime`). A person whose account awaits its
//! first login is also checked against `zszoInitialPasswordExpiry` here (the portal's own
//! clock, testable), and gets a *restricted* session: the first-login form only. The new
//! password replaces the one-time one in one directory change (`Directory::set_own_password`)
//! and the email address gets its confirmation mail queued in the same step.

use super::{Onboarding, OnboardingError, PortalCaller};
use crate::domain::audit::Actor;
use crate::domain::password::normalize;
use crate::domain::{AccountState, EmailAddress, LoginName};
use crate::ports::PersonEntry;
use secrecy::SecretString;

/// Who signed in, and how far their account is.
#[derive(Debug)]
pub enum SignedIn {
    /// With the one-time password: only the first-login form is allowed. `otp_digest` lets
    /// the form refuse the same password as the new one without keeping it.
    FirstLogin {
        person: Box<PersonEntry>,
        otp_digest: [u8; 32],
    },
    /// With their own password.
    Full { person: Box<PersonEntry> },
}

impl Onboarding {
    /// Checks the login and password. One error for every refusal (unknown login, wrong
    /// password, expired one-time password, locked account); the audit record tells them apart.
    pub async fn sign_in(
        &self,
        login: Option<&LoginName>,
        password: &SecretString,
        request_id: Option<String>,
    ) -> Result<SignedIn, OnboardingError> {
        let password = normalize(password);
        // Bounded like the panel's: a full gate answers "try again shortly" (item 6).
        let Some(_permit) = self.hashing.try_admit() else {
            let refused: Result<SignedIn, OnboardingError> = Err(OnboardingError::Busy);
            return self
                .finish(
                    unknown_actor(),
                    request_id,
                    "portal.sign_in",
                    refused,
                    |r, _| r,
                )
                .await;
        };
        let attempt = self.try_sign_in(login, &password).await;
        let (result, why) = match attempt {
            Ok(s) => (Ok(s), None),
            Err((e, why)) => (Err(e), why),
        };
        // The typed text is the actor only when it names an existing account (it may be a
        // password typed into the wrong field).
        let actor = match login {
            Some(l) if why != Some("unknown_login") => Actor::Person(l.as_str().to_owned()),
            _ => unknown_actor(),
        };
        let action = match &result {
            Ok(SignedIn::FirstLogin { .. }) => "account.first_login",
            _ => "portal.sign_in",
        };
        self.finish(actor, request_id, action, result, |r, signed| {
            let r = match why {
                Some(why) => r.detail("why", why),
                None => r,
            };
            match signed {
                Some(SignedIn::FirstLogin { person, .. }) | Some(SignedIn::Full { person }) => r
                    .target(&person.entry.dn, Some(person.entry.id.clone()))
                    .school(&person.profile.employment.primary)
                    .detail("login", person.login.as_str()),
                None => r,
            }
        })
        .await
    }

    /// A sign-in refused by the throttle before any check: as long as a real attempt, with
    /// the same answer, recorded as `throttled`.
    pub async fn refuse_throttled(&self, request_id: Option<String>) -> OnboardingError {
        self.equalise_time().await;
        // Nothing was looked up: the typed text is not kept.
        let actor = unknown_actor();
        let refused: Result<(), OnboardingError> = Err(OnboardingError::InvalidCredentials);
        match self
            .finish(actor, request_id, "portal.sign_in", refused, |r, _| {
                r.detail("why", "throttled")
            })
            .await
        {
            Err(e) => e,
            Ok(()) => OnboardingError::InvalidCredentials,
        }
    }

    async fn try_sign_in(
        &self,
        login: Option<&LoginName>,
        password: &SecretString,
    ) -> Result<SignedIn, (OnboardingError, Option<&'static str>)> {
        let refused = |why| (OnboardingError::InvalidCredentials, Some(why));
        let person = match login {
            Some(l) => self
                .directory
                .find_person_by_login(l)
                .await
                .map_err(|e| (OnboardingError::from(e), None))?,
            None => None,
        };
        let (Some(login), Some(person)) = (login, person) else {
            // As long as a real bind, so an unknown login is not told apart by time.
            self.equalise_time().await;
            return Err(refused("unknown_login"));
        };
        let bound = self
            .timed_check(login, password)
            .await
            .map_err(|e| (OnboardingError::from(e), None))?;
        if bound == crate::ports::PasswordCheck::Wrong {
            return Err(refused("wrong_password_or_locked"));
        }
        match person.account_state {
            AccountState::AwaitingFirstLogin => {
                let expired = person
                    .initial_password_expires
                    .is_none_or(|at| self.clock.now() >= at);
                if expired {
                    return Err(refused("initial_password_expired"));
                }
                Ok(SignedIn::FirstLogin {
                    otp_digest: crate::domain::password::one_time_password_digest(password),
                    person: Box::new(person),
                })
            }
            AccountState::AwaitingEmailConfirmation | AccountState::Active => Ok(SignedIn::Full {
                person: Box::new(person),
            }),
            AccountState::None | AccountState::Locked => Err(refused("account_not_usable")),
        }
    }

    /// The first-login form: the new password and the email address (procedure step 5.6).
    pub async fn complete_first_login(
        &self,
        caller: &PortalCaller,
        otp_digest: &[u8; 32],
        password: &SecretString,
        email: &EmailAddress,
        lang: &str,
    ) -> Result<PersonEntry, OnboardingError> {
        let result = async {
            let person = self
                .current_person_in(caller, AccountState::AwaitingFirstLogin)
                .await?;
            let (password, hash) = self
                .new_password(&person, password, Some(otp_digest))
                .await?;
            let person = self
                .write_own_password(&person, &hash, AccountState::AwaitingFirstLogin, &password)
                .await?;
            self.send_first_address_link(person, email, lang).await
        }
        .await;
        self.finish(
            caller.actor(),
            caller.request_id.clone(),
            "account.password_set",
            result,
            |r, person| {
                let r = r
                    .detail("flow", "first_login")
                    .detail("email_submitted", email.masked());
                let r = match person {
                    Some(p) => r.detail("state", p.account_state.as_str()),
                    None => r,
                };
                caller.about(r, person)
            },
        )
        .await
    }

    /// The caller's entry as the directory has it now.
    pub(super) async fn current_person(
        &self,
        caller: &PortalCaller,
    ) -> Result<PersonEntry, OnboardingError> {
        self.directory
            .get_person(&caller.person_id, &crate::ports::SchoolScope::All)
            .await?
            .ok_or_else(|| OnboardingError::WrongState("the person is gone".into()))
    }

    /// The caller's entry when the account is in the `expected` state (the step a form
    /// belongs to); `WrongState` otherwise (a stale tab, a step done already).
    pub(super) async fn current_person_in(
        &self,
        caller: &PortalCaller,
        expected: AccountState,
    ) -> Result<PersonEntry, OnboardingError> {
        let person = self.current_person(caller).await?;
        if person.account_state != expected {
            return Err(OnboardingError::WrongState(format!(
                "state {}",
                person.account_state
            )));
        }
        Ok(person)
    }
}

/// The actor of a sign-in whose login names no account.
pub(super) fn unknown_actor() -> Actor {
    Actor::System("unknown".to_owned())
}

/// For records that need the person's name.
pub(super) fn display_name(p: &PersonEntry) -> String {
    p.profile.display_name.clone().unwrap_or_else(|| {
        format!(
            "{} {}",
            p.profile.name.given.as_str(),
            p.profile.name.family.as_str()
        )
    })
}
