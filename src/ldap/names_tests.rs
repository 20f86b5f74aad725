//! Unit tests of DN and filter construction: tables of hostile values and property tests that
//! an escaped value never leaves its RDN or its assertion value.

use super::*;
use crate::ldap::test_fixtures::code;
use ldap3::asn1::{ASNTag, StructureTag, PL};
use proptest::prelude::*;

fn layout() -> Layout {
    Layout::new("dc=zszo,dc=krakow,dc=pl").unwrap()
}

#[test]
fn dn_values_are_escaped_per_rfc_4514() {
    let table: &[(&str, &str)] = &[
        ("plain", "plain"),
        ("a,b", "a\\2cb"),
        ("a+b", "a\\2bb"),
        ("say \"hi\"", "say \\22hi\\22"),
        ("back\\slash", "back\\5cslash"),
        ("<tag>", "\\3ctag\\3e"),
        ("a;b", "a\\3bb"),
        ("a=b", "a\\3db"),
        ("#hash", "\\23hash"),
        ("mid#hash", "mid#hash"),
        (" leading", "\\20leading"),
        ("trailing ", "trailing\\20"),
        (" ", "\\20"),
        ("inner space", "inner space"),
        ("nul\0byte", "nul\\00byte"),
        ("Łukasz Żółć", "Łukasz Żółć"),
        ("*()", "*()"),
    ];
    for (raw, expected) in table {
        assert_eq!(escape_dn_value(raw), *expected, "value {raw:?}");
        assert_eq!(
            parse_rdn_values(&format!("cn={}", escape_dn_value(raw))),
            [*raw]
        );
    }
}

#[test]
fn filter_values_are_escaped_per_rfc_4515() {
    let table: &[(&str, &str)] = &[
        ("jan.kowalski", "jan.kowalski"),
        ("*", "\\2a"),
        (
            "*)(uid=*))(|(uid=*",
            "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a",
        ),
        ("admin)(!(&(1=0", "admin\\29\\28!\\28&\\281=0"),
        ("*)(&", "\\2a\\29\\28&"),
        ("\\", "\\5c"),
        ("\0", "\\00"),
        ("a,b+c\"<>;=#", "a,b+c\"<>;=#"),
        ("Łukasz", "Łukasz"),
    ];
    for (raw, expected) in table {
        assert_eq!(escape_filter_value(raw), *expected, "value {raw:?}");
        assert_eq!(
            Filter::eq("uid", *raw).render(),
            format!("(uid={expected})")
        );
    }
}

#[test]
fn layout_builds_the_fixed_tree() {
    let l = layout();
    let c = code("SP-12");
    let login = LoginName::parse("jan.kowalski").unwrap();
    let table = [
        (l.schools_dn(), "ou=placowki,dc=zszo,dc=krakow,dc=pl"),
        (
            l.school_dn(&c),
            "ou=SP-12,ou=placowki,dc=zszo,dc=krakow,dc=pl",
        ),
        (
            l.people_dn(&c),
            "ou=pracownicy,ou=SP-12,ou=placowki,dc=zszo,dc=krakow,dc=pl",
        ),
        (
            l.groups_dn(&c),
            "ou=grupy,ou=SP-12,ou=placowki,dc=zszo,dc=krakow,dc=pl",
        ),
        (
            l.local_admins_dn(&c),
            "cn=administratorzy-lokalni,ou=grupy,ou=SP-12,ou=placowki,dc=zszo,dc=krakow,dc=pl",
        ),
        (
            l.system_admins_dn(),
            "cn=administratorzy-systemu,ou=system,dc=zszo,dc=krakow,dc=pl",
        ),
        (
            l.person_dn(&c, &login),
            "uid=jan.kowalski,ou=pracownicy,ou=SP-12,ou=placowki,dc=zszo,dc=krakow,dc=pl",
        ),
    ];
    for (built, expected) in table {
        assert_eq!(built, expected);
    }
    assert_eq!(
        l.role_group_dn(&AdminRole::LocalAdministrator(c.clone())),
        l.local_admins_dn(&c)
    );
    assert_eq!(
        l.role_group_dn(&AdminRole::SystemAdministrator),
        l.system_admins_dn()
    );
}

