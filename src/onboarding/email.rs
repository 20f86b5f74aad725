//! Email addresses: the confirmation mail (first, again, or for a change) and the
//! confirmation itself (procedure steps 5.6–7; security.md MAIL-01..05, RATE-04, REL-05).
//!
//! - Asking for a confirmation stores it (keyed by the SHA-256 of a token derived from a fresh
//!   nonce) as the person's only live one and queues its mail in the same transaction; the
//!   person's earlier link stops working. Throttled per person.
//! - Opening a link (`check_link`) changes nothing; only `confirm` (a POST) does: the address
//!   becomes `mail`, the account `active` (first address) and the link is spent, and the
//!   school's local administrators' notices are queued in the same transaction.
//! - A change of an active account's address needs the current password; the old address is
//!   told (queued with the confirmation).

use super::first_login::display_name;
use super::link_use::{link_refused, link_target, link_user, usable};
use super::links::{new_nonce, store_key};
use super::mails::{activated_notice, address_change_notice, rendered, ActivatedAccount};
use super::{Onboarding, OnboardingError, PortalCaller};
use crate::domain::password::normalize;
use crate::domain::{AccountState, EmailAddress};
use crate::ports::{AccountAt, ConfirmedEmail, PersonEntry};
use crate::store::confirmations::{
    ConfirmationIssue, ConfirmationPurpose, ConfirmationUse, ConsumeOutcome, IssueLimits,
    IssueOutcome, PendingConfirmation,
};
use crate::store::outbox::QueuedMail;
use secrecy::SecretString;

/// What an opened link stands for (shown on the page with the button).
#[derive(Debug, Clone)]
pub struct LinkInfo {
    pub masked_address: String,
    pub purpose: ConfirmationPurpose,
}

/// A confirmed address.
#[derive(Debug, Clone)]
pub struct Confirmed {
    pub person: PersonEntry,
    pub purpose: ConfirmationPurpose,
    pub administrators_notified: usize,
}

impl Onboarding {
    pub(super) fn issue_limits(&self) -> IssueLimits {
        IssueLimits {
            min_interval: self.portal.resend_min_interval,
            max_per_day: self.portal.resend_max_per_day as usize,
        }
    }

    /// How long a link of `purpose` works: a password reset briefly, an address for
    /// `portal.confirmation_ttl_hours`.
    pub(super) fn link_ttl(&self, purpose: ConfirmationPurpose) -> time::Duration {
        match purpose {
            ConfirmationPurpose::PasswordReset => super::reset::RESET_LINK_TTL,
            _ => self.portal.confirmation_ttl,
        }
    }

    /// Stores a confirmation for `email` and queues its mail (with `with`).
    pub(super) async fn issue_confirmation(
        &self,
        person: &PersonEntry,
        email: &EmailAddress,
        purpose: ConfirmationPurpose,
        lang: &str,
        with: Vec<QueuedMail>,
    ) -> Result<(), OnboardingError> {
        let nonce = new_nonce();
        let token = self.link_key.token(&nonce);
        let key = store_key(&token).ok_or(OnboardingError::Internal)?;
        let now = self.clock.now();
        let pending = PendingConfirmation {
            display_name: Some(display_name(person)),
            person_id: person.entry.id.clone(),
            person_dn: person.entry.dn.clone(),
            login: person.login.as_str().to_owned(),
            school: Some(person.profile.employment.primary.as_str().to_owned()),
            address: email.as_str().to_owned(),
            purpose,
            nonce,
            lang: lang.to_owned(),
            created: now.unix_timestamp(),
            expires: (now + self.link_ttl(purpose)).unix_timestamp(),
            used: None,
            superseded: false,
        };
        let issue = ConfirmationIssue {
            key,
            confirmation: pending,
            limits: self.issue_limits(),
            now,
            with,
        };
        match self.state.issue_confirmation(issue).await? {
            IssueOutcome::Issued => {
                self.outbox.notify_one();
                Ok(())
            }
            IssueOutcome::Throttled { retry_after_secs } => {
                Err(OnboardingError::Throttled(retry_after_secs))
            }
        }
    }

    /// "Send the link again", or to a corrected address, while the account awaits the
    /// confirmation of its first address.
    pub async fn request_confirmation(
        &self,
        caller: &PortalCaller,
        email: &EmailAddress,
        lang: &str,
    ) -> Result<(), OnboardingError> {
        let result = async {
            let person = self
                .current_person_in(caller, AccountState::AwaitingEmailConfirmation)
                .await?;
            self.send_first_address_link(person, email, lang).await
        }
        .await;
        self.finish_link_request(caller, "email.confirmation_requested", email, result)
            .await
    }

