//! The bootstrap use case against real slapd and a real audit store: layout, schools, people,
//! roles; idempotency; one audit record per creation.

use crate::common::{self, unique_school_code};
use ldap3::{Scope, SearchEntry};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;
use zszo_connector::audit::{HmacKey, RedbAuditLog};
use zszo_connector::bootstrap::{Bootstrap, Seed};
use zszo_connector::clock::SystemClock;
use zszo_connector::config::PasswordConfig;
use zszo_connector::domain::audit::AuditQuery;
use zszo_connector::ldap::{LdapDirectory, LdapOptions};
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::AuditLog;

pub fn options() -> LdapOptions {
    let t = common::ldap();
    LdapOptions {
        url: t.url.clone(),
        standby_urls: Vec::new(),
        base_dn: t.base_dn.clone(),
        bind_dn: t.service_dn.clone(),
        bind_password: SecretString::from(t.service_password.clone()),
        starttls: false,
        ca_file: None,
        connect_timeout: Duration::from_secs(5),
        operation_timeout: Duration::from_secs(10),
        pool_size: 2,
        writes_in_flight: 4,
        read_retries: 1,
        page_cache: true,
        eppn_scope: "zszo.krakow.pl".into(),
    }
}

pub struct World {
    pub directory: LdapDirectory,
    pub audit: RedbAuditLog,
    _dir: tempfile::TempDir,
}

impl World {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = HmacKey::generate_to(dir.path().join("key")).unwrap();
        let audit =
            RedbAuditLog::open(dir.path().join("audit.redb"), key, Arc::new(SystemClock)).unwrap();
        let directory = LdapDirectory::connect(options()).await.unwrap();
        Self {
            directory,
            audit,
            _dir: dir,
        }
    }

    pub async fn bootstrap(&self, seed: &Seed) -> zszo_connector::bootstrap::BootstrapReport {
        Bootstrap {
            directory: &self.directory,
            audit: &self.audit,
            password_cost: PasswordConfig {
                argon2_memory_kib: 19_456,
                argon2_iterations: 2,
                argon2_parallelism: 1,
                initial_password_ttl: time::Duration::days(7),
                max_hashing_in_flight: 32,
            },
        }
        .run(seed)
        .await
        .unwrap()
    }
}

/// A seed with two schools of this test's own: namesakes, a person at both, an administrator.
fn seed(a: &str, b: &str) -> Seed {
    let text = format!(
        r#"
        [[school]]
        code = "{a}"
        name = "Szkoła Podstawowa nr {a}"
        [[school]]
        code = "{b}"
        name = "Liceum \"Ogólnokształcące\" nr {b}, (Kraków)"

        [[person]]
        given_name = "Anna"
        family_name = "Kowalska"
        employee_number = "{a}-1"
        position = "nauczycielka matematyki"
        schools = ["{a}"]
        [[person]]
        given_name = "Anna"
        family_name = "Kowalska"
        employee_number = "{a}-2"
        position = "nauczycielka języka polskiego"
        schools = ["{a}"]
        [[person]]
        given_name = "Grzegorz"
        family_name = "Brzęczyszczykiewicz"
        employee_number = "{a}-3"
        schools = ["{a}", "{b}"]
        [[person]]
        given_name = "Łukasz"
        family_name = "Żółć"
        employee_number = "{a}-4"
        schools = ["{b}"]
        role = "local-administrator"
        demo_password = "demo-haslo-administratora"
        "#
    );
    Seed::parse(&text, true).unwrap()
}

async fn admin_search(base: &str, filter: &str, attrs: &[&str]) -> Vec<SearchEntry> {
    let t = common::ldap();
    common::admin_search_at(
        &t.url,
        &t.admin_password,
        base,
        Scope::Subtree,
        filter,
        attrs,
    )
    .await
}

