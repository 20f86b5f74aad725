//! Issue 17: name searches go through one substring index (`zszoSearchName`, folded) with
//! the exact assertion evaluated on its candidates (`ldap::render`), and login allocation
//! probes candidates by `uid` equality (`ldap/login_probe.rs`). These tests compare what the directory returns for
//! every name attribute and operator (and `not`/`or` around them) with a reference evaluated
//! here in Rust over the people as generated — a small generated city with Polish
//! diacritics and namesakes, in a school of the test's own.

use crate::ldap_directory::{directory, login, new_school};
use crate::ldap_people::search;
use std::collections::BTreeSet;
use zszo_connector::citygen::{profile, City, GenPerson};
use zszo_connector::domain::query::{
    name_search, CompareOp, Filter, PersonAttr as P, PersonFilter, Value,
};
use zszo_connector::domain::{login_candidates, LoginName, School};
use zszo_connector::ldap::render::fold_search_text;
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{Employment, NewPerson, PersonSearch, SchoolScope};

/// People of the test's school: the generated names, some display names, a two-word given
/// name and a double-barrelled surname; the logins `p<i>.<code>` (unique city-wide).
pub(crate) struct Town {
    pub(crate) school: School,
    /// (login, given, family, display name)
    pub(crate) people: Vec<(String, String, String, Option<String>)>,
}

pub(crate) async fn town(d: &LdapDirectory, size: usize, seed: u64) -> Town {
    // Names the generator does not make: spaces and a hyphen inside a name.
    let names = [("Anna Maria", "Żółkiewska"), ("Łucja", "Nowak-Jeziorańska")]
        .map(|(given, family)| crate::ldap_directory::person_name(given, family));
    town_with_names(d, size, seed, &names).await
}

/// [`town`] whose first people bear `names`.
async fn town_with_names(
    d: &LdapDirectory,
    size: usize,
    seed: u64,
    names: &[zszo_connector::domain::PersonName],
) -> Town {
    let school = new_school(d, "SP nazwiska").await;
    let mut generated: Vec<GenPerson> = City::generate(3, size, seed).people;
    for (person, name) in generated.iter_mut().zip(names) {
        person.name = name.clone();
    }
    let mut people = Vec::new();
    for (i, g) in generated.iter().enumerate() {
        let mut p = profile(g);
        // Unique city-wide values of their own (slapo-unique), other tests share the slapd.
        p.user_name = Some(format!("p{i}@{}.example", school.code));
        p.external_id = Some(format!("{}-{i}", school.code));
        p.emails.clear();
        p.employee_number = None;
        p.employment = Employment {
            primary: school.code.clone(),
            others: Vec::new(),
        };
        // Every third person has a display name of its own (free text, e.g. a title).
        p.display_name = (i % 3 == 0).then(|| format!("Dyr. {}", g.name.full()));
        let login = login(&school, &format!("p{i}"));
        d.create_person(&NewPerson {
            login: login.clone(),
            profile: p.clone(),
            credentials: None,
            created_by: "test".into(),
        })
        .await
        .expect("create a generated person");
        people.push((
            login.to_string(),
            g.name.given.to_string(),
            g.name.family.to_string(),
            p.display_name.clone(),
        ));
    }
    Town { school, people }
}

/// What slapd's caseIgnore matching does with these names: compare lower-cased.
fn holds(value: Option<&str>, op: CompareOp, wanted: &str) -> bool {
    let Some(value) = value else {
        // An absent attribute: only `ne` holds (the filter is `(!(a=v))`).
        return op == CompareOp::Ne;
    };
    let (v, w) = (value.to_lowercase(), wanted.to_lowercase());
    match op {
        CompareOp::Eq => v == w,
        CompareOp::Ne => v != w,
        CompareOp::Contains => v.contains(&w),
        CompareOp::StartsWith => v.starts_with(&w),
        CompareOp::EndsWith => v.ends_with(&w),
        // Names have no ORDERING rule: slapd evaluates these as Undefined.
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => false,
    }
}

type Person = (String, String, String, Option<String>);

fn field(p: &Person, attr: P) -> Option<&str> {
    match attr {
        P::GivenName => Some(&p.1),
        P::FamilyName => Some(&p.2),
        P::DisplayName => p.3.as_deref(),
        _ => unreachable!("a name attribute"),
    }
}

