//! Issue 17, item 2: pages cut by slapd (server-side sort with paged results through
//! slapo-sssvlv, `ldap::sorted_pages`). The pages and totals are compared with the order this
//! crate promises (the sort key case-insensitively, absent values last, ties and the default
//! order by id: what the fallback, `search::page_ids_from_every_match`, computes) over a
//! generated town with namesakes and Polish diacritics; many pages in a row through one
//! directory never fall back (VLV's first attempt was refused with `busy (51)` after 16 pages
//! per connection); a sort slapd refuses is cut from every match and counted.
//!
//! These tests page through a directory with the page cache off (`ldap.page_cache`), so that
//! every page is slapd's sort; `ldap_page_cache.rs` tests the cache.
//!
//! The tests that count fallbacks hold `SORTS` so that the one filling slapd's sort slots
//! does not run beside them (the test slapd is shared by the process).

use crate::common;
use crate::ldap_directory::options_for;
use crate::ldap_name_filters::{cmp, found, town, Town};
use crate::ldap_people::search;
use ldap3::controls::{PagedResults, RawControl};
use ldap3::Scope;
use std::collections::BTreeSet;
use zszo_connector::domain::query::{name_search, CompareOp, PersonAttr as P, PersonFilter};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{Page, PersonEntry, PersonSearch, SchoolScope, SortOrder};

static SORTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

type Sort = Option<(P, SortOrder)>;

async fn page(
    d: &LdapDirectory,
    town: &Town,
    f: Option<PersonFilter>,
    sort: Sort,
    start: usize,
    count: usize,
) -> Page<PersonEntry> {
    let mut q: PersonSearch = search(f, SchoolScope::Only(vec![town.school.code.clone()]));
    (q.start_index, q.count, q.sort) = (start, count, sort);
    d.search_people(&q).await.expect("a page")
}

/// A town of its own, every one of its people (sorted by slapd, by id), and `SORTS` held.
async fn alone_with_a_town(
    size: usize,
    seed: u64,
) -> (
    tokio::sync::MutexGuard<'static, ()>,
    LdapDirectory,
    Town,
    Vec<PersonEntry>,
) {
    let alone = SORTS.lock().await;
    let d = sorting_directory().await;
    let town = town(&d, size, seed).await;
    let everyone = page(&d, &town, None, None, 1, 10_000).await.items;
    (alone, d, town, everyone)
}

/// A directory adapter on the shared slapd whose every page is read (no page cache).
async fn sorting_directory() -> LdapDirectory {
    let mut options = options_for(&common::ldap().url);
    options.page_cache = false;
    LdapDirectory::connect(options)
        .await
        .expect("connect to the test slapd")
}

/// The promised order of `people` (see the module's documentation).
fn promised(people: &[PersonEntry], sort: Sort) -> Vec<String> {
    let key = |p: &PersonEntry, attr: P| -> Option<String> {
        match attr {
            P::FamilyName => Some(p.profile.name.family.to_string().to_lowercase()),
            P::GivenName => Some(p.profile.name.given.to_string().to_lowercase()),
            P::DisplayName => p.profile.display_name.as_ref().map(|s| s.to_lowercase()),
            _ => unreachable!("a name attribute"),
        }
    };
    let mut sorted: Vec<&PersonEntry> = people.iter().collect();
    sorted.sort_by(|a, b| {
        let by_key = match sort {
            None => std::cmp::Ordering::Equal,
            Some((attr, order)) => match (key(a, attr), key(b, attr)) {
                (Some(x), Some(y)) if order == SortOrder::Descending => y.cmp(&x),
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            },
        };
        by_key.then_with(|| a.entry.id.cmp(&b.entry.id))
    });
    sorted.iter().map(|p| p.entry.id.clone()).collect()
}

fn ids(p: &Page<PersonEntry>) -> Vec<String> {
    p.items.iter().map(|e| e.entry.id.clone()).collect()
}

const SORTS_TO_TRY: [Sort; 6] = [
    None,
    Some((P::FamilyName, SortOrder::Ascending)),
    Some((P::FamilyName, SortOrder::Descending)),
    Some((P::GivenName, SortOrder::Ascending)),
    Some((P::GivenName, SortOrder::Descending)),
    // Some people have no display name: never asked of slapd, cut here (not a fallback).
    Some((P::DisplayName, SortOrder::Descending)),
];

