//! A running panel for tests: the real router (`app::serve`, with the client address) on a
//! free loopback port, over the real LDAP adapter (test slapd), a real audit store and state
//! file, and a [`ManualClock`] the test moves (sessions and sign-in throttling read it).
//!
//! The directory holds two schools of this test, A and B, and four people with known
//! passwords, created through `Directory::create_person` (credentials hashed by
//! `credentials::hash_password`) and `Directory::grant_role`:
//! - `local_admin`: local administrator of school A;
//! - `other_admin`: local administrator of school B;
//! - `system_admin`: a system administrator (works at school B);
//! - `employee`: an ordinary employee of school A (no role).
//!
//! Cookies: the panel's cookies are `__Host-` cookies with `Secure`, which a cookie store
//! keeps back over plain `http://` (the tests have no TLS). [`Browser`] therefore keeps
//! cookies itself: it reads every `Set-Cookie` (a `Max-Age=0` deletes), sends them back in one
//! `Cookie` header, and never follows redirects (so a test sees each 303 and its cookies;
//! [`Browser::follow`] goes on when wanted).

#![allow(dead_code)] // helpers shared with the panel pages' tests

use crate::common::app::{spawn_app, AppOptions, TestApp};
use reqwest::StatusCode;
use secrecy::SecretString;
use std::sync::Arc;
use zszo_connector::audit::RedbAuditLog;
use zszo_connector::clock::ManualClock;
use zszo_connector::config::Config;
use zszo_connector::domain::audit::{AuditQuery, AuditRecord};
use zszo_connector::domain::{
    AccountState, EmployeeNumber, FamilyName, GivenName, LoginName, PersonName, Position,
    SchoolCode,
};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{
    AdminRole, AuditLog, Employment, NewCredentials, NewPerson, PersonEntry, PersonProfile,
};

#[path = "panel_support_browser.rs"]
mod browser;
pub(crate) use browser::{csrf_in, Browser, PanelPage};

/// A person of the test with a known password.
#[derive(Debug, Clone)]
pub struct TestPerson {
    pub id: String,
    pub dn: String,
    pub login: String,
    pub password: String,
    pub name: String,
}

pub struct PanelApp {
    /// `http://127.0.0.1:<port>` (no path).
    pub origin: String,
    pub school_a: String,
    pub school_b: String,
    pub local_admin: TestPerson,
    pub other_admin: TestPerson,
    pub system_admin: TestPerson,
    pub employee: TestPerson,
    pub clock: Arc<ManualClock>,
    pub audit: Arc<RedbAuditLog>,
    pub directory: Arc<LdapDirectory>,
    pub state: zszo_connector::store::StateStore,
    /// The running app's admission of password checks and hashes (a test can fill it).
    pub hashing: Arc<zszo_connector::credentials::HashingGate>,
    pub config: Config,
    /// Where the mail file transport writes (`.eml` files).
    pub mail_dir: std::path::PathBuf,
    /// The app under the panel (its folder, composed state, use cases).
    pub spawned: TestApp,
}

impl PanelApp {
    pub async fn start() -> Self {
        Self::start_with("").await
    }

    /// `extra_toml` is appended to the configuration (e.g. a `[panel]` section).
    pub async fn start_with(extra_toml: &str) -> Self {
        Self::start_with_mail(extra_toml, None).await
    }

    /// With `mail_toml` (e.g. `SmtpSink::mail_toml`) instead of `.eml` files.
    pub async fn start_with_mail(extra_toml: &str, mail_toml: Option<&str>) -> Self {
        Self::start_edited(extra_toml, mail_toml, |_| {}).await
    }