/// The reference: `f` evaluated in Rust over the generated people.
fn reference(town: &Town, f: &PersonFilter) -> BTreeSet<String> {
    fn eval(p: &Person, f: &PersonFilter) -> bool {
        match f {
            Filter::And(items) => items.iter().all(|i| eval(p, i)),
            Filter::Or(items) => items.iter().any(|i| eval(p, i)),
            Filter::Not(inner) => !eval(p, inner),
            Filter::Present(a) => field(p, *a).is_some(),
            Filter::Compare(a, op, Value::Str(v)) => holds(field(p, *a), *op, v),
            Filter::Compare(..) => unreachable!("text values only"),
        }
    }
    town.people
        .iter()
        .filter(|p| eval(p, f))
        .map(|p| p.0.clone())
        .collect()
}

pub(crate) async fn found(d: &LdapDirectory, town: &Town, f: PersonFilter) -> BTreeSet<String> {
    let mut q: PersonSearch = search(Some(f), SchoolScope::Only(vec![town.school.code.clone()]));
    q.count = 10_000;
    let page = d.search_people(&q).await.expect("search");
    assert_eq!(page.total, page.items.len());
    page.items.iter().map(|p| p.login.to_string()).collect()
}

pub(crate) fn cmp(a: P, op: CompareOp, v: &str) -> PersonFilter {
    Filter::Compare(a, op, Value::Str(v.to_owned()))
}

#[tokio::test]
async fn every_name_attribute_and_operator_matches_an_unindexed_reference() {
    let d = directory().await;
    let town = town(&d, 150, 17).await;
    // Values: whole names, prefixes and suffixes with and without diacritics, in other
    // cases, the folded spelling (which must NOT match the exact name: "lukasz" is not
    // "Łukasz"), a two-word value, a hyphen, a namesake's surname, a value matching nobody.
    let values = [
        "Łukasz",
        "łuk",
        "ŁUK",
        "luk",
        "asz",
        "Nowak",
        "nowa",
        "ska",
        "ńska",
        "Ż",
        "ż",
        "z",
        "Anna Maria",
        "a m",
        "Nowak-Jezio",
        "-jezio",
        "a",
        "Dyr.",
        "dyr. ",
        "xyzzy",
        "ł",
        "Kowalsk",
        "owal",
    ];
    let mut compared = 0;
    let mut non_empty = 0;
    for attr in [P::GivenName, P::FamilyName, P::DisplayName] {
        let present = Filter::Present(attr);
        assert_eq!(
            found(&d, &town, present.clone()).await,
            reference(&town, &present)
        );
        for op in CompareOp::ALL {
            for v in values {
                let f = cmp(attr, op, v);
                let want = reference(&town, &f);
                assert_eq!(found(&d, &town, f).await, want, "{attr:?} {op:?} {v:?}");
                compared += 1;
                non_empty += usize::from(!want.is_empty());
            }
        }
    }
    // The comparison saw real matches, not only empty sets (ordering matches nothing).
    assert!(non_empty >= 100, "{non_empty} of {compared} non-empty");
    // `not` and `or` around name substrings (and beside other attributes).
    let combos = [
        Filter::Not(Box::new(cmp(P::FamilyName, CompareOp::StartsWith, "Now"))),
        Filter::Or(vec![
            cmp(P::GivenName, CompareOp::StartsWith, "Łu"),
            cmp(P::FamilyName, CompareOp::EndsWith, "ska"),
        ]),
        Filter::And(vec![
            cmp(P::GivenName, CompareOp::Contains, "a"),
            Filter::Not(Box::new(Filter::Or(vec![
                cmp(P::FamilyName, CompareOp::Contains, "ow"),
                cmp(P::DisplayName, CompareOp::StartsWith, "Dyr"),
            ]))),
        ]),
        Filter::Not(Box::new(Filter::And(vec![
            cmp(P::GivenName, CompareOp::EndsWith, "a"),
            cmp(P::FamilyName, CompareOp::Contains, "ń"),
        ]))),
    ];
    for f in combos {
        let want = reference(&town, &f);
        assert!(!want.is_empty(), "{f:?} matches someone");
        assert_eq!(found(&d, &town, f.clone()).await, want, "{f:?}");
    }
}

/// The panel's name search (every typed word in the folded "given family", `name_search`),
/// now that `zszoSearchName` holds only that one value:
/// the same people as the reference the panel promises — folded words, any order, either name.
#[tokio::test]
async fn the_panels_name_search_finds_what_it_found_before() {
    let d = directory().await;
    let town = town(&d, 120, 29).await;
    // Typed texts, one per `|`.
    let texts =
        "lukasz|Łukasz|NOWAK|zolk|anna maria|maria anna|ska anna|jezioranska|nowak-jez|k|xyzzy";
    assert_panel_search(&d, &town, texts.split('|')).await;
}

