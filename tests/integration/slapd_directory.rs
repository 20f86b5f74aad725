//! The generated slapd (`zszo_connector::slapd`) against the real server: schema, `{ARGON2}`
//! binds, password policy, uniqueness, empty groups, ACLs, restart and orphan safety.
//! Every test works in its own school (`unique_school_code()`).

use crate::common::{self, connect_admin, connect_anonymous, connect_as, connect_service};
use ldap3::{Mod, Scope, SearchEntry};
use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zszo_connector::slapd;

const INVALID_CREDENTIALS: u32 = 49;
const INSUFFICIENT_ACCESS: u32 = 50;
const CONSTRAINT_VIOLATION: u32 = 19;
const UNWILLING_TO_PERFORM: u32 = 53;
const NO_SUCH_OBJECT: u32 = 32;

fn set(values: &[&str]) -> HashSet<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// Adds a staff member `uid=<login>` to the school's `ou=pracownicy` as the service identity
/// with the given extra attributes; returns the DN.
async fn add_person(
    school_code: &str,
    login: &str,
    extra: Vec<(String, HashSet<String>)>,
) -> String {
    let person = person_dn(school_code, login);
    let mut attrs: Vec<(String, HashSet<String>)> = vec![
        (
            "objectClass".into(),
            set(&["inetOrgPerson", "zszoPerson", "eduPerson"]),
        ),
        ("uid".into(), set(&[login])),
        ("cn".into(), set(&["Jan Kowalski"])),
        ("sn".into(), set(&["Kowalski"])),
        ("givenName".into(), set(&["Jan"])),
    ];
    attrs.extend(extra);
    let mut ldap = connect_service().await;
    let res = ldap.add(&person, attrs).await.expect("add request");
    res.success()
        .unwrap_or_else(|e| panic!("add {person}: {e}"));
    person
}

/// [`add_person`] `<prefix>.<code>` in school `code` with `password` and `extra` attributes.
async fn person_with_password(
    code: &str,
    prefix: &str,
    password: &str,
    extra: Vec<(String, HashSet<String>)>,
) -> String {
    let mut attrs = vec![password_attr(password)];
    attrs.extend(extra);
    add_person(code, &format!("{prefix}.{code}"), attrs).await
}

fn person_dn(school_code: &str, login: &str) -> String {
    format!(
        "uid={},ou=pracownicy,{}",
        ldap3::dn_escape(login),
        common::school_dn(school_code)
    )
}

fn password_attr(password: &str) -> (String, HashSet<String>) {
    let hashed = slapd::argon2_userpassword(password).expect("hash");
    ("userPassword".to_owned(), set(&[&hashed]))
}

async fn read_entry(ldap: &mut ldap3::Ldap, dn: &str, attrs: &[&str]) -> Option<SearchEntry> {
    let (entries, _) = ldap
        .search(dn, Scope::Base, "(objectClass=*)", attrs.to_vec())
        .await
        .expect("search request")
        .success()
        .ok()?;
    entries.into_iter().next().map(SearchEntry::construct)
}

fn first<'a>(entry: &'a SearchEntry, attr: &str) -> Option<&'a str> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

