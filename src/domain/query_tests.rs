//! Unit tests of the domain query types.

#[test]
fn only_an_equality_on_a_unique_attribute_matches_at_most_one_person() {
    let eq = |a: PersonAttr| Filter::Compare(a, CompareOp::Eq, Value::Str("x".into()));
    assert!(eq(PersonAttr::UserName).matches_at_most_one());
    assert!(eq(PersonAttr::ExternalId).matches_at_most_one());
    assert!(eq(PersonAttr::Id).matches_at_most_one());
    assert!(Filter::And(vec![
        Filter::Present(PersonAttr::Title),
        eq(PersonAttr::UserName)
    ])
    .matches_at_most_one());
    assert!(!eq(PersonAttr::FamilyName).matches_at_most_one());
    assert!(
        !Filter::Or(vec![eq(PersonAttr::UserName), eq(PersonAttr::ExternalId)])
            .matches_at_most_one()
    );
    assert!(!Filter::Not(Box::new(eq(PersonAttr::UserName))).matches_at_most_one());
    let sw = Filter::Compare(
        PersonAttr::UserName,
        CompareOp::StartsWith,
        Value::Str("x".into()),
    );
    assert!(!sw.matches_at_most_one());
}

use super::*;

#[test]
fn ids_booleans_and_states_support_only_equality() {
    for attr in [PersonAttr::Id, PersonAttr::Active, PersonAttr::AccountState] {
        for op in CompareOp::ALL {
            assert_eq!(
                attr.supports(op),
                matches!(op, CompareOp::Eq | CompareOp::Ne),
                "{attr:?} {op:?}"
            );
        }
    }
}

#[test]
fn timestamps_order_but_have_no_substrings() {
    assert!(PersonAttr::LastModified.supports(CompareOp::Gt));
    assert!(!PersonAttr::Created.supports(CompareOp::Contains));
    for op in [
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Eq,
    ] {
        assert!(PersonAttr::Created.supports(op), "{op:?}");
    }
}

#[test]
fn text_attributes_support_every_comparison() {
    assert!(CompareOp::ALL
        .iter()
        .all(|op| PersonAttr::UserName.supports(*op)));
    assert!(ValueKind::CaseIgnoreString.accepts(&Value::Str("x".into())));
    assert!(!ValueKind::Bool.accepts(&Value::Str("true".into())));
}

#[test]
fn depth_counts_nesting_and_attributes_are_listed_in_order() {
    let f: PersonFilter = Filter::And(vec![
        Filter::Present(PersonAttr::Title),
        Filter::Not(Box::new(Filter::Present(PersonAttr::Active))),
    ]);
    assert_eq!(f.depth(), 3);
    assert_eq!(f.attributes(), [&PersonAttr::Title, &PersonAttr::Active]);
}

#[test]
fn a_name_search_needs_every_word_in_the_folded_name() {
    assert_eq!(name_search("  \t "), None);
    let word = |w: &str| {
        Filter::Compare(
            PersonAttr::SearchName,
            CompareOp::Contains,
            Value::Str(w.to_owned()),
        )
    };
    assert_eq!(name_search("Łukasz"), Some(word("Łukasz")));
    assert_eq!(
        name_search(" lukasz  nowak "),
        Some(Filter::And(vec![word("lukasz"), word("nowak")]))
    );
    assert!(PersonAttr::SearchName.is_personal());
}

#[test]
fn email_and_phone_kinds_parse_case_insensitively() {
    assert_eq!(EmailKind::parse("Work"), Some(EmailKind::Work));
    assert_eq!(PhoneKind::parse("MOBILE"), Some(PhoneKind::Mobile));
    assert_eq!(EmailKind::parse("pager"), None);
}
