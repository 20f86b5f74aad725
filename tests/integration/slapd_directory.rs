//! The generated slapd (`zszo_connector::slapd`) against the real server: schema, `{ARGON2}`
//! binds, password policy, uniqueness, empty groups, ACLs, restart and orphan safety.
//! Every test works in its own school (`unique_school_code()`).

use crate::common::{self, connect_service};
use ldap3::{Mod, Scope, SearchEntry};
use std::collections::HashSet;
use zszo_connector::slapd;

#[path = "slapd_directory_access.rs"]
mod access;
#[path = "slapd_directory_lifecycle.rs"]
mod lifecycle;
#[path = "slapd_directory_passwords.rs"]
mod passwords;

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
