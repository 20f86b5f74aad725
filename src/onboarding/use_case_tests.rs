//! The portal's use cases on the in-memory fakes (`crate::ports::fakes`): the first login and
//! the confirmation of the address. No slapd, no redb, no SMTP: run them with
//! `cargo test --lib use_case`.

use super::first_login::SignedIn;
use super::*;
use crate::clock::Clock;
use crate::domain::audit::{Actor, Outcome};
use crate::domain::{AccountState, EmailAddress, SchoolCode};
use crate::ports::fakes::World;
use crate::ports::state::Confirmations;
use crate::ports::{PersonEntry, RoleDirectory, SchoolScope};
use crate::provisioning::{Caller, IssuedAccount};
use crate::store::confirmations::{ConfirmationPurpose, PendingConfirmation};
use crate::store::outbox::MailKind;
use secrecy::SecretString;

const NEW_PASSWORD: &str = "Zielony-Kot-Biega-Po-Lace-42";

async fn issued_account(w: &World) -> IssuedAccount {
    let person = w.person("SP1", "Jan", "Kowalski").await;
    let admin = Caller {
        actor: Actor::Person("dyrektor.sp1".into()),
        scope: SchoolScope::Only(vec![SchoolCode::parse("SP1").unwrap()]),
        request_id: None,
    };
    w.provisioning(None)
        .create_account(&admin, &person.entry.id)
        .await
        .unwrap()
}

fn caller_of(person: &PersonEntry) -> PortalCaller {
    PortalCaller {
        person_id: person.entry.id.clone(),
        login: person.login.clone(),
        request_id: None,
        session_key: None,
    }
}

/// Signs in with the one-time password and completes the first-login form.
async fn first_login(w: &World, issued: &IssuedAccount) -> PersonEntry {
    let portal = w.onboarding();
    let signed = portal
        .sign_in(Some(&issued.login), &issued.password, None)
        .await
        .unwrap();
    let SignedIn::FirstLogin { person, otp_digest } = signed else {
        panic!("a one-time password gives the first-login form only");
    };
    let email = EmailAddress::parse("jan.kowalski@example.org").unwrap();
    let new = SecretString::from(NEW_PASSWORD);
    portal
        .complete_first_login(&caller_of(&person), &otp_digest, &new, &email, "pl")
        .await
        .unwrap()
}

fn failures(w: &World) -> Vec<(String, String)> {
    (w.audit.records().into_iter())
        .filter_map(|r| match r.outcome {
            Outcome::Failure(why) => Some((r.action, why)),
            Outcome::Success => None,
        })
        .collect()
}

#[tokio::test]
async fn use_case_first_login_accepts_the_one_time_password_once() {
    let w = World::new();
    let issued = issued_account(&w).await;
    let person = first_login(&w, &issued).await;

    assert_eq!(
        person.account_state,
        AccountState::AwaitingEmailConfirmation
    );
    let portal = w.onboarding();
    // The one-time password is gone; the new one signs in fully.
    let again = portal
        .sign_in(Some(&issued.login), &issued.password, None)
        .await;
    assert!(
        matches!(again, Err(OnboardingError::InvalidCredentials)),
        "{again:?}"
    );
    let own = SecretString::from(NEW_PASSWORD);
    let signed = portal
        .sign_in(Some(&issued.login), &own, None)
        .await
        .unwrap();
    assert!(matches!(signed, SignedIn::Full { .. }), "{signed:?}");
    // The form cannot be sent a second time.
    let email = EmailAddress::parse("jan.kowalski@example.org").unwrap();
    let twice = portal
        .complete_first_login(&caller_of(&person), &[0; 32], &own, &email, "pl")
        .await;
    assert!(
        matches!(twice, Err(OnboardingError::WrongState(_))),
        "{twice:?}"
    );
    assert_eq!(
        w.audit.actions(),
        [
            "account.created",
            "account.first_login",
            "account.password_set",
            "portal.sign_in",
            "portal.sign_in",
            "account.password_set",
        ]
    );
    assert_eq!(
        failures(&w),
        [
            ("portal.sign_in".into(), "invalid_credentials".into()),
            ("account.password_set".into(), "wrong_state".into()),
        ]
    );
}

#[tokio::test]
async fn use_case_first_login_refuses_an_expired_one_time_password() {
    let w = World::new();
    let issued = issued_account(&w).await;
    w.clock
        .advance(time::Duration::days(7) + time::Duration::seconds(1));
    let late = w
        .onboarding()
        .sign_in(Some(&issued.login), &issued.password, None)
        .await;
    assert!(
        matches!(late, Err(OnboardingError::InvalidCredentials)),
        "{late:?}"
    );
    let person = w.directory.person(&issued.person.entry.id).unwrap();
    assert_eq!(person.account_state, AccountState::AwaitingFirstLogin);
    assert_eq!(
        failures(&w),
        [("portal.sign_in".into(), "invalid_credentials".into())]
    );
}

#[tokio::test]
async fn use_case_first_login_queues_the_confirmation_mail_with_the_confirmation() {
    let w = World::new();
    let issued = issued_account(&w).await;
    first_login(&w, &issued).await;

    let confirmations = w.state.confirmations();
    assert_eq!(confirmations.len(), 1);
    let (key, pending) = &confirmations[0];
    assert_eq!(pending.purpose, ConfirmationPurpose::FirstAddress);
    assert_eq!(pending.address, "jan.kowalski@example.org");
    let outbox = w.state.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        outbox[0].kind,
        MailKind::EmailConfirmation {
            confirmation: key.clone()
        }
    );
    assert_eq!(outbox[0].not_after, Some(pending.expires));
}