    /// With the parsed configuration changed by `edit` (keys of sections the shared
    /// configuration has already, e.g. `server.trusted_proxies`).
    pub async fn start_edited(
        extra_toml: &str,
        mail_toml: Option<&str>,
        edit: impl FnOnce(&mut Config) + Send + 'static,
    ) -> Self {
        let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
        let t = spawn_app(AppOptions {
            extra_toml: extra_toml.to_owned(),
            mail_toml: mail_toml.map(str::to_owned),
            public_base_url: "https://zszo.example".to_owned(),
            clock: clock.clone(),
            // The second factor (on by default in the product) has its own tests, which turn
            // it on with `[panel] require_second_factor = true`; the other panel tests sign in
            // with the password alone.
            second_factor: (!extra_toml.contains("require_second_factor")).then_some(false),
            edit: Box::new(edit),
            ..AppOptions::default()
        })
        .await;
        let (a, b) = (t.schools[0].clone(), t.schools[1].clone());
        let (directory, config) = (t.directory.clone(), t.config.clone());
        let make = |given: &str, family: &str, login: String, school: &str| {
            let directory = directory.clone();
            let cost = config.passwords;
            let (given, family, school) = (given.to_owned(), family.to_owned(), school.to_owned());
            async move {
                let password = format!("Hasło-{}-testowe", uuid::Uuid::new_v4().simple());
                let entry = create_person_with_password(
                    directory.as_ref(),
                    &cost,
                    &given,
                    &family,
                    &login,
                    &school,
                    Some(&password),
                    None,
                )
                .await;
                TestPerson {
                    id: entry.entry.id.clone(),
                    dn: entry.entry.dn.clone(),
                    login: entry.login.as_str().to_owned(),
                    password,
                    name: entry.profile.name.full(),
                }
            }
        };
        let local_admin = make("Alicja", "Źródłowska", format!("adm.{a}"), &a).await;
        let other_admin = make("Bogdan", "Nowak", format!("adm.{b}"), &b).await;
        let system_admin = make("Cezary", "Miejski", format!("sys.{a}"), &b).await;
        let employee = make("Dorota", "Łukasik", format!("prac.{a}"), &a).await;
        let grant = |p: &TestPerson, role: AdminRole| {
            let directory = directory.clone();
            let entry = zszo_connector::ports::EntryRef {
                id: p.id.clone(),
                dn: p.dn.clone(),
            };
            async move { directory.grant_role(&entry, &role).await.unwrap() }
        };
        let code = |c: &str| SchoolCode::parse(c).unwrap();
        grant(&local_admin, AdminRole::LocalAdministrator(code(&a))).await;
        grant(&other_admin, AdminRole::LocalAdministrator(code(&b))).await;
        grant(&system_admin, AdminRole::SystemAdministrator).await;

        Self {
            origin: t.origin.clone(),
            hashing: t.state.hashing.clone(),
            mail_dir: t.path.join("mail"),
            school_a: a,
            school_b: b,
            local_admin,
            other_admin,
            system_admin,
            employee,
            clock,
            audit: t.audit.clone(),
            directory,
            state: t.store.clone(),
            config,
            spawned: t,
        }
    }

    /// A new browser (no cookies) for this panel.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.origin)
    }

    /// A browser signed in as `who` (asserts the sign-in worked).
    pub async fn signed_in(&self, who: &TestPerson) -> Browser {
        let b = self.browser();
        let page = b.sign_in(&who.login, &who.password).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign-in of {} failed: {}",
            who.login,
            page.body
        );
        b
    }

    /// Adds a person to `school` (no role), optionally with a password (account active) or
    /// with the account state `state` and no password.
    pub async fn add_person(
        &self,
        given: &str,
        family: &str,
        school: &str,
        employee_number: Option<&str>,
        password: Option<&str>,
    ) -> PersonEntry {
        let login = format!(
            "t.{}",
            uuid::Uuid::new_v4().simple().to_string().get(..12).unwrap()
        );
        create_person_with_password(
            self.directory.as_ref(),
            &self.config.passwords,
            given,
            family,
            &login,
            school,
            password,
            employee_number,
        )
        .await
    }

    /// Every audit record with `action`, newest first.
    pub async fn audit_of(&self, action: &str) -> Vec<AuditRecord> {
        crate::common::app::records_of(&self.audit, action).await
    }

    /// Every audit record, newest first, as JSON text (to search it for secrets).
    pub async fn audit_text(&self) -> String {
        let all = self.audit.query(AuditQuery::default()).await.unwrap();
        serde_json::to_string(&all).unwrap()
    }
}

#[allow(clippy::too_many_arguments)]
async fn create_person_with_password(
    directory: &LdapDirectory,
    cost: &zszo_connector::config::PasswordConfig,
    given: &str,
    family: &str,
    login: &str,
    school: &str,
    password: Option<&str>,
    employee_number: Option<&str>,
) -> PersonEntry {
    let credentials = match password {
        Some(p) => {
            let (p, cost) = (SecretString::from(p.to_owned()), *cost);
            let hash = tokio::task::spawn_blocking(move || {
                zszo_connector::credentials::hash_password(&p, &cost)
            })
            .await
            .unwrap()
            .unwrap();
            Some(NewCredentials {
                hash,
                state: AccountState::Active,
                must_change: false,
                expires_at: None,
            })
        }
        None => None,
    };
    let name = PersonName {
        given: GivenName::parse(given).unwrap(),
        family: FamilyName::parse(family).unwrap(),
    };
    let mut profile = PersonProfile::new(
        name.clone(),
        Employment {
            primary: SchoolCode::parse(school).unwrap(),
            others: vec![],
        },
    );
    profile.display_name = Some(name.full());
    profile.employee_number = employee_number.map(|n| EmployeeNumber::parse(n).unwrap());
    profile.position = Some(Position::parse("nauczyciel").unwrap());
    directory
        .create_person(&NewPerson {
            login: LoginName::parse(login).unwrap(),
            profile,
            credentials,
            created_by: "system:test".into(),
        })
        .await
        .unwrap()
}