#[test]
fn a_role_group_is_known_by_its_exact_dn() {
    let l = layout();
    let sp1 = code("SP1");
    for role in [
        AdminRole::SystemAdministrator,
        AdminRole::LocalAdministrator(sp1.clone()),
    ] {
        let dn = l.role_group_dn(&role);
        assert_eq!(l.role_of_group(&dn), Some(role.clone()));
        assert_eq!(l.role_of_group(&dn.to_uppercase()), Some(role));
    }
    let not_roles = [
        // A SCIM group of the same school.
        format!("cn=nauczyciele,{}", l.groups_dn(&sp1)),
        // The same RDNs one level deeper, or under another base.
        format!(
            "cn=administratorzy-lokalni,ou=grupy,ou=SP1,ou=x,{}",
            l.schools_dn()
        ),
        "cn=administratorzy-lokalni,ou=grupy,ou=SP1,ou=placowki,dc=other".to_owned(),
        "cn=administratorzy-systemu,ou=system,dc=other".to_owned(),
        // A person.
        l.person_dn(&sp1, &LoginName::parse("jan.kowalski").unwrap()),
        String::new(),
    ];
    for dn in not_roles {
        assert_eq!(l.role_of_group(&dn), None, "{dn}");
    }
}

#[test]
fn layout_refuses_a_base_that_is_not_a_dn() {
    assert!(Layout::new("").is_err());
    assert!(Layout::new("  zszo ").is_err());
    assert_eq!(Layout::new(" dc=x ").unwrap().base_dn(), "dc=x");
}

#[test]
fn eppn_scope_comes_from_the_dc_components() {
    assert_eq!(
        eppn_scope_from_base("dc=zszo,dc=krakow,dc=pl").as_deref(),
        Some("zszo.krakow.pl")
    );
    assert_eq!(
        eppn_scope_from_base("o=ZSZO, DC=Krakow ,dc=PL").as_deref(),
        Some("krakow.pl")
    );
    assert_eq!(eppn_scope_from_base("o=zszo"), None);
}

#[test]
fn filters_render_with_every_value_escaped() {
    let f = Filter::and([
        Filter::object_class("zszoPerson"),
        Filter::or([
            Filter::eq("uid", "a*"),
            Filter::contains("zszoSearchName", "ko(wal"),
            Filter::starts_with("sn", "x\\"),
            Filter::Substring {
                attr: "cn",
                initial: Some("a)".into()),
                any: vec!["b*".into(), String::new()],
                last: Some("c\0".into()),
            },
        ]),
        Filter::not(Filter::present("pwdAccountLockedTime")),
    ]);
    assert_eq!(
        f.render(),
        "(&(objectClass=zszoPerson)(|(uid=a\\2a)(zszoSearchName=*ko\\28wal*)(sn=x\\5c*)\
         (cn=a\\29*b\\2a*c\\00))(!(pwdAccountLockedTime=*)))"
    );
    assert!(ldap3::parse_filter(f.render()).is_ok());
    assert_eq!(Filter::and([]).render(), "(&)");
    assert_eq!(Filter::or([]).render(), "(|)");
}

#[test]
fn the_classic_injection_payload_stays_one_equality_assertion() {
    let payload = "*)(uid=*";
    let rendered = Filter::and([
        Filter::object_class("zszoPerson"),
        Filter::eq("uid", payload),
    ])
    .render();
    assert_eq!(equality_values(&rendered), ["zszoPerson", payload]);
}

// ---- helpers: independent parsers used to check that escaped values stay in place ----

