use super::*;
use crate::ports::SortOrder;

fn window(start_index: usize, count: usize) -> PageWindow {
    PageWindow {
        start_index,
        count,
        sort: None,
    }
}

fn stamp(context: &str, writes: u64) -> Stamp {
    Stamp {
        context: context.as_bytes().to_vec(),
        writes,
    }
}

fn ids(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("00000000-0000-4000-8000-{i:012x}"))
        .collect()
}

#[test]
fn a_page_comes_back_only_under_the_stamp_it_was_read_under() {
    let cache = PageCache::default();
    let all = ids(50);
    cache.store(stamp("csn=1", 0), "k".into(), 50, &all);
    let page = cache.page(&stamp("csn=1", 0), "k", window(21, 20)).unwrap();
    assert_eq!(page, (50, all[20..40].to_vec()));
    // The directory changed, or this daemon wrote: nothing is reused.
    assert!(cache
        .page(&stamp("csn=2", 0), "k", window(21, 20))
        .is_none());
    assert!(cache
        .page(&stamp("csn=1", 1), "k", window(21, 20))
        .is_none());
    // Another search, another sort: another key.
    assert!(cache
        .page(&stamp("csn=1", 0), "other", window(1, 20))
        .is_none());
}

#[test]
fn a_new_stamp_drops_every_list_and_an_older_one_keeps_nothing() {
    let cache = PageCache::default();
    cache.store(stamp("csn=1", 0), "a".into(), 3, &ids(3));
    cache.store(stamp("csn=2", 1), "b".into(), 3, &ids(3));
    assert_eq!(cache.ids_held(), 3);
    assert!(cache.page(&stamp("csn=2", 1), "a", window(1, 3)).is_none());
    // A slow search read before our last write finishes after it: not kept.
    cache.store(stamp("csn=1", 0), "a".into(), 3, &ids(3));
    assert!(cache.page(&stamp("csn=2", 1), "b", window(1, 3)).is_some());
    assert!(cache.page(&stamp("csn=1", 0), "a", window(1, 3)).is_none());
}

#[test]
fn a_page_past_the_kept_ids_is_a_miss_unless_the_list_is_complete() {
    let cache = PageCache::default();
    let first = ids(200);
    cache.store(stamp("s", 0), "k".into(), 5_000, &first);
    assert!(cache.page(&stamp("s", 0), "k", window(181, 20)).is_some());
    assert!(cache.page(&stamp("s", 0), "k", window(191, 20)).is_none());
    // All 30 matches kept: a page past the end is the empty page, with the total.
    cache.store(stamp("s", 0), "short".into(), 30, &ids(30));
    assert_eq!(
        cache.page(&stamp("s", 0), "short", window(41, 20)),
        Some((30, vec![]))
    );
}

#[test]
fn ids_come_back_as_slapd_writes_them_and_non_uuids_keep_nothing() {
    let cache = PageCache::default();
    let upper = vec!["6BA7B810-9DAD-11D1-80B4-00C04FD430C8".to_owned()];
    cache.store(stamp("s", 0), "k".into(), 1, &upper);
    assert_eq!(
        cache.page(&stamp("s", 0), "k", window(1, 1)).unwrap().1,
        ["6ba7b810-9dad-11d1-80b4-00c04fd430c8"]
    );
    cache.store(stamp("s", 0), "bad".into(), 1, &["not-a-uuid".to_owned()]);
    assert!(cache.page(&stamp("s", 0), "bad", window(1, 1)).is_none());
}

#[test]
fn memory_is_bounded_by_dropping_the_least_recently_used_list() {
    let cache = PageCache::default();
    let s = stamp("s", 0);
    let big = ids(MAX_LIST_IDS);
    cache.store(s.clone(), "a".into(), MAX_LIST_IDS, &big);
    cache.store(s.clone(), "b".into(), MAX_LIST_IDS, &big);
    assert_eq!(cache.ids_held(), MAX_IDS);
    // "a" is used, so "b" is the one dropped for "c".
    assert!(cache.page(&s, "a", window(1, 1)).is_some());
    cache.store(s.clone(), "c".into(), 10, &ids(10));
    assert!(cache.page(&s, "b", window(1, 1)).is_none());
    assert!(cache.page(&s, "a", window(1, 1)).is_some());
    assert!(cache.page(&s, "c", window(1, 1)).is_some());
    assert_eq!(cache.ids_held(), MAX_LIST_IDS + 10);
    // A list longer than a list may be is not kept at all.
    cache.store(s.clone(), "d".into(), MAX_IDS, &ids(MAX_LIST_IDS + 1));
    assert!(cache.page(&s, "d", window(1, 1)).is_none());
}

#[test]
fn a_miss_reads_from_the_first_match_twice_as_deep_within_bounds() {
    let sorted = PageWindow {
        start_index: 41,
        count: 20,
        sort: Some(("sn", SortOrder::Descending)),
    };
    let w = prefetch(sorted).unwrap();
    assert_eq!(
        (w.start_index, w.count, w.sort),
        (1, PREFETCH_IDS, sorted.sort)
    );
    assert_eq!(prefetch(window(901, 100)).unwrap().count, 2_000);
    assert_eq!(prefetch(window(70_001, 1_000)).unwrap().count, MAX_LIST_IDS);
    assert!(prefetch(window(MAX_LIST_IDS, 2)).is_none());
    assert_ne!(
        search_key("(f)", sorted),
        search_key("(f)", window(41, 20)),
        "the sort is part of the key"
    );
}