#[tokio::test]
async fn schema_accepts_a_person_with_zszo_and_eduperson_attributes() {
    let code = common::unique_school_code();
    let school = common::create_school(&code).await;
    let person = add_person(
        &code,
        &format!("jan.kowalski.{code}"),
        vec![
            ("zszoSchoolCode".to_owned(), set(&[&code, "other-school"])),
            ("zszoPrimarySchoolCode".to_owned(), set(&[&code])),
            ("zszoEmploymentActive".to_owned(), set(&["TRUE"])),
            (
                "zszoAccountState".to_owned(),
                set(&["awaiting-first-login"]),
            ),
            (
                "zszoInitialPasswordExpiry".to_owned(),
                set(&["20300101000000Z"]),
            ),
            ("zszoAccountCreatedBy".to_owned(), set(&["admin.lokalny"])),
            ("zszoAccountCreatedAt".to_owned(), set(&["20250101120000Z"])),
            (
                "zszoAccountActivatedAt".to_owned(),
                set(&["20250102120000Z"]),
            ),
            (
                "zszoExternalUserName".to_owned(),
                set(&["J.Kowalski@HR.example"]),
            ),
            ("zszoExternalId".to_owned(), set(&[&format!("hr-{code}")])),
            (
                "zszoSearchName".to_owned(),
                set(&["jan kowalski", "kowalski jan"]),
            ),
            (
                "eduPersonAffiliation".to_owned(),
                set(&["staff", "employee", "member"]),
            ),
            ("eduPersonPrimaryAffiliation".to_owned(), set(&["staff"])),
            (
                "eduPersonPrincipalName".to_owned(),
                set(&[&format!("jan.kowalski.{code}@zszo.krakow.pl")]),
            ),
            (
                "eduPersonScopedAffiliation".to_owned(),
                set(&["staff@zszo.krakow.pl"]),
            ),
            ("eduPersonOrgDN".to_owned(), set(&[&common::ldap().base_dn])),
            ("eduPersonOrgUnitDN".to_owned(), set(&[&school])),
            ("eduPersonPrimaryOrgUnitDN".to_owned(), set(&[&school])),
            (
                "eduPersonEntitlement".to_owned(),
                set(&["urn:mace:dir:entitlement:common-lib-terms"]),
            ),
            (
                "eduPersonUniqueId".to_owned(),
                set(&[&format!("u-{code}@zszo.krakow.pl")]),
            ),
        ],
    )
    .await;

    let mut ldap = connect_service().await;
    // Matching rules work as declared: case-insensitive school code, substring search name,
    // ordering on generalized time.
    let filter = format!(
        "(&(zszoSchoolCode={})(zszoSearchName=*kowal*)(zszoInitialPasswordExpiry>=20290101000000Z)\
         (eduPersonAffiliation=STAFF))",
        code.to_uppercase()
    );
    let (found, _) = ldap
        .search(&school, Scope::Subtree, &filter, vec!["zszoAccountState"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(found.len(), 1);
    let entry = SearchEntry::construct(found.into_iter().next().unwrap());
    assert_eq!(entry.dn, person);
    assert_eq!(
        first(&entry, "zszoAccountState"),
        Some("awaiting-first-login")
    );

    // Single-valued attributes are single-valued.
    let res = ldap
        .modify(
            &person,
            vec![Mod::Add(
                "zszoPrimarySchoolCode".to_owned(),
                set(&["second"]),
            )],
        )
        .await
        .unwrap();
    assert_ne!(res.rc, 0, "zszoPrimarySchoolCode must be SINGLE-VALUE");

    // The school OU carries zszoSchool with its code.
    let school_entry = read_entry(&mut ldap, &school, &["zszoSchoolCode", "objectClass"])
        .await
        .expect("school entry");
    assert_eq!(first(&school_entry, "zszoSchoolCode"), Some(code.as_str()));
}

#[tokio::test]
async fn argon2_userpassword_binds_with_the_right_password_and_refuses_a_wrong_one() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let password = "S3cret-passphrase-ąę";
    let person = person_with_password(&code, "anna.nowak", password, vec![]).await;

    assert_eq!(common::bind_rc(&person, password).await, 0);
    assert_eq!(
        common::bind_rc(&person, "S3cret-passphrase-ae").await,
        INVALID_CREDENTIALS
    );
    // An unauthenticated bind (DN, empty password) is refused, never treated as anonymous.
    assert_eq!(common::bind_rc(&person, "").await, UNWILLING_TO_PERFORM);
}

#[tokio::test]
async fn pwd_reset_restricts_the_bound_user_and_only_the_service_sets_the_new_password() {
    let code = common::unique_school_code();
    let school = common::create_school(&code).await;
    let password = "initial-Passw0rd";
    let person = person_with_password(
        &code,
        "ewa.zielinska",
        password,
        vec![("pwdReset".to_owned(), set(&["TRUE"]))],
    )
    .await;

    let mut user = connect_as(&person, password).await;
    let res = user
        .search(&school, Scope::Subtree, "(objectClass=*)", vec!["cn"])
        .await
        .unwrap();
    assert_eq!(res.1.rc, INSUFFICIENT_ACCESS, "{:?}", res.1);
    assert!(res.0.is_empty());

    // The person cannot change the password themself (only the service writes passwords,
    // after the daemon's policy): Password Modify is refused, the one-time password stays.
    let change = ldap3::exop::PasswordModify {
        user_id: None,
        old_pass: Some(password),
        new_pass: Some("a"),
    };
    // slapd refuses it before looking at the new value: 53 ("unwilling to verify old
    // password": the person may not even compare their hash) or 50.
    let res = user.extended(change).await.unwrap();
    assert!(matches!(res.1.rc, 50 | 53), "{:?}", res.1);
    assert_eq!(common::bind_rc(&person, password).await, 0);
    assert_eq!(common::bind_rc(&person, "a").await, INVALID_CREDENTIALS);

    // The service writes the new hash and lifts the restriction in one Modify.
    let mut service = connect_service().await;
    service
        .modify(
            &person,
            vec![
                Mod::Replace(
                    "userPassword".to_owned(),
                    set(&[&slapd::argon2_userpassword("a-new-Passw0rd-of-her-own").unwrap()]),
                ),
                Mod::Replace("pwdReset".to_owned(), set(&["FALSE"])),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let mut again = connect_as(&person, "a-new-Passw0rd-of-her-own").await;
    let (entries, _) = again
        .search(&person, Scope::Base, "(objectClass=*)", vec!["cn"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(entries.len(), 1);
    let mut admin = connect_admin().await;
    let entry = read_entry(&mut admin, &person, &["pwdReset"])
        .await
        .unwrap();
    assert_eq!(first(&entry, "pwdReset"), Some("FALSE"));
}

#[tokio::test]
async fn pwd_end_time_in_the_past_makes_the_bind_fail_with_49() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let password = "one-time-Passw0rd";
    let expired = person_with_password(
        &code,
        "expired",
        password,
        vec![("pwdEndTime".to_owned(), set(&["20000101000000Z"]))],
    )
    .await;
    let valid = person_with_password(
        &code,
        "valid",
        password,
        vec![("pwdEndTime".to_owned(), set(&["20991231235959Z"]))],
    )
    .await;
    assert_eq!(
        common::bind_rc(&expired, password).await,
        INVALID_CREDENTIALS
    );
    assert_eq!(common::bind_rc(&valid, password).await, 0);
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_in_the_directory() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let password = "right-Passw0rd";
    let person = person_with_password(&code, "locked", password, vec![]).await;
    for _ in 0..10 {
        assert_eq!(common::bind_rc(&person, "wrong").await, INVALID_CREDENTIALS);
    }
    // Locked: even the right password fails, with the same generic error.
    assert_eq!(
        common::bind_rc(&person, password).await,
        INVALID_CREDENTIALS
    );
    let mut service = connect_service().await;
    let entry = read_entry(&mut service, &person, &["pwdAccountLockedTime"])
        .await
        .unwrap();
    assert!(first(&entry, "pwdAccountLockedTime").is_some());
    // The service can unlock.
    service
        .modify(
            &person,
            // pwdFailureTime is NO-USER-MODIFICATION; ppolicy clears it with the lock.
            vec![Mod::Delete(
                "pwdAccountLockedTime".to_owned(),
                HashSet::new(),
            )],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(common::bind_rc(&person, password).await, 0);
}

#[tokio::test]
async fn uid_is_unique_across_two_school_ous() {
    let (a, b) = (common::unique_school_code(), common::unique_school_code());
    common::create_school(&a).await;
    common::create_school(&b).await;
    let login = format!("jan.kowalski.dup.{a}");
    add_person(&a, &login, vec![]).await;

    let mut ldap = connect_service().await;
    let attrs = vec![
        (
            "objectClass".to_owned(),
            set(&["inetOrgPerson", "zszoPerson"]),
        ),
        ("uid".to_owned(), set(&[&login])),
        ("cn".to_owned(), set(&["Jan Kowalski"])),
        ("sn".to_owned(), set(&["Kowalski"])),
    ];
    let res = ldap.add(&person_dn(&b, &login), attrs).await.unwrap();
    assert_eq!(res.rc, CONSTRAINT_VIOLATION, "{res:?}");

    // The same for the SCIM externalId.
    let ext = format!("hr-dup-{a}");
    let res = ldap
        .modify(
            &person_dn(&a, &login),
            vec![Mod::Add("zszoExternalId".to_owned(), set(&[&ext]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, 0, "{res:?}");
    let attrs = vec![
        (
            "objectClass".to_owned(),
            set(&["inetOrgPerson", "zszoPerson"]),
        ),
        ("uid".to_owned(), set(&[&format!("other.{b}")])),
        ("cn".to_owned(), set(&["Other"])),
        ("sn".to_owned(), set(&["Other"])),
        ("zszoExternalId".to_owned(), set(&[&ext])),
    ];
    let res = ldap
        .add(&person_dn(&b, &format!("other.{b}")), attrs)
        .await
        .unwrap();
    assert_eq!(res.rc, CONSTRAINT_VIOLATION, "{res:?}");
}

#[tokio::test]
async fn an_empty_group_with_a_zero_length_member_is_accepted() {
    let code = common::unique_school_code();
    let school = common::create_school(&code).await;
    let group = format!("cn=nauczyciele,ou=grupy,{school}");
    let mut ldap = connect_service().await;
    ldap.add(
        &group,
        vec![
            ("objectClass".to_owned(), set(&["groupOfNames"])),
            ("cn".to_owned(), set(&["nauczyciele"])),
            ("member".to_owned(), set(&[""])),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    // The school's local-administrators group was created the same way; add a real member
    // next to the placeholder and see memberOf appear.
    let person = add_person(&code, &format!("admin.{code}"), vec![]).await;
    let admins = format!("cn=administratorzy-lokalni,ou=grupy,{school}");
    ldap.modify(
        &admins,
        vec![Mod::Add("member".to_owned(), set(&[&person]))],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let entry = read_entry(&mut ldap, &person, &["memberOf"]).await.unwrap();
    assert_eq!(
        first(&entry, "memberOf").map(str::to_ascii_lowercase),
        Some(admins.to_ascii_lowercase())
    );
    // The system administrators group was created with the placeholder, which stays when
    // other tests of this process add real members to it.
    let sys = read_entry(
        &mut ldap,
        &common::dn("cn=administratorzy-systemu,ou=system"),
        &["member"],
    )
    .await
    .unwrap();
    assert!(
        sys.attrs
            .get("member")
            .is_some_and(|m| m.contains(&String::new())),
        "{:?}",
        sys.attrs
    );
}

#[tokio::test]
async fn the_service_identity_manages_people_under_placowki_including_ppolicy_state() {
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let person = add_person(
        &code,
        &format!("managed.{code}"),
        vec![
            password_attr("first-Passw0rd"),
            ("pwdReset".to_owned(), set(&["TRUE"])),
        ],
    )
    .await;
    let mut ldap = connect_service().await;
    let new_hash = slapd::argon2_userpassword("second-Passw0rd").unwrap();
    ldap.modify(
        &person,
        vec![
            Mod::Replace("userPassword".to_owned(), set(&[&new_hash])),
            Mod::Replace("pwdReset".to_owned(), set(&["TRUE"])),
            Mod::Replace("pwdEndTime".to_owned(), set(&["20991231000000Z"])),
            Mod::Replace("pwdAccountLockedTime".to_owned(), set(&["000001010000Z"])),
            Mod::Replace("zszoAccountState".to_owned(), set(&["locked"])),
            Mod::Replace(
                "mail".to_owned(),
                set(&[&format!("managed.{code}@example.org")]),
            ),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let entry = read_entry(
        &mut ldap,
        &person,
        &[
            "pwdReset",
            "pwdEndTime",
            "pwdAccountLockedTime",
            "zszoAccountState",
        ],
    )
    .await
    .unwrap();
    assert_eq!(first(&entry, "pwdReset"), Some("TRUE"));
    assert_eq!(first(&entry, "pwdEndTime"), Some("20991231000000Z"));
    assert_eq!(first(&entry, "pwdAccountLockedTime"), Some("000001010000Z"));
    // Permanently locked: the new password does not bind.
    assert_eq!(
        common::bind_rc(&person, "second-Passw0rd").await,
        INVALID_CREDENTIALS
    );
    ldap.modify(
        &person,
        vec![
            Mod::Delete("pwdAccountLockedTime".to_owned(), HashSet::new()),
            Mod::Delete("pwdEndTime".to_owned(), HashSet::new()),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    assert_eq!(common::bind_rc(&person, "second-Passw0rd").await, 0);
    ldap.delete(&person).await.unwrap().success().unwrap();
    assert!(read_entry(&mut ldap, &person, &["uid"]).await.is_none());
}

#[tokio::test]
async fn the_service_identity_cannot_write_ou_system_or_cn_config() {
    let code = common::unique_school_code();
    let mut ldap = connect_service().await;
    let l = common::ldap();

    // It can read ou=system (the system administrators group)…
    let sys_admins = common::dn("cn=administratorzy-systemu,ou=system");
    assert!(read_entry(&mut ldap, &sys_admins, &["member"])
        .await
        .is_some());
    // …and grant the system-administrator role (an audited action of the connector)…
    let member = common::dn(&format!("uid=probe-{code},ou=system"));
    let res = ldap
        .modify(
            &sys_admins,
            vec![Mod::Add("member".to_owned(), set(&[&member]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, 0, "{res:?}");
    let res = ldap
        .modify(
            &sys_admins,
            vec![Mod::Delete("member".to_owned(), set(&[&member]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, 0, "{res:?}");
    // …but change nothing else of it, nor add to ou=system, nor touch the policy or its entry.
    let res = ldap
        .modify(
            &sys_admins,
            vec![Mod::Replace("description".to_owned(), set(&["owned"]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    let res = ldap
        .add(
            &common::dn(&format!("cn=intruder-{code},ou=system")),
            vec![
                ("objectClass".to_owned(), set(&["groupOfNames"])),
                ("cn".to_owned(), set(&[&format!("intruder-{code}")])),
                ("member".to_owned(), set(&[""])),
            ],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    let res = ldap
        .modify(
            &common::dn("cn=ppolicy-default,ou=system"),
            vec![Mod::Replace("pwdMaxFailure".to_owned(), set(&["1000"]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    let res = ldap
        .modify(
            &l.service_dn,
            vec![Mod::Replace("description".to_owned(), set(&["root"]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    let res = ldap.delete(&common::dn("ou=placowki")).await.unwrap();
    assert_ne!(res.rc, 0, "ou=placowki is not empty and must stay");
    // The base entry is read-only too.
    let res = ldap
        .modify(
            &l.base_dn,
            vec![Mod::Replace("description".to_owned(), set(&["x"]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");

    // cn=config is neither readable nor writable over the wire.
    let res = ldap
        .modify(
            "olcDatabase={1}mdb,cn=config",
            vec![Mod::Replace("olcRootDN".to_owned(), set(&[&l.service_dn]))],
        )
        .await
        .unwrap();
    assert!(
        matches!(res.rc, INSUFFICIENT_ACCESS | NO_SUCH_OBJECT),
        "{res:?}"
    );
    let res = ldap
        .search("cn=config", Scope::Subtree, "(objectClass=*)", vec!["*"])
        .await
        .unwrap();
    assert!(res.0.is_empty());

    // Other people's password hashes are not readable by ordinary users.
    common::create_school(&code).await;
    let me = add_person(
        &code,
        &format!("reader.{code}"),
        vec![password_attr("reader-Passw0rd")],
    )
    .await;
    let other = add_person(
        &code,
        &format!("other.{code}"),
        vec![password_attr("other-Passw0rd")],
    )
    .await;
    let mut user = connect_as(&me, "reader-Passw0rd").await;
    assert!(read_entry(&mut user, &other, &["cn", "userPassword"])
        .await
        .is_none());
    let own = read_entry(&mut user, &me, &["cn", "userPassword"])
        .await
        .expect("a person reads their own entry");
    assert_eq!(first(&own, "cn"), Some("Jan Kowalski"));
    assert!(own.bin_attrs.is_empty() && !own.attrs.contains_key("userPassword"));
    // …and an ordinary user cannot write people, nor read ou=system.
    let res = user
        .modify(
            &other,
            vec![Mod::Replace("cn".to_owned(), set(&["Hacked"]))],
        )
        .await
        .unwrap();
    assert_eq!(res.rc, INSUFFICIENT_ACCESS, "{res:?}");
    assert!(read_entry(&mut user, &sys_admins, &["member"])
        .await
        .is_none());
}

#[tokio::test]
async fn anonymous_clients_can_bind_but_not_search() {
    let l = common::ldap();
    let mut anon = connect_anonymous().await;
    for base in [
        l.base_dn.as_str(),
        &common::dn("ou=placowki"),
        &common::dn("ou=system"),
        "",
    ] {
        let scope = if base.is_empty() {
            Scope::Base
        } else {
            Scope::Subtree
        };
        let res = anon
            .search(base, scope, "(objectClass=*)", vec!["*", "+"])
            .await
            .unwrap();
        assert!(
            res.0.is_empty(),
            "anonymous read {} entries under {base:?}",
            res.0.len()
        );
    }
    // An anonymous bind itself is fine; it grants nothing more.
    let (rc, mut anon) = common::bind("", "").await;
    assert_eq!(rc, 0);
    let res = anon
        .search(&l.base_dn, Scope::Subtree, "(uid=*)", vec!["uid"])
        .await
        .unwrap();
    assert!(res.0.is_empty());
}

// ---- prepare / start / stop ----

/// Issue 14 finding 6: a start on a port where another slapd (even one that accepts the same
/// service password) already answers must not take that server for its own.
#[test]
fn a_start_where_another_slapd_answers_is_refused_not_taken_for_its_own() {
    slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let (service_pw, admin_pw) = (common::random_password(), common::random_password());
    let first = common::spec_in(dir.path().join("first"), &service_pw, &admin_pw);
    slapd::prepare(&first).unwrap();
    let running = slapd::start(&first).unwrap();
    let second = slapd::SlapdSpec {
        port: Some(running.port()),
        ..common::spec_in(dir.path().join("second"), &service_pw, &admin_pw)
    };
    slapd::prepare(&second).unwrap();
    match slapd::start(&second) {
        Err(slapd::SlapdError::PortTaken { port }) => assert_eq!(port, running.port()),
        Err(other) => panic!("expected PortTaken, got {other}"),
        Ok(taken) => panic!(
            "took the slapd on port {} (pid {:?}) for its own",
            taken.port(),
            taken.pid()
        ),
    }
    // The first one still answers.
    assert!(TcpStream::connect(("127.0.0.1", running.port())).is_ok());
    running.stop().unwrap();
}

#[test]
fn prepare_is_idempotent_and_data_survives_a_restart() {
    slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let service_pw = common::random_password();
    let admin_pw = common::random_password();
    let spec = common::spec_in(dir.path().join("data"), &service_pw, &admin_pw);
    assert!(slapd::prepare(&spec).unwrap().fresh);
    assert!(!slapd::prepare(&spec).unwrap().fresh);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let instance = slapd::start(&spec).unwrap();
    let (url, service_dn) = (instance.url(), instance.service_dn());
    let marker = format!("ou=restart-marker,ou=placowki,{}", common::BASE_DN);
    rt.block_on(async {
        let mut ldap = common::connect_at(&url, &service_dn, &service_pw).await;
        ldap.add(
            &marker,
            vec![
                ("objectClass".to_owned(), set(&["organizationalUnit"])),
                ("ou".to_owned(), set(&["restart-marker"])),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
        let _ = ldap.unbind().await;
    });
    instance.stop().unwrap();
    assert!(
        TcpStream::connect(url.trim_start_matches("ldap://").trim_end_matches('/')).is_err(),
        "stopped slapd still listens"
    );

    // A second prepare with other passwords changes nothing: the directory keeps its own.
    let other = common::spec_in(dir.path().join("data"), "ignored-1", "ignored-2");
    assert!(!slapd::prepare(&other).unwrap().fresh);
    let err = slapd::start(&other).unwrap_err();
    assert!(
        err.to_string().contains("refused the service identity"),
        "{err}"
    );

    let instance = slapd::start(&spec).unwrap();
    let url = instance.url();
    rt.block_on(async {
        let mut ldap = common::connect_at(&url, &service_dn, &service_pw).await;
        let (entries, _) = ldap
            .search(&marker, Scope::Base, "(objectClass=*)", vec!["ou"])
            .await
            .unwrap()
            .success()
            .unwrap();
        assert_eq!(entries.len(), 1, "data kept across restart");
        let _ = ldap.unbind().await;
    });
    drop(instance); // Drop stops it too.
}

#[test]
fn start_reports_a_missing_configuration_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let spec = common::spec_in(dir.path().to_owned(), "a", "b");
    let err = slapd::start(&spec).unwrap_err();
    assert!(err.to_string().contains("call prepare first"), "{err}");
}

const ORPHAN_DIR_ENV: &str = "ZSZO_TEST_ORPHAN_SLAPD_DIR";
const ORPHAN_MODE_ENV: &str = "ZSZO_TEST_ORPHAN_SLAPD_MODE";

/// Not a test on its own: the child process of the orphan-safety tests. Without the
/// environment variable it does nothing.
#[test]
fn orphan_helper_process() {
    let Some(dir) = std::env::var_os(ORPHAN_DIR_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let spec = common::spec_in(dir.join("data"), "svc-orphan", "admin-orphan");
    slapd::prepare(&spec).unwrap();
    let instance = slapd::start(&spec).unwrap();
    std::fs::write(dir.join("port.tmp"), instance.port().to_string()).unwrap();
    std::fs::rename(dir.join("port.tmp"), dir.join("port")).unwrap();
    if std::env::var(ORPHAN_MODE_ENV).as_deref() == Ok("hang") {
        std::thread::sleep(Duration::from_secs(120));
    }
    // Leave without stopping slapd, like a test process whose static instance is never dropped.
    std::mem::forget(instance);
    std::process::exit(0);
}

fn spawn_orphan_helper(dir: &Path, mode: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "slapd_directory::orphan_helper_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ORPHAN_DIR_ENV, dir)
        .env(ORPHAN_MODE_ENV, mode)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn wait_for_port_file(dir: &Path) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(s) = std::fs::read_to_string(dir.join("port")) {
            return s.trim().parse().unwrap();
        }
        assert!(Instant::now() < deadline, "the helper never started slapd");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_port_closes(port: u16) {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "slapd on port {port} outlived the process that started it"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn slapd_does_not_outlive_a_process_that_exits_without_stopping_it() {
    slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_orphan_helper(dir.path(), "exit");
    let status = child.wait().unwrap();
    assert!(status.success(), "helper failed: {status}");
    let port = wait_for_port_file(dir.path());
    assert_port_closes(port);
}

#[test]
fn slapd_does_not_outlive_a_process_killed_with_sigkill() {
    slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_orphan_helper(dir.path(), "hang");
    let port = wait_for_port_file(dir.path());
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    assert!(
        TcpStream::connect(addr).is_ok(),
        "slapd is up while its parent lives"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_port_closes(port);
}