#[tokio::test]
async fn pages_cut_by_slapd_have_the_promised_order_and_total() {
    let (_alone, d, town, everyone) = alone_with_a_town(45, 41).await;
    let logins: BTreeSet<String> = everyone.iter().map(|p| p.login.to_string()).collect();
    assert_eq!(logins, town.people.iter().map(|p| p.0.clone()).collect());
    let filters = [
        None,
        Some(cmp(P::FamilyName, CompareOp::StartsWith, "K")),
        Some(cmp(P::GivenName, CompareOp::Contains, "a")),
        name_search("a"),
    ];
    for f in filters {
        let matching: Vec<PersonEntry> = match &f {
            None => everyone.clone(),
            Some(f) => {
                let logins = found(&d, &town, f.clone()).await;
                everyone
                    .iter()
                    .filter(|p| logins.contains(&p.login.to_string()))
                    .cloned()
                    .collect()
            }
        };
        assert!(matching.len() > 3, "{f:?} matches a few people");
        for sort in SORTS_TO_TRY {
            let expected = promised(&matching, sort);
            let n = expected.len();
            let before = d.paging_fallbacks();
            for (start, count) in [
                (1, 7),
                (0, 3),
                (3, 5),
                (n - 2, 10),
                (n, 1),
                (n + 1, 5),
                (2, 0),
            ] {
                let p = page(&d, &town, f.clone(), sort, start, count).await;
                assert_eq!(p.total, n, "{f:?} {sort:?} total from {start}, {count}");
                let want: Vec<String> = expected
                    .iter()
                    .skip(start.max(1) - 1)
                    .take(count)
                    .cloned()
                    .collect();
                assert_eq!(ids(&p), want, "{f:?} {sort:?} from {start}, {count}");
            }
            assert_eq!(d.paging_fallbacks(), before, "{f:?} {sort:?} cut by slapd");
        }
    }
}

/// More than 16 × the pool's size pages through one directory, one after another and 16 at
/// a time: slapd frees every sorted list, so none is refused.
#[tokio::test]
async fn many_pages_in_a_row_through_one_directory_never_fall_back() {
    let (_alone, d, town, everyone) = alone_with_a_town(30, 43).await;
    let pool_size = options_for(&common::ldap().url).pool_size;
    let by_family = promised(&everyone, Some((P::FamilyName, SortOrder::Ascending)));
    let rounds = 16 * pool_size * 3;
    for i in 0..rounds {
        let start = 1 + i % everyone.len();
        let p = page(
            &d,
            &town,
            None,
            Some((P::FamilyName, SortOrder::Ascending)),
            start,
            3,
        )
        .await;
        assert_eq!(p.total, everyone.len());
        let want: Vec<String> = by_family.iter().skip(start - 1).take(3).cloned().collect();
        assert_eq!(ids(&p), want, "page {i}");
    }
    let (d, town) = (std::sync::Arc::new(d), std::sync::Arc::new(town));
    for batch in 0..rounds / 16 {
        let mut pages = tokio::task::JoinSet::new();
        for i in 0..16 {
            let start = 1 + (batch * 16 + i) % everyone.len();
            let sort = Some((P::FamilyName, SortOrder::Ascending));
            let (d, town) = (d.clone(), town.clone());
            pages.spawn(async move { (start, page(&d, &town, None, sort, start, 2).await) });
        }
        while let Some(done) = pages.join_next().await {
            let (start, p) = done.expect("a page task");
            assert_eq!(p.total, everyone.len());
            let want: Vec<String> = by_family.iter().skip(start - 1).take(2).cloned().collect();
            assert_eq!(ids(&p), want, "batch {batch} from {start}");
        }
    }
    assert_eq!(
        d.paging_fallbacks(),
        0,
        "{} pages, none refused",
        rounds * 2
    );
}

/// The RFC 2891 sort control by `entryUUID`, encoded by hand (the crate's is private).
fn sort_by_id() -> RawControl {
    let mut val = vec![0x30, 0x0d, 0x30, 0x0b, 0x04, 0x09];
    val.extend_from_slice(b"entryUUID");
    RawControl {
        ctype: "1.2.840.113556.1.4.473".into(),
        crit: true,
        val: Some(val),
    }
}

