use super::*;
use proptest::prelude::*;

fn path(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    }
}

fn eq(p: AttrPath, v: &str) -> Expr {
    Expr::Attr(p, Test::Compare(Op::Eq, Literal::Str(v.to_owned())))
}

#[test]
fn operators_and_keywords_are_case_insensitive() {
    assert_eq!(
        parse_filter(r#"userName EQ "bjensen" AND title Pr"#).unwrap(),
        Expr::And(vec![
            eq(path(None, "userName", None), "bjensen"),
            Expr::Attr(path(None, "title", None), Test::Present),
        ])
    );
}

#[test]
fn and_binds_tighter_than_or_and_parentheses_group() {
    let f = parse_filter("a pr or b pr and c pr").unwrap();
    assert!(matches!(&f, Expr::Or(items) if matches!(items[1], Expr::And(_))));
    let g = parse_filter("(a pr or b pr) and c pr").unwrap();
    assert!(matches!(&g, Expr::And(items) if matches!(items[0], Expr::Or(_))));
}

#[test]
fn not_accepts_optional_space_before_the_parenthesis() {
    for text in ["not (a pr)", "not(a pr)", "NOT (a pr)"] {
        assert!(
            matches!(parse_filter(text).unwrap(), Expr::Not(_)),
            "{text}"
        );
    }
}

#[test]
fn values_are_json_literals_with_escapes() {
    let table: &[(&str, Literal)] = &[
        (r#"a eq "x\"y\u0041\\""#, Literal::Str("x\"yA\\".into())),
        (r#"a eq "Łukasz""#, Literal::Str("Łukasz".into())),
        ("a eq true", Literal::Bool(true)),
        ("a eq False", Literal::Bool(false)),
        ("a eq null", Literal::Null),
        (
            "a eq -12.5e2",
            Literal::Number(serde_json::from_str("-12.5e2").unwrap()),
        ),
    ];
    for (text, want) in table {
        match parse_filter(text).unwrap() {
            Expr::Attr(_, Test::Compare(Op::Eq, got)) => assert_eq!(&got, want, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn urn_qualified_and_dotted_paths_split_into_parts() {
    let table = [
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            path(
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
                "employeeNumber",
                None,
            ),
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
            path(
                Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                "name",
                Some("givenName"),
            ),
        ),
        (
            "meta.lastModified",
            path(None, "meta", Some("lastModified")),
        ),
        ("members.$ref", path(None, "members", Some("$ref"))),
    ];
    for (text, want) in table {
        assert_eq!(parse_attr_path(text), Some(want), "{text}");
    }
    for bad in ["a.b.c", "1a", "x:y", "a.", ".a", "urn:"] {
        assert_eq!(parse_attr_path(bad), None, "{bad}");
    }
}

#[test]
fn value_paths_parse_with_and_without_a_trailing_comparison() {
    let f = parse_filter(r#"emails[type eq "work" and value co "@x"]"#).unwrap();
    assert!(
        matches!(&f, Expr::ValuePath { then: None, filter, .. } if matches!(**filter, Expr::And(_)))
    );
    let g = parse_filter(r#"emails[type eq "work"].value eq "a@b.pl""#).unwrap();
    match g {
        Expr::ValuePath {
            then: Some((sub, Test::Compare(Op::Eq, Literal::Str(v)))),
            ..
        } => assert_eq!((sub.as_str(), v.as_str()), ("value", "a@b.pl")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_filters_are_refused_with_a_position() {
    for bad in [
        "",
        "   ",
        "userName",
        "userName eq",
        r#"userName eq "x"#,
        r#"userName xx "x""#,
        r#"userName eq "x" and"#,
        r#"(userName eq "x""#,
        r#"userName eq "x")"#,
        r#"emails[type eq "work"]]"#,
        r#"emails[addr[type pr]]"#,
        r#"userName eq bjensen"#,
        "a eq 1.2.3",
        "a eq \"\u{1}\"",
        "a pr; b pr",
    ] {
        assert!(parse_filter(bad).is_err(), "{bad:?} must be refused");
    }
}

#[test]
fn nesting_beyond_the_limit_is_refused_and_at_the_limit_accepted() {
    let nested = |n: usize| format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
    assert!(parse_filter(&nested(MAX_DEPTH)).is_ok());
    let e = parse_filter(&nested(MAX_DEPTH + 1)).unwrap_err();
    assert!(e.message.contains("deeper"), "{e}");
    let nots = format!(
        "{}a pr{}",
        "not (".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert!(parse_filter(&nots).is_err());
}

#[test]
fn filters_longer_than_four_kibibytes_are_refused() {
    let long = format!(r#"userName eq "{}""#, "a".repeat(MAX_FILTER_LEN));
    assert!(parse_filter(&long).unwrap_err().message.contains("longer"));
    let many = vec!["a pr"; 500].join(" or ");
    assert!(many.len() < MAX_FILTER_LEN);
    assert!(parse_filter(&many).is_ok());
}

#[test]
fn patch_paths_parse_value_filters_and_sub_attributes() {
    let p = parse_patch_path(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(p.attr, path(None, "emails", None));
    assert_eq!(p.sub.as_deref(), Some("value"));
    assert!(p.filter.is_some());
    let m = parse_patch_path(r#"members[value eq "2819c223"]"#).unwrap();
    assert!(m.sub.is_none() && m.filter.is_some());
    let u = parse_patch_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
        .unwrap();
    assert_eq!(u.attr.name, "manager");
    for bad in [
        "",
        "a b",
        "emails[type eq \"work\"]value",
        "emails[",
        "a pr",
        "1x",
    ] {
        assert!(parse_patch_path(bad).is_err(), "{bad:?}");
    }
}

/// The RFC 7644 §3.4.2.2 examples: both this parser and `scim_v2`'s accept every one.
#[test]
fn both_parsers_accept_every_rfc_example() {
    let examples = [
        r#"userName eq "bjensen""#,
        r#"name.familyName co "O'Malley""#,
        r#"userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        "title pr",
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"title pr or userType eq "Intern""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    ];
    for text in examples {
        assert!(parse_filter(text).is_ok(), "ours refused {text}");
        assert!(
            text.parse::<scim_v2::filter::Filter>().is_ok(),
            "scim_v2 refused {text}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse_filter(&text);
        let _ = parse_patch_path(&text);
    }

    #[test]
    fn random_filter_shaped_text_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("("), Just(")"), Just("["), Just("]"), Just(" and "), Just(" or "),
                Just("not "), Just(" eq "), Just(" pr"), Just("\""), Just("\\"), Just("."),
                Just("emails"), Just("urn:x:y"), Just("1e"), Just("-"), Just("true"),
                Just("ł"), Just(":"),
            ],
            0..60,
        )
    ) {
        let text: String = parts.concat();
        let _ = parse_filter(&text);
        let _ = parse_patch_path(&text);
    }
}
