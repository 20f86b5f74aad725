//! A seed: the schools and people a directory starts with, read from TOML and parsed into
//! domain types. `config/demo-seed.toml` is the demo city that `dev` loads.
//!
//! Demo passwords are accepted only when the caller allows them (dev mode): a production
//! bootstrap never writes a password nobody was handed.

use crate::domain::{
    EmployeeNumber, FamilyName, GivenName, ParseError, PersonName, Position, School, SchoolCode,
    SchoolName,
};
use crate::ports::Employment;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedRole {
    LocalAdministrator,
    SystemAdministrator,
}

#[derive(Debug, Clone)]
pub struct SeedPerson {
    pub name: PersonName,
    pub employee_number: EmployeeNumber,
    pub position: Option<Position>,
    pub employment: Employment,
    pub role: Option<SeedRole>,
    pub demo_password: Option<SecretString>,
}

#[derive(Debug, Clone, Default)]
pub struct Seed {
    pub schools: Vec<School>,
    pub people: Vec<SeedPerson>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("seed: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeed {
    #[serde(default, rename = "school")]
    schools: Vec<RawSchool>,
    #[serde(default, rename = "person")]
    people: Vec<RawPerson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchool {
    code: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerson {
    given_name: String,
    family_name: String,
    employee_number: String,
    position: Option<String>,
    /// The first is the primary school.
    schools: Vec<String>,
    role: Option<String>,
    demo_password: Option<SecretString>,
}

impl Seed {
    pub fn load(path: &Path, allow_demo_passwords: bool) -> Result<Self, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|e| SeedError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, allow_demo_passwords).map_err(|e| match e {
            SeedError::Invalid(m) => SeedError::Invalid(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    pub fn parse(text: &str, allow_demo_passwords: bool) -> Result<Self, SeedError> {
        let raw: RawSeed = toml::from_str(text).map_err(|e| SeedError::Invalid(e.to_string()))?;
        let at = |what: String, e: ParseError| SeedError::Invalid(format!("{what}: {e}"));
        let mut schools = Vec::new();
        let mut codes = HashSet::new();
        for (i, s) in raw.schools.iter().enumerate() {
            let code =
                SchoolCode::parse(&s.code).map_err(|e| at(format!("school #{}", i + 1), e))?;
            let name = SchoolName::parse(&s.name).map_err(|e| at(format!("school {code}"), e))?;
            if !codes.insert(code.clone()) {
                return Err(SeedError::Invalid(format!("school {code} is listed twice")));
            }
            schools.push(School { code, name });
        }
        let mut people = Vec::new();
        let mut numbers = HashSet::new();
        for (i, p) in raw.people.iter().enumerate() {
            let who = format!("person #{} ({} {})", i + 1, p.given_name, p.family_name);
            let name = PersonName {
                given: GivenName::parse(&p.given_name).map_err(|e| at(who.clone(), e))?,
                family: FamilyName::parse(&p.family_name).map_err(|e| at(who.clone(), e))?,
            };
            let employee_number =
                EmployeeNumber::parse(&p.employee_number).map_err(|e| at(who.clone(), e))?;
            if !numbers.insert(employee_number.clone()) {
                return Err(SeedError::Invalid(format!(
                    "{who}: employee number {employee_number} is used twice"
                )));
            }
            let position = p
                .position
                .as_deref()
                .map(Position::parse)
                .transpose()
                .map_err(|e| at(who.clone(), e))?;
            let mut school_codes = Vec::new();
            for c in &p.schools {
                let code = SchoolCode::parse(c).map_err(|e| at(who.clone(), e))?;
                if !codes.contains(&code) {
                    return Err(SeedError::Invalid(format!(
                        "{who}: school {code} is not among the seed's schools"
                    )));
                }
                school_codes.push(code);
            }
            let Some((primary, others)) = school_codes.split_first() else {
                return Err(SeedError::Invalid(format!(
                    "{who}: needs at least one school"
                )));
            };
            let role = match p.role.as_deref() {
                None => None,
                Some("local-administrator") => Some(SeedRole::LocalAdministrator),
                Some("system-administrator") => Some(SeedRole::SystemAdministrator),
                Some(other) => {
                    return Err(SeedError::Invalid(format!(
                        "{who}: role {other:?} is not \"local-administrator\" or \"system-administrator\""
                    )))
                }
            };
            if p.demo_password.is_some() && !allow_demo_passwords {
                return Err(SeedError::Invalid(format!(
                    "{who}: demo_password is accepted only by `zszo-connector dev`; remove it"
                )));
            }
            people.push(SeedPerson {
                name,
                employee_number,
                position,
                employment: Employment {
                    primary: primary.clone(),
                    others: others.to_vec(),
                },
                role,
                demo_password: p.demo_password.clone(),
            });
        }
        Ok(Seed { schools, people })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"
        [[school]]
        code = "1001"
        name = "Szkoła Podstawowa nr 1"
        [[school]]
        code = "1002"
        name = "Liceum nr 2"

        [[person]]
        given_name = "Łukasz"
        family_name = "Nowak"
        employee_number = "E1"
        schools = ["1001", "1002"]
        role = "local-administrator"
        demo_password = "x"
    "#;

    #[test]
    fn the_first_school_is_primary() {
        let seed = Seed::parse(SEED, true).unwrap();
        let p = &seed.people[0];
        assert_eq!(p.employment.primary.as_str(), "1001");
        assert_eq!(p.employment.others[0].as_str(), "1002");
        assert_eq!(p.role, Some(SeedRole::LocalAdministrator));
    }

    #[test]
    fn demo_passwords_are_refused_outside_dev() {
        let e = Seed::parse(SEED, false).unwrap_err().to_string();
        assert!(e.contains("demo_password"), "{e}");
    }

    #[test]
    fn unknown_schools_and_duplicates_are_refused() {
        let unknown = SEED.replace("[\"1001\", \"1002\"]", "[\"9999\"]");
        assert!(Seed::parse(&unknown, true)
            .unwrap_err()
            .to_string()
            .contains("9999"));
        let twice = SEED.replace("code = \"1002\"", "code = \"1001\"");
        assert!(Seed::parse(&twice, true)
            .unwrap_err()
            .to_string()
            .contains("twice"));
    }

    #[test]
    fn the_demo_seed_in_the_repository_parses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo-seed.toml");
        let seed = Seed::load(Path::new(path), true).unwrap();
        assert!(seed.schools.len() >= 3);
        // Two people of the same name in one school, told apart by employee number.
        let same_name = seed
            .people
            .iter()
            .filter(|p| {
                p.name.full() == "Anna Kowalska" && p.employment.primary.as_str() == "261301"
            })
            .count();
        assert_eq!(same_name, 2);
        assert!(seed.people.iter().any(|p| !p.employment.others.is_empty()));
        assert!(seed
            .people
            .iter()
            .any(|p| p.role == Some(SeedRole::SystemAdministrator)));
    }
}