/// Starts a sorted paged search of one entry out of several and leaves it open, so slapd
/// holds its sorted list: the result code (51 busy when slapd's sort slots are full) and the
/// cookie to abandon it with.
async fn hold_a_sort(ldap: &mut ldap3::Ldap, school_dn: &str) -> (u32, Vec<u8>) {
    sorted_page_of_one(ldap, school_dn, 1, Vec::new()).await
}

/// Abandons the sort `hold_a_sort` left open on `ldap` (page size 0 and its cookie); slapd
/// frees the list before it answers.
/// slapd marks a sort idle just after sending its page: an abandon sent at once may be
/// answered busy, and is repeated (as `ldap::sorted_pages` does).
async fn release_a_sort(ldap: &mut ldap3::Ldap, school_dn: &str, cookie: Vec<u8>) {
    for _ in 0..50 {
        match sorted_page_of_one(ldap, school_dn, 0, cookie.clone())
            .await
            .0
        {
            0 => return,
            51 => tokio::time::sleep(std::time::Duration::from_millis(2)).await,
            other => panic!("an abandon answered {other}"),
        }
    }
    panic!("slapd never took the abandon");
}

async fn sorted_page_of_one(
    ldap: &mut ldap3::Ldap,
    school_dn: &str,
    size: i32,
    cookie: Vec<u8>,
) -> (u32, Vec<u8>) {
    let paged: RawControl = PagedResults { size, cookie }.into();
    let res = ldap
        .with_controls(vec![sort_by_id(), paged])
        .search(
            school_dn,
            Scope::Subtree,
            "(objectClass=zszoPerson)",
            vec!["1.1"],
        )
        .await
        .expect("a sorted search");
    let cookie = res
        .1
        .ctrls
        .iter()
        .find(|c| c.1.ctype == "1.2.840.113556.1.4.319")
        .map(|c| c.1.parse::<PagedResults>().cookie)
        .unwrap_or_default();
    (res.1.rc, cookie)
}

/// slapd refuses sorts while its sort slots (`olcSssVlvMax`) are held by other clients: the
/// page is then cut from every match, right, and counted; once they are freed, slapd sorts
/// again.
#[tokio::test]
async fn a_refused_sort_is_cut_from_every_match_and_counted() {
    let (_alone, d, town, everyone) = alone_with_a_town(12, 47).await;
    let sort = Some((P::GivenName, SortOrder::Descending));
    let expected = promised(&everyone, sort);
    let school_dn = common::school_dn(town.school.code.as_str());
    let t = common::ldap();
    // Fill every slot: one held sort per connection (the connection's paged cookie is then
    // that sort's, so it can be abandoned) until a fresh one is refused. Other tests share
    // this slapd and sort briefly too: a slot one of them frees between the filling and the
    // page lets slapd sort that page, so fill again and ask again until a page is refused.
    let mut holders = Vec::new();
    let mut refused = false;
    for _ in 0..20 {
        for _ in 0..64 {
            let (rc, mut ldap) = common::bind_at(&t.url, &t.service_dn, &t.service_password).await;
            assert_eq!(rc, 0);
            match hold_a_sort(&mut ldap, &school_dn).await {
                (0, cookie) => {
                    assert!(!cookie.is_empty(), "a sort left open");
                    holders.push((ldap, cookie));
                }
                (51, _) => break,
                (other, _) => panic!("a held sort answered {other}"),
            }
        }
        assert!(!holders.is_empty(), "slapd sorted for some holders");
        let before = d.paging_fallbacks();
        let p = page(&d, &town, None, sort, 2, 4).await;
        // Sorted by slapd or cut from every match, the page is the same.
        assert_eq!(p.total, expected.len());
        assert_eq!(ids(&p), expected[1..5].to_vec());
        if d.paging_fallbacks() == before + 1 {
            refused = true;
            break;
        }
    }
    assert!(refused, "a page slapd refused to sort was cut and counted");

    for (mut ldap, cookie) in holders {
        release_a_sort(&mut ldap, &school_dn, cookie).await;
        ldap.unbind().await.expect("unbind");
    }
    let before = d.paging_fallbacks();
    let p = page(&d, &town, None, sort, 1, 3).await;
    assert_eq!(ids(&p), expected[..3].to_vec());
    assert_eq!(d.paging_fallbacks(), before, "sorted by slapd again");
}