/// The token of the only confirmation stored (it exists in clear only in the mail).
fn token_of(w: &World, purpose: ConfirmationPurpose) -> String {
    let (_, pending) = (w.state.confirmations().into_iter())
        .find(|(_, c)| c.purpose == purpose && c.used.is_none() && !c.superseded)
        .expect("a live confirmation");
    w.link_key.token(&pending.nonce)
}

#[tokio::test]
async fn use_case_confirm_email_activates_once_and_tells_the_local_administrators() {
    let w = World::new();
    // A local administrator of SP1 with an active account and an address.
    let admin = w.person("SP1", "Ewa", "Dyrektor").await;
    let sp1 = SchoolCode::parse("SP1").unwrap();
    let role = crate::ports::AdminRole::LocalAdministrator(sp1);
    w.directory.grant_role(&admin.entry, &role).await.unwrap();
    w.directory
        .force_state(&admin.entry.id, AccountState::AwaitingEmailConfirmation);
    {
        use crate::ports::AccountDirectory;
        let address = EmailAddress::parse("ewa@example.org").unwrap();
        let account = crate::ports::AccountAt {
            id: &admin.entry.id,
            expect: AccountState::AwaitingEmailConfirmation,
            read: None,
        };
        let email = crate::ports::ConfirmedEmail {
            address: &address,
            at: w.clock.now(),
        };
        (w.directory.set_confirmed_email(account, email))
            .await
            .unwrap();
    }
    let issued = issued_account(&w).await;
    first_login(&w, &issued).await;
    let token = token_of(&w, ConfirmationPurpose::FirstAddress);
    let queued_before = w.state.outbox().len();

    let portal = w.onboarding();
    let confirmed = portal.confirm(&token, None, None).await.unwrap();
    assert_eq!(confirmed.person.account_state, AccountState::Active);
    assert_eq!(confirmed.administrators_notified, 1);
    // The notice was queued with the consumption (one commit).
    let outbox = w.state.outbox();
    assert_eq!(outbox.len(), queued_before + 1);
    assert_eq!(outbox.last().unwrap().purpose, "account_activated_notice");

    let twice = portal.confirm(&token, None, None).await;
    assert!(
        matches!(twice, Err(OnboardingError::LinkInvalid("token_used"))),
        "{twice:?}"
    );
    assert_eq!(
        w.state.outbox().len(),
        queued_before + 1,
        "no second notice"
    );
    let actions = w.audit.actions();
    assert_eq!(
        actions[actions.len() - 2..],
        ["account.activated", "email.confirmed"]
    );
}

/// A link that cannot be used, and why the audit says so.
enum BadLink {
    Expired,
    Superseded,
    /// A password-reset link opened at the confirmation URL.
    WrongPurpose,
    /// Opened in another person's portal session.
    WrongPerson,
    Unknown,
}

#[tokio::test]
async fn use_case_confirm_email_refuses_links_that_cannot_be_used() {
    let cases = [
        (BadLink::Expired, "token_expired"),
        (BadLink::Superseded, "token_superseded"),
        (BadLink::WrongPurpose, "wrong_purpose"),
        (BadLink::WrongPerson, "wrong_person"),
        (BadLink::Unknown, "token_unknown"),
    ];
    for (case, why) in cases {
        let w = World::new();
        let issued = issued_account(&w).await;
        let person = first_login(&w, &issued).await;
        let portal = w.onboarding();
        let mut session = None;
        let token = match case {
            BadLink::Expired => {
                let token = token_of(&w, ConfirmationPurpose::FirstAddress);
                w.clock.advance(time::Duration::hours(24));
                token
            }
            BadLink::Superseded => {
                let old = token_of(&w, ConfirmationPurpose::FirstAddress);
                w.clock.advance(time::Duration::minutes(2));
                let email = EmailAddress::parse("jan@example.org").unwrap();
                (portal.request_confirmation(&caller_of(&person), &email, "pl"))
                    .await
                    .unwrap();
                old
            }
            BadLink::WrongPurpose => {
                let nonce = super::links::new_nonce();
                let token = w.link_key.token(&nonce);
                let key = super::links::store_key(&token).unwrap();
                let now = w.clock.now();
                let reset = PendingConfirmation {
                    purpose: ConfirmationPurpose::PasswordReset,
                    nonce,
                    expires: (now + time::Duration::hours(1)).unix_timestamp(),
                    ..w.state.confirmations()[0].1.clone()
                };
                let limits = crate::store::confirmations::IssueLimits {
                    min_interval: time::Duration::ZERO,
                    max_per_day: 100,
                };
                let issue = crate::store::confirmations::ConfirmationIssue {
                    key,
                    confirmation: reset,
                    limits,
                    now,
                    with: vec![],
                };
                w.state.issue_confirmation(issue).await.unwrap();
                token
            }
            BadLink::WrongPerson => {
                session = Some("someone-else");
                token_of(&w, ConfirmationPurpose::FirstAddress)
            }
            BadLink::Unknown => w.link_key.token("no-such-nonce"),
        };

        let refused = portal.confirm(&token, session, None).await;

        assert!(
            matches!(refused, Err(OnboardingError::LinkInvalid(r)) if r == why),
            "{why}: {refused:?}"
        );
        let now = w.directory.person(&person.entry.id).unwrap();
        assert_eq!(
            now.account_state,
            AccountState::AwaitingEmailConfirmation,
            "{why}"
        );
        assert_eq!(
            failures(&w).last(),
            Some(&("email.confirmed".to_owned(), why.to_owned())),
            "{why}"
        );
    }
}
