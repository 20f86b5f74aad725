//! Property: what a client writes is what it reads. Random valid Users are written with POST,
//! then replaced with PUT, then changed with PATCH into another random User, against the real
//! router and slapd; after each write a GET shows exactly what was written, modulo the
//! normalisations of [`NORMALISATIONS`] (also in the README, "Round trips"), applied by
//! [`expected`] and nowhere else.

use crate::scim_support::{ScimApp, PATCH, USER};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Everything a read may show differently from what was written, for the Users this test
/// writes (README "Round trips" lists all seven; the others — title/position, school order,
/// repeated values, trimming — cannot occur in these bodies).
#[allow(dead_code)] // documentation the test's `expected` follows, item by item
pub const NORMALISATIONS: [&str; 3] = [
    "displayName not given reads as \"givenName familyName\"",
    "name.formatted not given reads as \"givenName familyName\"",
    "primary not given reads as false",
];

#[derive(Debug, Clone)]
struct Contact {
    value: String,
    kind: Option<&'static str>,
    primary: Option<bool>,
}

#[derive(Debug, Clone)]
struct User {
    given: &'static str,
    family: &'static str,
    formatted: Option<String>,
    display: Option<String>,
    title: Option<&'static str>,
    active: bool,
    emails: Vec<Contact>,
    phones: Vec<Contact>,
    employee_number: Option<String>,
    department: Option<&'static str>,
    organization: Option<&'static str>,
}

fn contacts(
    kinds: &'static [&'static str],
    value: fn(usize, u32) -> String,
) -> impl Strategy<Value = Vec<Contact>> {
    prop::collection::vec(
        (
            prop::option::of(prop::sample::select(kinds)),
            prop::option::of(any::<bool>()),
            any::<u32>(),
        ),
        0..4,
    )
    .prop_map(move |items| {
        let mut seen_primary = false;
        items
            .into_iter()
            .enumerate()
            .map(|(i, (kind, primary, salt))| {
                // At most one primary (RFC 7643 §2.4).
                let primary = primary.map(|p| {
                    let p = p && !seen_primary;
                    seen_primary |= p;
                    p
                });
                Contact {
                    value: value(i, salt),
                    kind,
                    primary,
                }
            })
            .collect()
    })
}

fn user() -> impl Strategy<Value = User> {
    let names = (
        prop::sample::select(vec!["Anna", "Łukasz", "Zofia", "Jan", "Żaneta"]),
        prop::sample::select(vec!["Nowak", "Żółkiewska", "Kowalski", "Wiśniewska-Bąk"]),
    );
    let text = (
        prop::option::of("[A-Za-zżółć .-]{1,30}".prop_map(|s| s.trim().to_owned()))
            .prop_map(|s| s.filter(|s| !s.is_empty())),
        prop::option::of("[A-Za-zżółć ]{1,30}".prop_map(|s| s.trim().to_owned()))
            .prop_map(|s| s.filter(|s| !s.is_empty())),
        prop::option::of(prop::sample::select(vec![
            "nauczyciel matematyki",
            "dyrektor",
            "pedagog szkolny",
        ])),
        any::<bool>(),
    );
    let contact_lists = (
        contacts(&["work", "home", "other"], |i, s| {
            format!("a{i}.{s}@szkola{i}.example")
        }),
        contacts(&["work", "mobile", "home", "fax", "other"], |i, s| {
            format!("+48 12 {:03} {i:02} {:02}", s % 1000, s % 97)
        }),
    );
    let enterprise = (
        prop::option::of("[A-Z0-9][A-Z0-9/.-]{0,63}"),
        prop::option::of(prop::sample::select(vec!["Matematyka", "Fizyka"])),
        prop::option::of(prop::sample::select(vec!["ZSZO Kraków", "UMK"])),
    );
    (names, text, contact_lists, enterprise).prop_map(
        |(
            (given, family),
            (formatted, display, title, active),
            (emails, phones),
            (employee_number, department, organization),
        )| User {
            given,
            family,
            formatted,
            display,
            title,
            active,
            emails,
            phones,
            employee_number,
            department,
            organization,
        },
    )
}

fn contact_json(c: &Contact) -> Value {
    let mut m = Map::new();
    m.insert("value".into(), json!(c.value));
    if let Some(k) = c.kind {
        m.insert("type".into(), json!(k));
    }
    if let Some(p) = c.primary {
        m.insert("primary".into(), json!(p));
    }
    Value::Object(m)
}