#[tokio::test]
async fn bootstrap_creates_schools_people_and_roles_then_changes_nothing_on_a_second_run() {
    let (a, b) = (unique_school_code(), unique_school_code());
    let world = World::new().await;
    let seed = seed(&a, &b);

    let first = world.bootstrap(&seed).await;
    // Two schools, four people, one role (the layout may exist from other tests).
    let created: Vec<&String> = first
        .created
        .iter()
        .filter(|l| !l.starts_with("container"))
        .collect();
    assert_eq!(created.len(), 7, "{first}");

    let second = world.bootstrap(&seed).await;
    assert!(second.changed_nothing(), "{second}");
    assert!(second.to_string().contains("nothing changed"));
    assert_eq!(second.unchanged, 6);

    // One audit record per creation, none for the second run.
    let records = world.audit.query(AuditQuery::default()).await.unwrap();
    assert_eq!(records.len(), first.created.len());
    let actions: Vec<&str> = records.iter().map(|r| r.record.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "school.created").count(),
        2
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "person.created").count(),
        4
    );
    assert_eq!(actions.iter().filter(|a| **a == "role.granted").count(), 1);
}

#[tokio::test]
async fn namesakes_get_distinct_logins_and_a_person_at_two_schools_is_one_entry() {
    let (a, b) = (unique_school_code(), unique_school_code());
    let world = World::new().await;
    world.bootstrap(&seed(&a, &b)).await;
    let base = &common::ldap().base_dn;

    let annas = admin_search(
        &format!("ou={a},ou=placowki,{base}"),
        "(&(objectClass=inetOrgPerson)(cn=Anna Kowalska))",
        &["uid", "employeeNumber"],
    )
    .await;
    assert_eq!(annas.len(), 2);
    let logins: Vec<&str> = annas.iter().map(|e| e.attrs["uid"][0].as_str()).collect();
    assert_ne!(logins[0], logins[1]);
    assert!(
        logins.iter().all(|l| l.starts_with("anna.kowalska")),
        "{logins:?}"
    );

    let grzegorz = admin_search(
        &format!("ou=placowki,{base}"),
        &format!("(employeeNumber={a}-3)"),
        &["zszoSchoolCode", "zszoPrimarySchoolCode", "uid"],
    )
    .await;
    assert_eq!(grzegorz.len(), 1, "one entry for a person at two schools");
    let mut schools = grzegorz[0].attrs["zszoSchoolCode"].clone();
    schools.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(schools, expected);
    assert_eq!(grzegorz[0].attrs["zszoPrimarySchoolCode"], vec![a.clone()]);
    assert!(grzegorz[0]
        .dn
        .ends_with(&format!("ou=pracownicy,ou={a},ou=placowki,{base}")));
    assert!(grzegorz[0].attrs["uid"][0].starts_with("grzegorz.brzeczyszczykiewicz"));
}

#[tokio::test]
async fn the_seeded_local_administrator_is_in_the_group_and_can_bind() {
    let (a, b) = (unique_school_code(), unique_school_code());
    let world = World::new().await;
    world.bootstrap(&seed(&a, &b)).await;
    let base = &common::ldap().base_dn;

    let admin = admin_search(
        &format!("ou=placowki,{base}"),
        &format!("(employeeNumber={a}-4)"),
        &["uid"],
    )
    .await;
    let admin_dn = admin[0].dn.clone();
    let login = admin[0].attrs["uid"][0].clone();
    assert!(login.starts_with("lukasz.zolc"), "{login}");

    let group = admin_search(
        &format!("cn=administratorzy-lokalni,ou=grupy,ou={b},ou=placowki,{base}"),
        "(objectClass=groupOfNames)",
        &["member"],
    )
    .await;
    assert!(
        group[0].attrs["member"].contains(&admin_dn),
        "{:?}",
        group[0].attrs
    );

    let login = zszo_connector::domain::LoginName::parse(&login).unwrap();
    let right = SecretString::from("demo-haslo-administratora".to_owned());
    let wrong = SecretString::from("demo-haslo-administratorb".to_owned());
    assert!(world
        .directory
        .check_password(&login, &right)
        .await
        .unwrap());
    assert!(!world
        .directory
        .check_password(&login, &wrong)
        .await
        .unwrap());
}
