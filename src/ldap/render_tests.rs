//! Unit tests of filter rendering: every value escaped, every operator and attribute kind.

use super::*;
use crate::domain::query::{Filter as F, GroupAttr, PersonAttr as P};
use crate::domain::SchoolCode;
use time::macros::datetime;

fn s(v: &str) -> Value {
    Value::Str(v.to_owned())
}

fn person(f: &PersonFilter) -> String {
    person_filter(f, &IdDns::new()).unwrap().render()
}

#[test]
fn operators_render_as_ldap_filters() {
    let cases = [
        (CompareOp::Eq, "(zszoExternalUserName=a@b)"),
        (CompareOp::Ne, "(!(zszoExternalUserName=a@b))"),
        (CompareOp::Contains, "(zszoExternalUserName=*a@b*)"),
        (CompareOp::StartsWith, "(zszoExternalUserName=a@b*)"),
        (CompareOp::EndsWith, "(zszoExternalUserName=*a@b)"),
        (CompareOp::Ge, "(zszoExternalUserName>=a@b)"),
        (CompareOp::Le, "(zszoExternalUserName<=a@b)"),
        (
            CompareOp::Gt,
            "(&(zszoExternalUserName>=a@b)(!(zszoExternalUserName=a@b)))",
        ),
        (
            CompareOp::Lt,
            "(&(zszoExternalUserName<=a@b)(!(zszoExternalUserName=a@b)))",
        ),
    ];
    for (op, expected) in cases {
        assert_eq!(person(&F::Compare(P::UserName, op, s("a@b"))), expected);
    }
}

#[test]
fn values_are_escaped_so_injection_matches_nothing_more() {
    let f = F::Compare(P::Login, CompareOp::Eq, s("*)(uid=*"));
    assert_eq!(person(&f), "(uid=\\2a\\29\\28uid=\\2a)");
    let f = F::Compare(P::FamilyName, CompareOp::Contains, s("a\\b(c)"));
    assert_eq!(
        person(&f),
        "(&(zszoSearchName=*a\\5cb\\28c\\29*)(sn=*a\\5cb\\28c\\29*))"
    );
}

#[test]
fn attribute_kinds_map_to_their_ldap_attributes() {
    assert_eq!(
        person(&F::Compare(P::Active, CompareOp::Eq, Value::Bool(false))),
        "(zszoEmploymentActive=FALSE)"
    );
    assert_eq!(
        person(&F::Compare(
            P::LastModified,
            CompareOp::Gt,
            Value::DateTime(datetime!(2025-01-02 03:04:05 +01:00))
        )),
        "(&(modifyTimestamp>=20250102020405Z)(!(modifyTimestamp=20250102020405Z)))"
    );
    assert_eq!(person(&F::Present(P::Email(None))), "(mail=*)");
    assert_eq!(person(&F::Present(P::Email(Some(EmailKind::Home)))), "(|)");
    assert_eq!(
        person(&F::Compare(P::PhoneNumber(None), CompareOp::Eq, s("1"))),
        "(|(telephoneNumber=1)(mobile=1)(homePhone=1)(facsimileTelephoneNumber=1))"
    );
    assert_eq!(
        person(&F::Compare(P::SchoolCode, CompareOp::Eq, s("SP-1"))),
        "(zszoSchoolCode=SP-1)"
    );
}

#[test]
fn ids_and_references_resolve_or_match_nothing() {
    let id = "0b2f3c1e-1111-4c4c-8888-123456789abc";
    assert_eq!(
        person(&F::Compare(P::Id, CompareOp::Eq, s(id))),
        format!("(entryUUID={id})")
    );
    assert_eq!(person(&F::Compare(P::Id, CompareOp::Eq, s("*"))), "(|)");
    assert_eq!(person(&F::Compare(P::Id, CompareOp::Ne, s("x"))), "(!(|))");
    let ids = IdDns::from([(id.to_owned(), "uid=a,ou=x,dc=y".to_owned())]);
    let f = F::And(vec![
        F::Compare(P::Manager, CompareOp::Eq, s(id)),
        F::Compare(P::Manager, CompareOp::Eq, s("unknown")),
    ]);
    assert_eq!(
        person_filter(&f, &ids).unwrap().render(),
        "(&(manager=uid=a,ou=x,dc=y)(|))"
    );
    assert_eq!(referenced_ids(&f, |a| a == P::Manager), [id, "unknown"]);
    let g = F::Compare(GroupAttr::Member, CompareOp::Eq, s(id));
    assert_eq!(
        group_filter(&g, &ids).unwrap().render(),
        "(member=uid=a,ou=x,dc=y)"
    );
}

