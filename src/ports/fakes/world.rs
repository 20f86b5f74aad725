//! The use cases wired to the fakes: one city of two schools, a manual clock, cheap Argon2.

use super::{FakeAudit, FakeDirectory, FakeState, ManualClock};
use crate::config::{DeprovisioningGuardConfig, PasswordConfig, PortalConfig};
use crate::domain::{FamilyName, GivenName, LoginName, PersonName, SchoolCode};
use crate::onboarding::links::{FileKey, LinkKey};
use crate::onboarding::Onboarding;
use crate::ports::{Employment, NewPerson, PeopleDirectory, PersonEntry, PersonProfile};
use crate::provisioning::{DeprovisioningGuard, Provisioning};
use std::sync::Arc;
use time::macros::datetime;

pub struct World {
    pub clock: Arc<ManualClock>,
    pub directory: Arc<FakeDirectory>,
    pub audit: Arc<FakeAudit>,
    pub state: Arc<FakeState>,
    pub link_key: Arc<LinkKey>,
    /// One set for every `Provisioning` this world makes, as the daemon has.
    pub logins_in_flight: Arc<crate::provisioning::logins_in_flight::LoginsInFlight>,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// Schools `SP1` and `SP2`, nobody in them yet; it is 2026-09-01 08:00 UTC.
    pub fn new() -> Self {
        let clock = Arc::new(ManualClock::new(datetime!(2026-09-01 08:00 UTC)));
        let directory = Arc::new(FakeDirectory::new(clock.clone()));
        directory.add_school("SP1", "Szkoła Podstawowa nr 1");
        directory.add_school("SP2", "Szkoła Podstawowa nr 2");
        Self {
            clock,
            directory,
            audit: Arc::new(FakeAudit::default()),
            state: Arc::new(FakeState::new()),
            link_key: Arc::new(LinkKey::new(FileKey::from_bytes([7; 32]))),
            logins_in_flight: Default::default(),
        }
    }

    /// Argon2id at its smallest cost (the hashes are real, made in microseconds); one-time
    /// passwords live seven days.
    pub fn password_cost() -> PasswordConfig {
        PasswordConfig {
            argon2_memory_kib: 8,
            argon2_iterations: 1,
            argon2_parallelism: 1,
            initial_password_ttl: time::Duration::days(7),
            max_hashing_in_flight: 8,
        }
    }

    /// Provisioning with the state-store ports, and the guard when a policy is given.
    pub fn provisioning(&self, guard: Option<DeprovisioningGuardConfig>) -> Provisioning {
        Provisioning {
            directory: self.directory.clone(),
            audit: self.audit.clone(),
            guard: guard.map(|policy| {
                Arc::new(DeprovisioningGuard::new(
                    policy,
                    self.state.clone(),
                    self.clock.clone(),
                ))
            }),
            clock: self.clock.clone(),
            password_cost: Self::password_cost(),
            retired_logins: Some(self.state.clone()),
            intents: Some(self.state.clone()),
            sessions: Some(self.state.clone()),
            logins_in_flight: self.logins_in_flight.clone(),
        }
    }

    /// The portal's use cases.
    pub fn onboarding(&self) -> Onboarding {
        Onboarding {
            directory: self.directory.clone(),
            audit: self.audit.clone(),
            clock: self.clock.clone(),
            state: self.state.clone(),
            outbox: Arc::new(tokio::sync::Notify::new()),
            link_key: self.link_key.clone(),
            second_factor_key: Arc::new(crate::second_factor::SecretBox::new(FileKey::from_bytes(
                [9; 32],
            ))),
            hashing: crate::credentials::HashingGate::new(8),
            portal: PortalConfig {
                idle_timeout: time::Duration::minutes(30),
                absolute_timeout: time::Duration::hours(8),
                confirmation_ttl: time::Duration::hours(24),
                resend_min_interval: time::Duration::minutes(1),
                resend_max_per_day: 5,
                link_key_file: "unused".into(),
            },
            password_cost: Self::password_cost(),
            public_base_url: "https://konta.example".into(),
        }
    }

    /// A person of `school` without an account (as HR created them).
    pub async fn person(&self, school: &str, given: &str, family: &str) -> PersonEntry {
        let name = PersonName {
            given: GivenName::parse(given).unwrap(),
            family: FamilyName::parse(family).unwrap(),
        };
        let login = format!("{}.{}", given, family).to_lowercase();
        let employment = Employment {
            primary: SchoolCode::parse(school).unwrap(),
            others: Vec::new(),
        };
        let new = NewPerson {
            login: LoginName::parse(&login).unwrap(),
            profile: PersonProfile::new(name, employment),
            credentials: None,
            created_by: "client:hr".into(),
        };
        self.directory.create_person(&new).await.unwrap()
    }
}