/// Splits a DN string into its RDN values (single-valued RDNs), undoing RFC 4514 §3 escapes.
/// Panics on a multi-valued RDN or malformed escape, which the tests treat as a failure.
fn parse_rdn_values(dn: &str) -> Vec<String> {
    let bytes = dn.as_bytes();
    let mut values = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let eq = dn[i..].find('=').expect("attribute type") + i;
        i = eq + 1;
        let mut value = Vec::new();
        while i < bytes.len() && bytes[i] != b',' {
            match bytes[i] {
                b'\\' => {
                    let next = bytes[i + 1];
                    if next.is_ascii_hexdigit() {
                        let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                        value.push(u8::from_str_radix(hex, 16).expect("hexpair"));
                        i += 3;
                    } else {
                        value.push(next);
                        i += 2;
                    }
                }
                b'+' => panic!("unescaped '+' starts a second AVA in {dn:?}"),
                b => {
                    assert!(
                        !matches!(b, b'"' | b';' | b'<' | b'>' | 0),
                        "unescaped {b:?} in {dn:?}"
                    );
                    value.push(b);
                    i += 1;
                }
            }
        }
        values.push(String::from_utf8(value).unwrap());
        i += 1;
    }
    values
}

/// Parses a filter with ldap3's own parser and returns every equality assertion's value, in order.
fn equality_values(filter: &str) -> Vec<String> {
    fn walk(tag: &StructureTag, out: &mut Vec<String>) {
        match &tag.payload {
            PL::C(children) if tag.id == 3 => {
                if let PL::P(v) = &children[1].payload {
                    out.push(String::from_utf8(v.clone()).unwrap());
                }
            }
            PL::C(children) => children.iter().for_each(|c| walk(c, out)),
            PL::P(_) => {}
        }
    }
    let tag = ldap3::parse_filter(filter)
        .expect("filter parses")
        .into_structure();
    let mut out = Vec::new();
    walk(&tag, &mut out);
    out
}

fn hostile_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(vec![
                '*', '(', ')', '\\', ',', '+', '"', '<', '>', ';', '=', '#', ' ', '\0', 'ł', 'Ż',
                'ą', 'a', 'Z', '0',
            ]),
            any::<char>(),
        ],
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn an_escaped_dn_value_is_exactly_one_rdn_value(s in hostile_string()) {
        let dn = format!("uid={},ou=pracownicy,dc=x", escape_dn_value(&s));
        let values = parse_rdn_values(&dn);
        prop_assert_eq!(values, vec![s, "pracownicy".to_owned(), "x".to_owned()]);
    }

    #[test]
    fn an_escaped_filter_value_is_exactly_one_assertion_value(s in hostile_string()) {
        let escaped = escape_filter_value(&s);
        prop_assert!(!escaped.contains(['*', '(', ')', '\0']));
        prop_assert_eq!(ldap3::ldap_unescape(escaped.as_ref()).unwrap(), s.as_str());
        let rendered = Filter::and([Filter::object_class("zszoPerson"), Filter::eq("uid", s.clone())]).render();
        prop_assert_eq!(equality_values(&rendered), vec!["zszoPerson".to_owned(), s]);
    }

    #[test]
    fn a_substring_filter_keeps_its_parts(s in hostile_string()) {
        let rendered = Filter::contains("zszoSearchName", s).render();
        prop_assert!(ldap3::parse_filter(&rendered).is_ok(), "{}", rendered);
    }
}

#[test]
fn dn_keys_ignore_escaping_style_spaces_and_case() {
    assert_eq!(
        dn_key("cn=Rada\\2C x,OU=grupy, dc=X"),
        dn_key("cn=rada\\, X,ou=Grupy,dc=x")
    );
    assert_ne!(dn_key("cn=a,dc=x"), dn_key("cn=b,dc=x"));
    assert_eq!(dn_key("uid=a\\5cb,dc=x"), "uid=a\\b,dc=x");
}