/// The writable attributes of `u` as a body's top-level keys (absent ones left out).
fn attributes(u: &User, user_name: &str) -> Map<String, Value> {
    let mut name = Map::new();
    name.insert("givenName".into(), json!(u.given));
    name.insert("familyName".into(), json!(u.family));
    if let Some(f) = &u.formatted {
        name.insert("formatted".into(), json!(f));
    }
    let mut m = Map::new();
    m.insert("userName".into(), json!(user_name));
    m.insert("name".into(), Value::Object(name));
    m.insert("active".into(), json!(u.active));
    if let Some(d) = &u.display {
        m.insert("displayName".into(), json!(d));
    }
    if let Some(t) = u.title {
        m.insert("title".into(), json!(t));
    }
    if !u.emails.is_empty() {
        m.insert("emails".into(), u.emails.iter().map(contact_json).collect());
    }
    if !u.phones.is_empty() {
        m.insert(
            "phoneNumbers".into(),
            u.phones.iter().map(contact_json).collect(),
        );
    }
    let mut e = Map::new();
    if let Some(n) = &u.employee_number {
        e.insert("employeeNumber".into(), json!(n));
    }
    if let Some(d) = u.department {
        e.insert("department".into(), json!(d));
    }
    if let Some(o) = u.organization {
        e.insert("organization".into(), json!(o));
    }
    m.insert(ENTERPRISE.into(), Value::Object(e));
    m
}

fn body(u: &User, user_name: &str) -> Value {
    let mut m = attributes(u, user_name);
    m.insert("schemas".into(), json!([USER, ENTERPRISE]));
    Value::Object(m)
}

/// The PATCH that turns any User into `u`: replace what `u` has, remove what it has not.
fn patch_to(u: &User, user_name: &str) -> Value {
    let attrs = attributes(u, user_name);
    let mut ops = vec![json!({"op": "replace", "value": Value::Object(attrs.clone())})];
    for (path, present) in [
        ("displayName", u.display.is_some()),
        ("name.formatted", u.formatted.is_some()),
        ("title", u.title.is_some()),
        ("emails", !u.emails.is_empty()),
        ("phoneNumbers", !u.phones.is_empty()),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            u.employee_number.is_some(),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            u.department.is_some(),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
            u.organization.is_some(),
        ),
    ] {
        if !present {
            ops.push(json!({"op": "remove", "path": path}));
        }
    }
    json!({"schemas": [PATCH], "Operations": ops})
}

/// What a GET must show for the written `u`: the body, with [`NORMALISATIONS`] applied.
fn expected(u: &User, user_name: &str) -> Value {
    let full = format!("{} {}", u.given, u.family);
    let mut m = attributes(u, user_name);
    // 1. displayName not given.
    m.entry("displayName").or_insert(json!(full));
    // 2. name.formatted not given.
    m["name"]
        .as_object_mut()
        .unwrap()
        .entry("formatted")
        .or_insert(json!(full));
    // 3. primary not given.
    for key in ["emails", "phoneNumbers"] {
        if let Some(Value::Array(items)) = m.get_mut(key) {
            for item in items {
                item.as_object_mut()
                    .unwrap()
                    .entry("primary")
                    .or_insert(json!(false));
            }
        }
    }
    Value::Object(m)
}

/// The same attributes, as read.
fn observed(read: &Value) -> Value {
    let mut m = Map::new();
    for key in [
        "userName",
        "name",
        "active",
        "displayName",
        "title",
        "emails",
        "phoneNumbers",
    ] {
        if let Some(v) = read.get(key) {
            m.insert(key.into(), v.clone());
        }
    }
    let mut e = read[ENTERPRISE].as_object().cloned().unwrap_or_default();
    e.remove("manager");
    m.insert(ENTERPRISE.into(), Value::Object(e));
    Value::Object(m)
}

#[test]
fn random_users_written_with_post_put_and_patch_read_back_as_written() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(ScimApp::start_configured(
        crate::scim_conformance::GUARD_FLOOR,
    ));
    let mut runner = TestRunner::new(Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(user(), user(), user()), |(first, second, third)| {
        // Email addresses are unique city-wide: each case's are its own.
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let own = |mut u: User| {
            for e in &mut u.emails {
                e.value = format!("{tag}.{}", e.value);
            }
            u
        };
        let (first, second, third) = (own(first), own(second), own(third));
        rt.block_on(async {
            let t = &app.token_a;
            let user_name = format!("{tag}@rt.example");
            let check = |u: &User, stage: &str, read: &Value| {
                assert_eq!(observed(read), expected(u, &user_name), "{stage} of {u:?}");
            };
            let a = app
                .call(t, Method::POST, "/Users", Some(body(&first, &user_name)))
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
            let id = a.body["id"].as_str().unwrap().to_owned();
            check(&first, "POST answer", &a.body);
            check(
                &first,
                "GET after POST",
                &app.get(t, &format!("/Users/{id}")).await.body,
            );

            let a = app
                .call(
                    t,
                    Method::PUT,
                    &format!("/Users/{id}"),
                    Some(body(&second, &user_name)),
                )
                .await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            check(
                &second,
                "GET after PUT",
                &app.get(t, &format!("/Users/{id}")).await.body,
            );

            let a = app
                .call(
                    t,
                    Method::PATCH,
                    &format!("/Users/{id}"),
                    Some(patch_to(&third, &user_name)),
                )
                .await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            check(
                &third,
                "GET after PATCH",
                &app.get(t, &format!("/Users/{id}")).await.body,
            );
        });
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
