//! A later change of the own password (security.md PWD-05, INIT-07, SESS-02/05): the current
//! password is required, the policy applies, and the confirmed address is told.

use super::mails::password_changed_notice;
use super::mails::rendered;
use super::{Onboarding, OnboardingError, PortalCaller};
use crate::domain::password::normalize;
use crate::domain::AccountState;
use crate::ports::PersonEntry;
use crate::store::outbox::QueuedMail;
use secrecy::SecretString;

impl Onboarding {
    pub async fn change_password(
        &self,
        caller: &PortalCaller,
        current: &SecretString,
        new: &SecretString,
    ) -> Result<PersonEntry, OnboardingError> {
        let result = self.try_change_password(caller, current, new).await;
        // Every other panel and portal session of the person ends; this one goes on.
        let ended = match &result {
            Ok(_) => Some(
                crate::session_end::end_sessions_of(
                    self.state.as_ref(),
                    &caller.person_id,
                    caller.session_key.as_deref(),
                    "password changed",
                )
                .await,
            ),
            Err(_) => None,
        };
        self.finish(
            caller.actor(),
            caller.request_id.clone(),
            "account.password_changed",
            result,
            |r, p| {
                let r = match ended {
                    Some(n) => r.detail("signed_out", crate::session_end::ended_detail(n)),
                    None => r,
                };
                caller.about(r, p)
            },
        )
        .await
    }

    async fn try_change_password(
        &self,
        caller: &PortalCaller,
        current: &SecretString,
        new: &SecretString,
    ) -> Result<PersonEntry, OnboardingError> {
        let person = self.current_person(caller).await?;
        let state = person.account_state;
        if !matches!(
            state,
            AccountState::Active | AccountState::AwaitingEmailConfirmation
        ) {
            return Err(OnboardingError::WrongState(format!("state {state}")));
        }
        if !self
            .directory
            .check_password(&person.login, &normalize(current))
            .await?
        {
            return Err(OnboardingError::WrongCurrentPassword);
        }
        let (new, hash) = self.new_password(&person, new, None).await?;
        let person = self.write_own_password(&person, &hash, state, &new).await?;
        if state == AccountState::Active {
            self.tell_password_changed(&person, "password_changed_notice", self.clock.now())
                .await;
        }
        Ok(person)
    }

    /// Tells the person's confirmed address, if any, that their password was changed
    /// (security.md INIT-07); `purpose` names the outbox entry. Called once the password is
    /// written: a notice that cannot be queued is logged, not turned into a failure the person
    /// would retry.
    pub(super) async fn tell_password_changed(
        &self,
        person: &PersonEntry,
        purpose: &str,
        now: time::OffsetDateTime,
    ) {
        let Some(to) = person.profile.emails.first() else {
            return;
        };
        let mut notice =
            QueuedMail::new(rendered(password_changed_notice(&to.value)), purpose, now);
        notice.person_id = Some(person.entry.id.clone());
        notice.person_dn = Some(person.entry.dn.clone());
        match self.state.enqueue_mail(notice).await {
            Ok(_) => self.outbox.notify_one(),
            Err(e) => tracing::error!(error = %e, purpose, "portal: password notice not queued"),
        }
    }
}