/// The same on the demo city of `zszo-connector dev` (`config/demo-seed.toml`): every demo
/// person's names typed whole, folded, cut short and swapped.
#[tokio::test]
async fn the_panels_name_search_finds_the_demo_city_as_promised() {
    let seed =
        zszo_connector::bootstrap::Seed::load(std::path::Path::new("config/demo-seed.toml"), true)
            .unwrap();
    let names: Vec<_> = seed.people.iter().map(|p| p.name.clone()).collect();
    assert!(names.len() >= 10, "the demo city has its people");
    let d = directory().await;
    let town = town_with_names(&d, names.len(), 7, &names).await;
    let mut texts = vec!["a".to_owned(), "xyzzy".to_owned()];
    for (_, given, family, _) in &town.people {
        let short: String = family.chars().take(3).collect();
        texts.extend([
            family.clone(),
            fold_search_text(given),
            format!("{family} {given}").to_uppercase(),
            format!("{} {short}", given.to_lowercase()),
        ]);
    }
    assert_panel_search(&d, &town, texts.iter().map(String::as_str)).await;
}

/// What the panel's search finds for each typed text is what it promises: the people whose
/// folded "given family" holds every folded word of the text, in any order.
async fn assert_panel_search<'a>(
    d: &LdapDirectory,
    town: &Town,
    texts: impl Iterator<Item = &'a str>,
) {
    for text in texts {
        let words: Vec<String> = text.split_whitespace().map(fold_search_text).collect();
        let want: BTreeSet<String> = town
            .people
            .iter()
            .filter(|p| {
                let folded = fold_search_text(&format!("{} {}", p.1, p.2));
                words.iter().all(|w| folded.contains(w.as_str()))
            })
            .map(|p| p.0.clone())
            .collect();
        let f = name_search(text).expect("a name search");
        assert_eq!(found(d, town, f).await, want, "{text:?}");
    }
}

/// More namesakes than the first probe asks for exactly (eight), with a gap: allocation skips
/// every candidate before a free one, and that one is free. Past the eighth number the probe
/// may step over a gap (a retired login: `ldap/login_probe.rs`), never onto a taken login.
#[tokio::test]
async fn login_allocation_skips_a_large_family_of_namesakes() {
    let d = directory().await;
    let school = new_school(&d, "SP imienniczki").await;
    let name = crate::ldap_directory::person_name("Ola", school.code.as_str());
    let base = login_candidates(&name).next().unwrap();
    let candidates: Vec<LoginName> = login_candidates(&name).take(40).collect();
    // Taken: the first 40 candidates but the 17th (a gap) and the 3rd (a gap among the first
    // eight, which are probed exactly).
    let taken: Vec<&LoginName> = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 16 && *i != 2)
        .map(|(_, l)| l)
        .collect();
    for (i, l) in taken.iter().enumerate() {
        let mut p = crate::ldap_directory::person(
            (*l).clone(),
            crate::ldap_directory::person_name("Ola", &format!("N{i}")),
            &school,
        );
        p.profile.display_name = None;
        d.create_person(&p).await.expect("a namesake");
    }
    let skipped = d.logins_like(&base).await.unwrap();
    let first_free = |skipped: &[String]| {
        login_candidates(&name)
            .find(|c| !skipped.contains(&c.to_string()))
            .unwrap()
    };
    // The gap among the first eight is found exactly.
    assert_eq!(first_free(&skipped), candidates[2]);

    // Once it is taken, the login given next is free (the 17th, or the 41st when the probe
    // steps over the gap) and every candidate before it is skipped.
    let mut p = crate::ldap_directory::person(
        candidates[2].clone(),
        crate::ldap_directory::person_name("Ola", "N-gap"),
        &school,
    );
    p.profile.display_name = None;
    d.create_person(&p).await.expect("the third candidate");
    let skipped = d.logins_like(&base).await.unwrap();
    let free = first_free(&skipped);
    assert!(
        free == candidates[16] || !candidates.contains(&free),
        "{free}"
    );
    assert!(
        d.find_person_by_login(&free).await.unwrap().is_none(),
        "{free} is taken"
    );
    for c in candidates.iter().take_while(|c| **c != free) {
        assert!(skipped.contains(&c.to_string()), "{c} not skipped");
    }
}
