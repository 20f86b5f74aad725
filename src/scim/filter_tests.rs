use super::*;
use crate::domain::query::Filter as F;
use crate::domain::query::{EmailKind, PhoneKind};
use crate::scim::ScimType;
use proptest::prelude::*;
use time::macros::datetime;

fn s(v: &str) -> Value {
    Value::Str(v.to_owned())
}

fn cmp(a: PersonAttr, o: CompareOp, v: Value) -> PersonFilter {
    F::Compare(a, o, v)
}

#[test]
fn entra_and_okta_queries_translate_to_domain_filters() {
    use CompareOp::Eq;
    use PersonAttr as P;
    let table: Vec<(&str, PersonFilter)> =
        vec![
        // Okta existence check (scim-clients.md, Okta 1).
        (
            r#"userName eq "anna.nowak@school.example""#,
            cmp(P::UserName, Eq, s("anna.nowak@school.example")),
        ),
        // Entra matching attributes (scim-clients.md, Entra 7).
        (r#"externalId eq "a1b2""#, cmp(P::ExternalId, Eq, s("a1b2"))),
        (
            r#"emails[type eq "work"].value eq "anna@sp1.krakow.pl""#,
            cmp(P::Email(Some(EmailKind::Work)), Eq, s("anna@sp1.krakow.pl")),
        ),
        (
            r#"userName eq "x" and externalId eq "y""#,
            F::And(vec![cmp(P::UserName, Eq, s("x")), cmp(P::ExternalId, Eq, s("y"))]),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"KR/1\"",
            cmp(P::EmployeeNumber, Eq, s("KR/1")),
        ),
        // Entra "test connection" with a random value (Entra 8): still a valid filter.
        (
            r#"id eq "1b4e28ba-2fa1-11d2-883f-0016d3cca427""#,
            cmp(P::Id, Eq, s("1b4e28ba-2fa1-11d2-883f-0016d3cca427")),
        ),
    ];
    for (text, want) in table {
        assert_eq!(parse_user_filter(text).unwrap(), want, "{text}");
    }
}

#[test]
fn rfc_style_filters_map_every_supported_attribute() {
    use CompareOp::*;
    use PersonAttr as P;
    let table: Vec<(&str, PersonFilter)> = vec![
        ("title pr", F::Present(P::Title)),
        (
            r#"name.familyName co "O'Malley""#,
            cmp(P::FamilyName, Contains, s("O'Malley")),
        ),
        (
            r#"NAME.GIVENNAME sw "J""#,
            cmp(P::GivenName, StartsWith, s("J")),
        ),
        (
            r#"displayName ew "ska""#,
            cmp(P::DisplayName, EndsWith, s("ska")),
        ),
        ("active eq true", cmp(P::Active, Eq, Value::Bool(true))),
        (
            r#"active eq "False""#,
            cmp(P::Active, Eq, Value::Bool(false)),
        ),
        (
            r#"emails co "@sp1""#,
            cmp(P::Email(None), Contains, s("@sp1")),
        ),
        (
            r#"emails.value ew ".pl""#,
            cmp(P::Email(None), EndsWith, s(".pl")),
        ),
        (
            r#"emails.type eq "work""#,
            F::Present(P::Email(Some(EmailKind::Work))),
        ),
        (
            r#"phoneNumbers[type eq "mobile"].value sw "+48""#,
            cmp(
                P::PhoneNumber(Some(PhoneKind::Mobile)),
                StartsWith,
                s("+48"),
            ),
        ),
        (
            r#"department eq "Matematyka""#,
            cmp(P::Department, Eq, s("Matematyka")),
        ),
        (r#"organization pr"#, F::Present(P::Organization)),
        (r#"manager.value eq "m-1""#, cmp(P::Manager, Eq, s("m-1"))),
        (
            "urn:zszo:params:scim:schemas:extension:zszo:2.0:User:schools eq \"12345\"",
            cmp(P::SchoolCode, Eq, s("12345")),
        ),
        (
            r#"primarySchool eq "SP-1""#,
            cmp(P::PrimarySchoolCode, Eq, s("SP-1")),
        ),
        (
            r#"position co "matematyki""#,
            cmp(P::Position, Contains, s("matematyki")),
        ),
        (
            r#"login eq "anna.nowak""#,
            cmp(P::Login, Eq, s("anna.nowak")),
        ),
        (
            r#"accountState eq "LOCKED""#,
            cmp(P::AccountState, Eq, s("locked")),
        ),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            cmp(
                P::LastModified,
                Gt,
                Value::DateTime(datetime!(2011-05-13 04:42:34 UTC)),
            ),
        ),
        (
            r#"employeeNumber eq 123"#,
            cmp(P::EmployeeNumber, Eq, s("123")),
        ),
        ("title eq null", F::Not(Box::new(F::Present(P::Title)))),
        ("title ne null", F::Present(P::Title)),
        (
            r#"not (userName ne "a")"#,
            F::Not(Box::new(cmp(P::UserName, Ne, s("a")))),
        ),
    ];
    for (text, want) in table {
        assert_eq!(parse_user_filter(text).unwrap(), want, "{text}");
    }
}

#[test]
fn type_terms_scope_their_siblings_inside_value_paths() {
    use CompareOp::*;
    let work = PersonAttr::Email(Some(EmailKind::Work));
    let table: Vec<(&str, PersonFilter)> = vec![
        (r#"emails[type eq "work"]"#, F::Present(work)),
        (
            r#"emails[type eq "work" and value co "@x"]"#,
            cmp(work, Contains, s("@x")),
        ),
        (
            r#"emails[value co "@x" and type eq "Work"]"#,
            cmp(work, Contains, s("@x")),
        ),
        (
            r#"emails[type eq "work" and (value sw "a" or value sw "b")]"#,
            F::Or(vec![
                cmp(work, StartsWith, s("a")),
                cmp(work, StartsWith, s("b")),
            ]),
        ),
        (
            r#"emails[value eq "a@b"]"#,
            cmp(PersonAttr::Email(None), Eq, s("a@b")),
        ),
        (
            r#"emails[type eq "work" or type eq "home"]"#,
            F::Or(vec![
                F::Present(work),
                F::Present(PersonAttr::Email(Some(EmailKind::Home))),
            ]),
        ),
    ];
    for (text, want) in table {
        assert_eq!(parse_user_filter(text).unwrap(), want, "{text}");
    }
}

#[test]
fn group_filters_cover_display_name_and_members() {
    use CompareOp::Eq;
    let table: Vec<(&str, GroupFilter)> = vec![
        // Entra looks groups up by displayName (Entra 7).
        (
            r#"displayName eq "Nauczyciele SP1""#,
            F::Compare(GroupAttr::DisplayName, Eq, s("Nauczyciele SP1")),
        ),
        (
            r#"members[value eq "u1"]"#,
            F::Compare(GroupAttr::Member, Eq, s("u1")),
        ),
        (
            r#"members.value eq "u1""#,
            F::Compare(GroupAttr::Member, Eq, s("u1")),
        ),
        (
            r#"externalId eq "g""#,
            F::Compare(GroupAttr::ExternalId, Eq, s("g")),
        ),
        ("meta.created pr", F::Present(GroupAttr::Created)),
    ];
    for (text, want) in table {
        assert_eq!(parse_group_filter(text).unwrap(), want, "{text}");
    }
}

#[test]
fn unsupported_attributes_are_invalid_filter_naming_the_attribute() {
    let table = [
        (r#"nickName eq "x""#, "nickName"),
        (r#"password eq "x""#, "password"),
        (r#"addresses[type eq "work"]"#, "addresses"),
        (r#"emails[primary eq true]"#, "emails.primary"),
        (r#"name pr"#, "name"),
        (r#"groups.value eq "g""#, "groups.value"),
        (
            r#"urn:example:User:userName eq "x""#,
            "urn:example:User:userName",
        ),
    ];
    for (text, name) in table {
        let e = parse_user_filter(text).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{text}");
        assert_eq!(e.status, 400);
        assert!(e.detail.contains(name), "{text}: {}", e.detail);
    }
    let e = parse_group_filter(r#"userName eq "x""#).unwrap_err();
    assert!(e.detail.contains("userName"));
}

#[test]
fn operators_and_values_must_fit_the_attribute() {
    for text in [
        r#"active co "t""#,
        r#"id sw "1b4e""#,
        r#"meta.created co "2011""#,
        r#"meta.created gt "yesterday""#,
        r#"active eq 1"#,
        r#"userName eq true"#,
        r#"accountState eq "enabled""#,
        r#"emails[type eq "pager"]"#,
        r#"emails[type eq "work" and type eq "home"]"#,
        r#"emails.type co "w""#,
        r#"userName gt null"#,
        r#"emails[type eq "work"].type eq "home""#,
    ] {
        let e = parse_user_filter(text).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{text}: {e}");
    }
}

#[test]
fn syntax_errors_and_limits_are_invalid_filter() {
    let deep = format!("{}title pr{}", "(".repeat(40), ")".repeat(40));
    let long = format!(r#"userName eq "{}""#, "x".repeat(5000));
    for text in [
        "",
        "userName eq",
        "userName eq \"a\" xor title pr",
        &deep,
        &long,
    ] {
        let e = parse_user_filter(text).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{text}");
    }
}

#[test]
fn translated_filters_stay_within_the_depth_limit() {
    let nested = |n: usize| format!("{}title pr{}", "not (".repeat(n), ")".repeat(n));
    let f = parse_user_filter(&nested(syntax::MAX_DEPTH)).unwrap();
    assert!(f.depth() <= syntax::MAX_DEPTH + 1);
}

#[test]
fn sort_by_resolves_like_filter_attributes() {
    assert_eq!(
        user_sort_attr("name.familyName").unwrap(),
        PersonAttr::FamilyName
    );
    assert_eq!(
        user_sort_attr("META.LASTMODIFIED").unwrap(),
        PersonAttr::LastModified
    );
    assert_eq!(
        group_sort_attr("displayName").unwrap(),
        GroupAttr::DisplayName
    );
    for bad in ["nickName", "name", "a b", ""] {
        let e = user_sort_attr(bad).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{bad}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_filters_never_panic(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("userName"), Just("emails"), Just("[type eq \"work\"]"), Just(".value"),
                Just(" eq "), Just(" co "), Just(" pr"), Just(" and "), Just(" or "), Just("not ("),
                Just("("), Just(")"), Just("\"x\""), Just("true"), Just("null"), Just("12"),
                Just("active"), Just("meta.created"), Just("members"), Just("[value eq \"1\"]"),
            ],
            0..30,
        )
    ) {
        let text: String = parts.concat();
        let _ = parse_user_filter(&text);
        let _ = parse_group_filter(&text);
    }
}

#[test]
fn account_requested_filters_on_the_pending_request() {
    let pending = F::Present(PersonAttr::AccountRequested);
    let not_pending = F::Not(Box::new(pending.clone()));
    for (text, want) in [
        ("accountRequested eq true", &pending),
        ("accountRequested pr", &pending),
        ("accountRequested ne false", &pending),
        (r#"accountRequested eq "True""#, &pending),
        (
            "urn:zszo:params:scim:schemas:extension:zszo:2.0:User:accountRequested eq true",
            &pending,
        ),
        ("accountRequested eq false", &not_pending),
        ("accountRequested ne true", &not_pending),
    ] {
        assert_eq!(&parse_user_filter(text).unwrap(), want, "{text}");
    }
    for bad in [
        "accountRequested gt true",
        r#"accountRequested eq "maybe""#,
        "accountRequested co \"t\"",
    ] {
        let e = parse_user_filter(bad).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{bad}");
    }
}