    /// A new address for an active account: the current password is required; the old
    /// address is told.
    pub async fn change_email(
        &self,
        caller: &PortalCaller,
        current_password: &SecretString,
        email: &EmailAddress,
        lang: &str,
    ) -> Result<(), OnboardingError> {
        let result = async {
            let person = self.current_person_in(caller, AccountState::Active).await?;
            let ok = self
                .directory
                .check_password(&person.login, &normalize(current_password))
                .await?;
            if !ok {
                return Err(OnboardingError::WrongCurrentPassword);
            }
            let mut with = Vec::new();
            if let Some(old) = person.profile.emails.first() {
                if !old.value.eq_ignore_ascii_case(email.as_str()) {
                    let mut notice = QueuedMail::new(
                        rendered(address_change_notice(&old.value, &email.masked())),
                        "email_change_notice",
                        self.clock.now(),
                    );
                    notice.person_id = Some(person.entry.id.clone());
                    notice.person_dn = Some(person.entry.dn.clone());
                    with.push(notice);
                }
            }
            self.issue_confirmation(&person, email, ConfirmationPurpose::NewAddress, lang, with)
                .await?;
            Ok(person)
        }
        .await;
        self.finish_link_request(caller, "email.change_requested", email, result)
            .await
    }

    /// Sends the link that confirms the account's first address (after the first login, or
    /// again on request); the person passes through for the audit record.
    pub(super) async fn send_first_address_link(
        &self,
        person: PersonEntry,
        email: &EmailAddress,
        lang: &str,
    ) -> Result<PersonEntry, OnboardingError> {
        self.issue_confirmation(
            &person,
            email,
            ConfirmationPurpose::FirstAddress,
            lang,
            vec![],
        )
        .await?;
        Ok(person)
    }

    /// The one audit record of a request for a confirmation link, with the address masked.
    async fn finish_link_request(
        &self,
        caller: &PortalCaller,
        action: &str,
        email: &EmailAddress,
        result: Result<PersonEntry, OnboardingError>,
    ) -> Result<(), OnboardingError> {
        self.finish(
            caller.actor(),
            caller.request_id.clone(),
            action,
            result,
            |r, p| caller.about(r.detail("email_submitted", email.masked()), p),
        )
        .await
        .map(|_| ())
    }

    /// What a link stands for, if it can still be used. Changes nothing (a mail scanner
    /// opening the link spends nothing).
    pub async fn check_link(&self, token: &str) -> Result<LinkInfo, OnboardingError> {
        let info = self.check_any_link(token).await?;
        if info.purpose == ConfirmationPurpose::PasswordReset {
            // A reset link is not an address confirmation (and the other way round).
            return Err(OnboardingError::LinkInvalid("wrong_purpose"));
        }
        Ok(info)
    }

    /// What a link of any purpose stands for, if it can still be used. Changes nothing.
    pub(super) async fn check_any_link(&self, token: &str) -> Result<LinkInfo, OnboardingError> {
        let key = store_key(token).ok_or(OnboardingError::LinkInvalid("token_unknown"))?;
        let pending = self
            .state
            .confirmation(key)
            .await?
            .ok_or(OnboardingError::LinkInvalid("token_unknown"))?;
        usable(&pending, self.clock.now().unix_timestamp())?;
        let masked = EmailAddress::parse(&pending.address)
            .map(|a| a.masked())
            .unwrap_or_default();
        Ok(LinkInfo {
            masked_address: masked,
            purpose: pending.purpose,
        })
    }

    /// A link's token as stored (its SHA-256, when the token is well-formed) and the
    /// confirmation it names, if any: what `confirm` and a password reset act on.
    pub(super) async fn opened_link(
        &self,
        token: &str,
    ) -> Result<(Option<String>, Option<PendingConfirmation>), OnboardingError> {
        let key = store_key(token);
        let pending = match &key {
            Some(k) => self.state.confirmation(k.clone()).await?,
            None => None,
        };
        Ok((key, pending))
    }

