//! Use case: bring a directory to the product's layout and load a seed of schools and people.
//!
//! Idempotent: every step first looks for what it would create, so a second run changes
//! nothing and says so. Each creation is one audit record (actor `system:bootstrap`).
//! People are matched by employee number; schools by code. The directory is the source of
//! truth: an existing entry that differs from the seed is left as it is and reported.

mod seed;

pub use seed::{Seed, SeedError, SeedPerson, SeedRole};

use crate::config::PasswordConfig;
use crate::credentials::hash_password_async;
use crate::domain::audit::{Actor, NewAuditRecord, Outcome};
use crate::domain::{login_candidates, AccountState};
use crate::ports::{
    AdminRole, AuditError, AuditLog, Directory, DirectoryError, NewCredentials, NewPerson,
    PersonProfile,
};
use std::fmt;

const ACTOR: &str = "bootstrap";

/// What a run did, for the operator.
#[derive(Debug, Default)]
pub struct BootstrapReport {
    pub created: Vec<String>,
    pub notes: Vec<String>,
    pub unchanged: usize,
}

impl BootstrapReport {
    pub fn changed_nothing(&self) -> bool {
        self.created.is_empty()
    }
}

impl fmt::Display for BootstrapReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changed_nothing() {
            writeln!(
                f,
                "directory already bootstrapped: nothing changed ({} entries checked)",
                self.unchanged
            )?;
        } else {
            writeln!(
                f,
                "bootstrap created {} entries ({} already present):",
                self.created.len(),
                self.unchanged
            )?;
            for line in &self.created {
                writeln!(f, "  + {line}")?;
            }
        }
        for note in &self.notes {
            writeln!(f, "  ! {note}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("no free login for {0}: every candidate is taken")]
    NoLoginLeft(String),
    #[error("{0}")]
    Internal(String),
}

pub struct Bootstrap<'a> {
    pub directory: &'a dyn Directory,
    pub audit: &'a dyn AuditLog,
    pub password_cost: PasswordConfig,
}

impl Bootstrap<'_> {
    pub async fn run(&self, seed: &Seed) -> Result<BootstrapReport, BootstrapError> {
        let mut report = BootstrapReport::default();
        for dn in self.directory.ensure_layout().await? {
            self.record(
                NewAuditRecord::new(
                    self.actor(),
                    "directory.container_created",
                    Outcome::Success,
                )
                .target(&dn, None),
            )
            .await?;
            report.created.push(format!("container {dn}"));
        }
        for school in &seed.schools {
            match self.directory.find_school(&school.code).await? {
                Some(existing) => {
                    report.unchanged += 1;
                    if existing.school.name != school.name {
                        report.notes.push(format!(
                            "school {} is named {:?} in the directory, {:?} in the seed; the directory wins",
                            school.code, existing.school.name.as_str(), school.name.as_str()
                        ));
                    }
                }
                None => {
                    let created = self.directory.create_school(school).await?;
                    self.record(
                        NewAuditRecord::new(self.actor(), "school.created", Outcome::Success)
                            .target(&created.entry.dn, Some(created.entry.id.clone()))
                            .school(&school.code)
                            .detail("name", school.name.as_str()),
                    )
                    .await?;
                    report
                        .created
                        .push(format!("school {} {}", school.code, school.name));
                }
            }
        }
        for person in &seed.people {
            self.ensure_person(person, &mut report).await?;
        }
        Ok(report)
    }

    async fn ensure_person(
        &self,
        person: &SeedPerson,
        report: &mut BootstrapReport,
    ) -> Result<(), BootstrapError> {
        let entry = match self
            .directory
            .find_person_by_employee_number(&person.employee_number)
            .await?
        {
            Some(existing) => {
                report.unchanged += 1;
                existing
            }
            None => {
                let entry = self.create_person(person).await?;
                report.created.push(format!(
                    "person {} ({}, {})",
                    entry.login,
                    person.name.full(),
                    person.employee_number
                ));
                entry
            }
        };
        let role = match &person.role {
            None => return Ok(()),
            Some(SeedRole::LocalAdministrator) => {
                AdminRole::LocalAdministrator(person.employment.primary.clone())
            }
            Some(SeedRole::SystemAdministrator) => AdminRole::SystemAdministrator,
        };
        if self.directory.grant_role(&entry.entry, &role).await? {
            let mut record = NewAuditRecord::new(self.actor(), "role.granted", Outcome::Success)
                .target(&entry.entry.dn, Some(entry.entry.id.clone()))
                .detail("role", role_name(&role));
            if let AdminRole::LocalAdministrator(code) = &role {
                record = record.school(code);
            }
            self.record(record).await?;
            report
                .created
                .push(format!("role {} for {}", role_name(&role), entry.login));
        }
        Ok(())
    }

    async fn create_person(
        &self,
        person: &SeedPerson,
    ) -> Result<crate::ports::PersonEntry, BootstrapError> {
        let credentials = match &person.demo_password {
            None => None,
            Some(password) => {
                let hash = hash_password_async(password.clone(), self.password_cost)
                    .await
                    .map_err(|e| BootstrapError::Internal(e.to_string()))?;
                Some(NewCredentials {
                    hash,
                    state: AccountState::Active,
                    must_change: false,
                    expires_at: None,
                })
            }
        };
        for login in login_candidates(&person.name) {
            let new = NewPerson {
                login: login.clone(),
                profile: PersonProfile {
                    display_name: Some(person.name.full()),
                    employee_number: Some(person.employee_number.clone()),
                    position: person.position.clone(),
                    ..PersonProfile::new(person.name.clone(), person.employment.clone())
                },
                credentials: credentials.clone(),
                created_by: Actor::System(ACTOR.into()).to_string(),
            };
            match self.directory.create_person(&new).await {
                Ok(entry) => {
                    let mut record =
                        NewAuditRecord::new(self.actor(), "person.created", Outcome::Success)
                            .target(&entry.entry.dn, Some(entry.entry.id.clone()))
                            .school(&person.employment.primary)
                            .detail("login", login.as_str())
                            .detail("employee_number", person.employee_number.as_str())
                            .detail("account_state", entry.account_state.as_str());
                    if person
                        .employment
                        .others
                        .iter()
                        .any(|c| *c != person.employment.primary)
                    {
                        let all: Vec<&str> = person.employment.all().map(|c| c.as_str()).collect();
                        record = record.detail("schools", all.join(","));
                    }
                    self.record(record).await?;
                    return Ok(entry);
                }
                Err(e) if crate::provisioning::login_taken(&e) => continue,
                Err(e) => {
                    self.record(
                        NewAuditRecord::new(
                            self.actor(),
                            "person.created",
                            Outcome::Failure(e.to_string()),
                        )
                        .school(&person.employment.primary)
                        .detail("employee_number", person.employee_number.as_str()),
                    )
                    .await?;
                    return Err(e.into());
                }
            }
        }
        Err(BootstrapError::NoLoginLeft(person.name.full()))
    }

    fn actor(&self) -> Actor {
        Actor::System(ACTOR.into())
    }

    async fn record(&self, record: NewAuditRecord) -> Result<(), AuditError> {
        self.audit.append(record).await.map(|_| ())
    }
}

fn role_name(role: &AdminRole) -> &'static str {
    match role {
        AdminRole::LocalAdministrator(_) => "local-administrator",
        AdminRole::SystemAdministrator => "system-administrator",
    }
}