#[test]
fn a_scope_is_any_of_its_schools() {
    assert_eq!(scope_filter(&SchoolScope::All), None);
    let scope = SchoolScope::Only(vec![
        SchoolCode::parse("A").unwrap(),
        SchoolCode::parse("B").unwrap(),
    ]);
    assert_eq!(
        scope_filter(&scope).unwrap().render(),
        "(|(zszoSchoolCode=A)(zszoSchoolCode=B))"
    );
    assert_eq!(
        scope_filter(&SchoolScope::Only(Vec::new()))
            .unwrap()
            .render(),
        "(|)"
    );
}

#[test]
fn a_search_name_value_is_folded_like_the_stored_one() {
    let f = F::Compare(P::SearchName, CompareOp::Contains, s("ŁUKASZ  Żółć"));
    assert_eq!(person(&f), "(zszoSearchName=*lukasz zolc*)");
    assert_eq!(fold_search_text(" Zażółć\tGęślą "), "zazolc gesla");
    let words = crate::domain::query::name_search("Łukasz nowak(").unwrap();
    assert_eq!(
        person(&words),
        "(&(zszoSearchName=*lukasz*)(zszoSearchName=*nowak\\28*))"
    );
    let blank = F::Compare(P::SearchName, CompareOp::Contains, s(" \u{200b} "));
    assert_eq!(person(&blank), "(zszoSearchName=*)");
}

#[test]
fn a_pending_account_request_is_a_present_filter_on_its_time() {
    assert_eq!(
        person(&F::Present(P::AccountRequested)),
        "(zszoAccountRequestedAt=*)"
    );
    assert_eq!(
        person_sort_attr(P::AccountRequested),
        "zszoAccountRequestedAt"
    );
}

#[test]
fn name_substrings_go_through_the_folded_index_and_keep_the_exact_test() {
    let compare = |attr, op, value| F::Compare(attr, op, s(value));
    let cases = [
        (
            compare(P::FamilyName, CompareOp::StartsWith, "Żół"),
            "(&(zszoSearchName=*zol*)(sn=\u{17b}\u{f3}\u{142}*))",
        ),
        (
            compare(P::GivenName, CompareOp::EndsWith, "Anna Łucja"),
            "(&(zszoSearchName=*anna*lucja*)(givenName=*Anna \u{141}ucja))",
        ),
        (
            compare(P::GivenName, CompareOp::StartsWith, "Łu"),
            "(&(zszoSearchName=lu*)(givenName=\u{141}u*))",
        ),
        (
            compare(P::GivenName, CompareOp::Contains, "  ŁU  kA "),
            "(&(zszoSearchName=*lu*ka*)(givenName=*  \u{141}U  kA *))",
        ),
        // Negated and or-ed, the exact test still decides (the folded one is implied by it).
        (
            F::Not(Box::new(compare(
                P::FamilyName,
                CompareOp::StartsWith,
                "Nowak",
            ))),
            "(!(&(zszoSearchName=*nowak*)(sn=Nowak*)))",
        ),
        (
            F::Or(vec![
                compare(P::FamilyName, CompareOp::StartsWith, "No"),
                compare(P::Title, CompareOp::StartsWith, "No"),
            ]),
            "(|(&(zszoSearchName=*no*)(sn=No*))(title=No*))",
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(person(&filter), expected, "{filter:?}");
    }
}

#[test]
fn name_equality_other_attributes_and_unfoldable_values_stay_as_they_are() {
    assert_eq!(
        person(&F::Compare(P::FamilyName, CompareOp::Eq, s("Nowak"))),
        "(sn=Nowak)"
    );
    assert_eq!(
        person(&F::Compare(P::DisplayName, CompareOp::StartsWith, s("Pan"))),
        "(displayName=Pan*)"
    );
    // Nothing survives folding: the exact test alone (unindexed, still right).
    assert_eq!(
        person(&F::Compare(
            P::GivenName,
            CompareOp::Contains,
            s(" \u{200b} ")
        )),
        "(givenName=* \u{200b} *)"
    );
}
