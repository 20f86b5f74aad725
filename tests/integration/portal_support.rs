//! A running portal for tests: [`PanelApp`] (the real router, slapd, audit and state stores,
//! a `ManualClock`) sending mail through a real SMTP server on loopback ([`SmtpSink`]), plus
//! helpers for the procedure's steps: an employee, their account (a one-time password issued
//! by the same use case the panel calls), the first sign-in, the link from the mail received.

#![allow(dead_code)]

use crate::common::smtp::{ReceivedMail, SmtpSink};
use crate::panel_support::{Browser, PanelApp, PanelPage};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use zszo_connector::domain::audit::Actor;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{PersonEntry, SchoolScope};
use zszo_connector::provisioning::Caller;

pub struct PortalApp {
    pub app: PanelApp,
    pub smtp: SmtpSink,
    /// The local administrator's address (school A): the activation notices go there.
    pub admin_email: String,
}

/// An employee with an account awaiting the first sign-in.
pub struct NewEmployee {
    pub person: PersonEntry,
    pub otp: String,
}

impl PortalApp {
    pub async fn start() -> Self {
        Self::start_with("").await
    }

    pub async fn start_with(extra_toml: &str) -> Self {
        let smtp = SmtpSink::start();
        let app = PanelApp::start_with_mail(extra_toml, Some(&smtp.mail_toml())).await;
        let admin_email = format!("{}@szkola.example.pl", app.local_admin.login);
        set_mail(&app.local_admin.dn, &admin_email).await;
        Self {
            app,
            smtp,
            admin_email,
        }
    }

    /// A new employee of school A with an account created by the local administrator.
    pub async fn employee(&self, given: &str, family: &str) -> NewEmployee {
        let person = self
            .app
            .add_person(given, family, &self.app.school_a, None, None)
            .await;
        let caller = Caller {
            actor: Actor::Person(self.app.local_admin.login.clone()),
            scope: SchoolScope::All,
            request_id: None,
        };
        let issued = self
            .app
            .spawned
            .provisioning()
            .create_account(&caller, &person.entry.id)
            .await
            .unwrap();
        NewEmployee {
            person: issued.person,
            otp: issued.password.expose_secret().to_owned(),
        }
    }

    pub fn browser(&self) -> Browser {
        self.app.browser()
    }

    /// Signs in to the portal; the answer of the POST.
    pub async fn sign_in(&self, b: &Browser, login: &str, password: &str) -> PanelPage {
        b.submit(
            "/portal/logowanie",
            "/portal/logowanie",
            &[("login", login), ("password", password)],
        )
        .await
    }

    /// The first-login form submitted.
    pub async fn first_login_form(
        &self,
        b: &Browser,
        password: &str,
        repeat: &str,
        email: &str,
    ) -> PanelPage {
        b.submit(
            "/portal/pierwsze-logowanie",
            "/portal/pierwsze-logowanie",
            &[
                ("password", password),
                ("password_repeat", repeat),
                ("email", email),
            ],
        )
        .await
    }

    /// Signs in with the one-time password and completes the first-login form.
    pub async fn set_up(&self, e: &NewEmployee, password: &str, email: &str) -> Browser {
        let b = self.browser();
        let r = self.sign_in(&b, e.person.login.as_str(), &e.otp).await;
        assert_eq!(
            r.location(),
            Some("/portal/pierwsze-logowanie"),
            "{}",
            r.body
        );
        let r = self.first_login_form(&b, password, password, email).await;
        assert_eq!(
            r.location(),
            Some("/portal?zapisano=1"),
            "{} {}",
            r.status,
            r.body
        );
        b
    }

    /// Waits for `n` messages in all and returns those to `to`.
    pub async fn mail_to(&self, to: &str, n: usize) -> Vec<ReceivedMail> {
        self.smtp
            .wait_for(n, Duration::from_secs(20))
            .await
            .into_iter()
            .filter(|m| m.recipients.iter().any(|r| r == to))
            .collect()
    }

    /// The confirmation link's path (`/portal/confirm/<token>`) in the newest mail to `to`.
    pub async fn link_for(&self, to: &str, total: usize) -> String {
        let mails = self.mail_to(to, total).await;
        let mail = mails.last().unwrap_or_else(|| panic!("no mail to {to}"));
        link_in(mail.text.as_deref().expect("a text part"))
    }
}

/// The link's path in a mail text; asserts it starts with the configured base URL.
pub fn link_in(text: &str) -> String {
    let start = text
        .find("https://zszo.example/portal/confirm/")
        .unwrap_or_else(|| panic!("no link from the configured base URL in: {text}"));
    let url: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    url.trim_start_matches("https://zszo.example").to_owned()
}

/// Writes `mail` of the entry (as the test's directory administrator).
pub async fn set_mail(dn: &str, mail: &str) {
    let mut ldap = crate::common::connect_admin().await;
    let mods = vec![ldap3::Mod::Replace(
        "mail",
        std::collections::HashSet::from([mail]),
    )];
    ldap.modify(dn, mods).await.unwrap().success().unwrap();
    let _ = ldap.unbind().await;
}

/// The result code of a bind as `dn`, and whether a search then works (no restriction).
pub async fn bind_and_search(dn: &str, password: &str) -> (u32, bool) {
    let (rc, mut ldap) = crate::common::bind(dn, password).await;
    let searched = rc == 0
        && ldap
            .search(dn, ldap3::Scope::Base, "(objectClass=*)", vec!["uid"])
            .await
            .map(|r| r.1.rc == 0)
            .unwrap_or(false);
    let _ = ldap.unbind().await;
    (rc, searched)
}

/// The person's entry as the directory has it now.
pub async fn person_now(app: &PanelApp, id: &str) -> PersonEntry {
    app.directory
        .get_person(id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap()
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}
