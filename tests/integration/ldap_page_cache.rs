//! Issue 17, item 2: the page cache (`ldap::page_cache`). A list search's next page, or the
//! same search again, is cut from the ids kept of it while the directory is unchanged; any
//! write to the directory — by this daemon or by anyone else, which only slapd's
//! `contextCSN` shows — makes the next page read again, with the right order and total.
//!
//! On a slapd of the test's own: the shared one is written by every other test, so its
//! `contextCSN` moves all the time and nothing kept would be reused.

use crate::common;
use crate::ldap_name_filters::{town, Town};
use crate::ldap_people::search;
use ldap3::Mod;
use secrecy::SecretString;
use std::collections::HashSet;
use std::time::Duration;
use zszo_connector::domain::query::PersonAttr as P;
use zszo_connector::domain::LoginName;
use zszo_connector::ldap::{LdapDirectory, LdapOptions};
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::{Page, PersonEntry, SchoolScope, SortOrder};
use zszo_connector::slapd::SlapdInstance;

async fn directory_on(slapd: &SlapdInstance, password: &str, page_cache: bool) -> LdapDirectory {
    let mut o = LdapOptions::new(
        &slapd.url(),
        slapd.base_dn(),
        &slapd.service_dn(),
        SecretString::from(password.to_owned()),
    );
    (o.pool_size, o.operation_timeout, o.page_cache) = (2, Duration::from_secs(5), page_cache);
    let d = LdapDirectory::connect(o).await.expect("connect");
    d.ensure_layout().await.expect("layout");
    d
}

/// The town's people sorted by family name, `count` from `start`.
async fn page(d: &LdapDirectory, town: &Town, start: usize, count: usize) -> Page<PersonEntry> {
    let mut q = search(None, SchoolScope::Only(vec![town.school.code.clone()]));
    q.sort = Some((P::FamilyName, SortOrder::Ascending));
    (q.start_index, q.count) = (start, count);
    d.search_people(&q).await.expect("a page")
}

fn logins(p: &Page<PersonEntry>) -> Vec<String> {
    p.items.iter().map(|e| e.login.to_string()).collect()
}

/// Another client (`ldap`, not the daemon) gives the town's `i`-th person a family name that
/// sorts first; their login.
async fn rename_to_sort_first(
    ldap: &mut ldap3::Ldap,
    d: &LdapDirectory,
    town: &Town,
    i: usize,
) -> LoginName {
    let login = LoginName::parse(&town.people[i].0).unwrap();
    let dn = d.layout().person_dn(&town.school.code, &login);
    let rename = vec![Mod::Replace(
        "sn".to_owned(),
        HashSet::from(["Aaronowicz".to_owned()]),
    )];
    ldap.modify(&dn, rename).await.unwrap().success().unwrap();
    login
}

#[tokio::test]
async fn the_next_page_comes_from_memory_until_anyone_writes_to_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (_, slapd, password, _) = common::private_slapd(dir.path().join("slapd"));
    let cached = directory_on(&slapd, &password, true).await;
    let reading = directory_on(&slapd, &password, false).await;
    assert!(cached.keeps_pages().await.unwrap(), "check-config says on");
    let town = town(&cached, 24, 53).await;
    let both = |start, count| {
        let (cached, reading, town) = (&cached, &reading, &town);
        async move {
            let kept = page(cached, town, start, count).await;
            let read = page(reading, town, start, count).await;
            assert_eq!(kept.total, read.total, "total from {start}");
            assert_eq!(logins(&kept), logins(&read), "page from {start}");
            kept
        }
    };

    // The first page is read (and deeper than asked); the pages after it are not.
    assert_eq!(both(1, 5).await.total, 24);
    let hits = cached.page_cache_hits();
    // Also the edges: start 0 reads as 1, a page past the end is empty, a count of 0 asks
    // only for the total.
    let windows = [
        (6, 5),
        (11, 5),
        (21, 5),
        (1, 5),
        (0, 3),
        (24, 5),
        (25, 5),
        (2, 0),
    ];
    for (start, count) in windows {
        both(start, count).await;
    }
    assert_eq!(cached.page_cache_hits(), hits + 8, "served from memory");

    // Someone else renames a person so that they sort first: only contextCSN shows it.
    let mut ldap = common::connect_at(&slapd.url(), &slapd.service_dn(), &password).await;
    let login = rename_to_sort_first(&mut ldap, &cached, &town, 7).await;
    let first = both(1, 5).await;
    assert_eq!(first.items[0].login, login, "the renamed person first");
    assert_eq!(
        cached.page_cache_hits(),
        hits + 8,
        "read again after the write"
    );

    // Someone else deletes a person: the total falls at once.
    let (gone, ..) = &town.people[3];
    let gone = LoginName::parse(gone).unwrap();
    let gone_dn = cached.layout().person_dn(&town.school.code, &gone);
    ldap.delete(&gone_dn).await.unwrap().success().unwrap();
    assert_eq!(both(6, 5).await.total, 23);

    // A write through this daemon: seen too, and the kept list is used again afterwards.
    let (survivor, ..) = &town.people[9];
    let survivor = cached
        .find_person_by_login(&LoginName::parse(survivor).unwrap())
        .await
        .unwrap()
        .expect("a person of the town");
    cached.delete_person(&survivor.entry.id).await.unwrap();
    assert_eq!(both(1, 5).await.total, 22);
    let hits = cached.page_cache_hits();
    both(16, 5).await;
    assert_eq!(cached.page_cache_hits(), hits + 1);
}

/// A directory set up before syncprov was part of the configuration keeps a `contextCSN` in
/// its suffix entry that no write moves: the daemon must keep nothing there, and every page
/// is read.
#[tokio::test]
async fn without_syncprov_nothing_is_kept_and_every_write_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let (spec, slapd, password, _) = common::private_slapd(dir.path().join("slapd"));
    slapd.stop().unwrap();
    let overlays = spec.data_dir.join("slapd.d/cn=config/olcDatabase={1}mdb");
    let syncprov = overlays.join("olcOverlay={4}syncprov.ldif");
    std::fs::remove_file(&syncprov).expect("the generated config has syncprov as overlay {4}");
    let slapd = zszo_connector::slapd::start(&spec).unwrap();
    let cached = directory_on(&slapd, &password, true).await;
    assert!(
        !cached.keeps_pages().await.unwrap(),
        "check-config says off"
    );
    let town = town(&cached, 12, 59).await;

    let before = page(&cached, &town, 1, 5).await;
    let mut ldap = common::connect_at(&slapd.url(), &slapd.service_dn(), &password).await;
    let login = rename_to_sort_first(&mut ldap, &cached, &town, 4).await;
    let after = page(&cached, &town, 1, 5).await;
    assert_ne!(logins(&before), logins(&after));
    assert_eq!(after.items[0].login, login, "the renamed person first");
    assert_eq!(cached.page_cache_hits(), 0, "nothing kept without syncprov");
}
