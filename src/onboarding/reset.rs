//! "Nie pamiętam hasła": a forgotten password, self-service (issue 16; security.md MAIL-01..06,
//! RATE-04, SESS-05).
//!
//! - Asking (`request_password_reset`) sends a link only to the person's confirmed address,
//!   only for an active account; it answers the same whatever the login, so nothing tells
//!   whether a login or an address exists. The link is a confirmation of purpose
//!   `PasswordReset` in the state store: a token derived from a fresh nonce, stored as its
//!   SHA-256, single use, [`RESET_LINK_TTL`] long, the person's only live link (throttled per
//!   person like the address confirmations), its mail queued in the same transaction.
//! - Opening the link changes nothing (`check_reset_link`); the form's POST
//!   (`reset_password`) applies the same password policy, spends the link, writes the new
//!   hash through the one `Directory` method that writes a person's password
//!   (`set_own_password`), ends every session of the person and tells the confirmed address.
//! - A person without a confirmed address gets no link: the page tells everyone to ask the
//!   school's local administrator for a new one-time password when no mail arrives.
//!
//! One audit record per call: `password.reset_requested` (the reason of a refusal kept for
//! the audit only) and `account.password_reset`.

use super::email::LinkInfo;
use super::link_use::{link_refused, link_target, link_user, usable};
use super::{Onboarding, OnboardingError};
use crate::domain::audit::{Actor, AuditedError, NewAuditRecord};
use crate::domain::{AccountState, EmailAddress, LoginName};
use crate::ports::{PersonEntry, SchoolScope};
use crate::store::confirmations::{ConfirmationPurpose, ConfirmationUse, ConsumeOutcome};
use secrecy::SecretString;

/// How long a reset link works.
pub const RESET_LINK_TTL: time::Duration = time::Duration::minutes(30);

impl Onboarding {
    /// "I forgot my password" for the login `typed` (as typed: it need not exist). `Ok` when a
    /// link was queued; every refusal is an `Err` for the audit, but the page answers the
    /// same either way. `throttled`: the edge's limit per login and address was reached.
    pub async fn request_password_reset(
        &self,
        typed: &str,
        lang: &str,
        throttled: bool,
        request_id: Option<String>,
    ) -> Result<(), OnboardingError> {
        let login = LoginName::parse(typed.trim()).ok();
        let person = match &login {
            Some(l) => self.directory.find_person_by_login(l).await?,
            None => None,
        };
        let result = if throttled {
            // Too many requests for this login or from this address: nothing is sent.
            Err(OnboardingError::Throttled(0))
        } else {
            self.try_request_reset(person.as_ref(), lang).await
        };
        let actor = match &login {
            Some(l) => Actor::Person(l.as_str().to_owned()),
            // Not a login at all: do not keep what was typed.
            None => Actor::System("portal".into()),
        };
        let outcome = match &result {
            Ok(()) => crate::domain::audit::Outcome::Success,
            Err(e) => crate::domain::audit::Outcome::Failure(e.audit_reason()),
        };
        let mut record =
            NewAuditRecord::new(actor, "password.reset_requested", outcome).request_id(request_id);
        if let Some(p) = &person {
            record = record
                .target(&p.entry.dn, Some(p.entry.id.clone()))
                .school(&p.profile.employment.primary)
                .detail("login", p.login.as_str());
        }
        self.record(record).await?;
        result
    }

    async fn try_request_reset(
        &self,
        person: Option<&PersonEntry>,
        lang: &str,
    ) -> Result<(), OnboardingError> {
        let person = person.ok_or(OnboardingError::LinkInvalid("unknown_login"))?;
        if person.account_state != AccountState::Active || !person.profile.employment_active {
            return Err(OnboardingError::WrongState(format!(
                "state {}",
                person.account_state
            )));
        }
        let address = person
            .profile
            .emails
            .first()
            .and_then(|e| EmailAddress::parse(&e.value).ok())
            .ok_or(OnboardingError::LinkInvalid("no_confirmed_address"))?;
        self.issue_confirmation(
            person,
            &address,
            ConfirmationPurpose::PasswordReset,
            lang,
            Vec::new(),
        )
        .await
    }

    /// What a reset link stands for, if it can still be used. Changes nothing.
    pub async fn check_reset_link(&self, token: &str) -> Result<LinkInfo, OnboardingError> {
        let info = self.check_any_link(token).await?;
        if info.purpose != ConfirmationPurpose::PasswordReset {
            return Err(OnboardingError::LinkInvalid("wrong_purpose"));
        }
        Ok(info)
    }

    /// The reset link's form: a new password (the policy applies); the link is spent, the
    /// password written, every session of the person ended, the address told.
    pub async fn reset_password(
        &self,
        token: &str,
        new: &SecretString,
        request_id: Option<String>,
    ) -> Result<PersonEntry, OnboardingError> {
        let (key, pending) = self.opened_link(token).await?;
        let pending = pending.filter(|p| p.purpose == ConfirmationPurpose::PasswordReset);
        let result = match (key, &pending) {
            (Some(key), Some(p)) => self.try_reset(key, p, new).await,
            _ => Err(OnboardingError::LinkInvalid("token_unknown")),
        };
        let actor = link_user(pending.as_ref());
        self.finish(
            actor,
            request_id,
            "account.password_reset",
            result,
            |r, p| {
                let r = link_target(r, pending.as_ref());
                match p {
                    Some(p) => r.school(&p.profile.employment.primary),
                    None => r,
                }
            },
        )
        .await
    }

    async fn try_reset(
        &self,
        key: String,
        pending: &crate::store::confirmations::PendingConfirmation,
        new: &SecretString,
    ) -> Result<PersonEntry, OnboardingError> {
        let now = self.clock.now();
        usable(pending, now.unix_timestamp())?;
        let person = self
            .directory
            .get_person(&pending.person_id, &SchoolScope::All)
            .await?
            .ok_or(OnboardingError::LinkInvalid("person_gone"))?;
        if person.account_state != AccountState::Active || !person.profile.employment_active {
            return Err(OnboardingError::WrongState(format!(
                "state {}",
                person.account_state
            )));
        }
        // The policy first: a refused password leaves the link usable for another try.
        let (new, hash) = self.new_password(&person, new, None).await?;
        // Spent before the write: two submits of one link cannot both set a password; a
        // write that fails after it leaves the person to ask for a new link (fail closed).
        let using = ConfirmationUse {
            key,
            now,
            with: Vec::new(),
        };
        match self.state.consume_confirmation(using).await? {
            ConsumeOutcome::Consumed(_) => {}
            refused => return Err(link_refused(refused)),
        }
        let person = self
            .write_own_password(&person, &hash, AccountState::Active, &new)
            .await?;
        // Every panel and portal session ends (the one place that does it); a store that fails
        // here is logged there: the password is changed already.
        crate::session_end::end_sessions_of(
            self.state.as_ref(),
            &person.entry.id,
            None,
            "password_reset",
        )
        .await;
        // Told only once the password is written (a notice of a change that failed would
        // mislead).
        self.tell_password_changed(&person, "password_reset_notice", now)
            .await;
        Ok(person)
    }
}