    /// The confirmation (the button's POST). `session_person`: the portal session of the
    /// browser, if any: a link opened in another person's session is refused.
    pub async fn confirm(
        &self,
        token: &str,
        session_person: Option<&str>,
        request_id: Option<String>,
    ) -> Result<Confirmed, OnboardingError> {
        let (key, pending) = self.opened_link(token).await?;
        let result = match (key, &pending) {
            (Some(key), Some(p)) => self.try_confirm(key, p, session_person).await,
            _ => Err(OnboardingError::LinkInvalid("token_unknown")),
        };
        let action = match (&result, pending.as_ref().map(|p| p.purpose)) {
            (Ok(c), _) if c.purpose == ConfirmationPurpose::FirstAddress => "account.activated",
            (Ok(_), _) => "email.changed",
            (Err(_), _) => "email.confirmed",
        };
        let actor = link_user(pending.as_ref());
        self.finish(actor, request_id, action, result, |r, c| {
            let r = link_target(r, pending.as_ref());
            match c {
                Some(c) => {
                    let p = &c.person;
                    let mut r = r
                        .school(&p.profile.employment.primary)
                        .detail("display_name", display_name(p))
                        .detail(
                            "administrators_notified",
                            c.administrators_notified.to_string(),
                        );
                    if let Some(title) = &p.profile.position {
                        r = r.detail("title", title.as_str());
                    }
                    if let Some(a) = p.profile.emails.first() {
                        if let Ok(a) = EmailAddress::parse(&a.value) {
                            r = r.detail("email", a.masked());
                        }
                    }
                    r
                }
                None => r,
            }
        })
        .await
    }

    async fn try_confirm(
        &self,
        key: String,
        pending: &PendingConfirmation,
        session_person: Option<&str>,
    ) -> Result<Confirmed, OnboardingError> {
        let now = self.clock.now();
        usable(pending, now.unix_timestamp())?;
        if pending.purpose == ConfirmationPurpose::PasswordReset {
            return Err(OnboardingError::LinkInvalid("wrong_purpose"));
        }
        if session_person.is_some_and(|p| p != pending.person_id) {
            return Err(OnboardingError::LinkInvalid("wrong_person"));
        }
        let address = EmailAddress::parse(&pending.address)
            .map_err(|_| OnboardingError::LinkInvalid("token_unknown"))?;
        let person = self
            .directory
            .get_person(&pending.person_id, &crate::ports::SchoolScope::All)
            .await?
            .ok_or(OnboardingError::LinkInvalid("person_gone"))?;
        let already = person
            .profile
            .emails
            .first()
            .is_some_and(|e| e.value == address.as_str());
        let person = match (pending.purpose, person.account_state) {
            (ConfirmationPurpose::FirstAddress, AccountState::AwaitingEmailConfirmation)
            | (ConfirmationPurpose::NewAddress, AccountState::Active) => {
                let written = self
                    .directory
                    .set_confirmed_email(
                        AccountAt {
                            id: &person.entry.id,
                            expect: person.account_state,
                            read: None,
                        },
                        ConfirmedEmail {
                            address: &address,
                            at: now,
                        },
                    )
                    .await;
                self.address_written(written, &person.entry.id, &address)
                    .await?
            }
            // A retry after the directory write succeeded but the store did not.
            (_, AccountState::Active) if already => person,
            (_, state) => return Err(OnboardingError::WrongState(format!("state {state}"))),
        };
        let mut with = Vec::new();
        if pending.purpose == ConfirmationPurpose::FirstAddress {
            with = self.administrator_notices(&person).await;
        }
        let notified = with.len();
        let using = ConfirmationUse { key, now, with };
        match self.state.consume_confirmation(using).await? {
            ConsumeOutcome::Consumed(_) => {}
            refused => return Err(link_refused(refused)),
        }
        if notified > 0 {
            self.outbox.notify_one();
        }
        Ok(Confirmed {
            person,
            purpose: pending.purpose,
            administrators_notified: notified,
        })
    }

    /// One notice per local administrator of the person's school who has an address.
    async fn administrator_notices(&self, person: &PersonEntry) -> Vec<QueuedMail> {
        let school = &person.profile.employment.primary;
        let admins = match self.directory.local_administrators(school).await {
            Ok(a) => a,
            Err(e) => {
                // The panel's "new accounts" list still shows it; the mail is a courtesy.
                tracing::warn!(error = %e, "portal: local administrators not read");
                Vec::new()
            }
        };
        let name = display_name(person);
        let panel_url = format!("{}/panel", self.public_base_url.trim_end_matches('/'));
        let account = ActivatedAccount {
            name: &name,
            login: person.login.as_str(),
            school: school.as_str(),
            panel_url: &panel_url,
        };
        admins
            .iter()
            .filter(|a| a.account_state == AccountState::Active && a.profile.employment_active)
            .filter_map(|a| a.profile.emails.first().map(|e| (a, e.value.clone())))
            .map(|(admin, to)| {
                let mut q = QueuedMail::new(
                    rendered(activated_notice(&to, &account)),
                    "account_activated_notice",
                    self.clock.now(),
                );
                q.person_id = Some(admin.entry.id.clone());
                q.person_dn = Some(admin.entry.dn.clone());
                q.school = Some(school.as_str().to_owned());
                q
            })
            .collect()
    }
}
