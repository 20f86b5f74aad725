//! Where a new namesake's login goes: the first free number of a login base (`jan.nowak`,
//! `jan.nowak2` …), found by a few small equality searches however large the family.
//!
//! **Why not one search for the family, or ever wider windows.** A substring search
//! (`uid=jan.nowak*`) needs a `uid` substring index, which made every add slower (issue 17).
//! Probing candidates 16 at a time took 19 searches per creation for the 100,000-person bench
//! city's families (p50 67 namesakes, p90 925, max 3,344: its names are Zipf-distributed);
//! an `OR` of more candidates costs slapd terms × entries read (ACL checks on every term it
//! tests: 0.2 s for 1,024 terms), and any search returning the whole family reads thousands of
//! entries for the largest ones.
//!
//! **The search.** The first probe asks for the numbers 1–8 (exactly: most families are
//! smaller than that) and the powers of two 16 … 8,192; each later probe asks for 16 numbers
//! spread evenly over the gap left between the last taken and the first free number seen, and
//! the last one for every number of a gap of 16 or fewer. A family of 3,344 costs four
//! searches of at most 18 terms, each returning at most 18 entries.
//!
//! **Why a gap may be stepped over.** Past the first eight numbers the probe assumes a
//! family's numbers are dense, so it may miss a free number below the one it finds. Numbers are
//! given in order and never given again (a deleted person's login is retired: `login_retired`),
//! so a gap is a retired login or an add that failed — and a free number a few places further
//! is as good a login. A login taken in between is refused by slapo-unique on the add, and the
//! use case moves on to the next candidate.

use crate::domain::MAX_SUFFIX;

/// How many numbers a probe after the first spreads over a gap (and the widest gap probed
/// whole).
const SPREAD: u32 = 16;
/// The numbers the first probe asks for exactly.
const EXACT_FIRST: u32 = 8;

/// The state of one search for the first free number of a base.
#[derive(Debug)]
pub(super) struct LoginProbe {
    /// Every number up to this one is taken (or assumed taken: see the module).
    taken_up_to: u32,
    /// The lowest number seen free; `MAX_SUFFIX + 1` while none has been.
    free_at: u32,
    first: bool,
}

impl Default for LoginProbe {
    fn default() -> Self {
        Self {
            taken_up_to: 0,
            free_at: MAX_SUFFIX + 1,
            first: true,
        }
    }
}

impl LoginProbe {
    /// The numbers to ask the directory about next, ascending; `None` once the first free
    /// number is known (or every number is taken).
    pub(super) fn next_probe(&self) -> Option<Vec<u32>> {
        let (lo, hi) = (self.taken_up_to, self.free_at);
        if hi - lo <= 1 {
            return None;
        }
        let mut probe: Vec<u32> = if self.first {
            let powers = std::iter::successors(Some(EXACT_FIRST * 2), |p| p.checked_mul(2));
            (1..=EXACT_FIRST)
                .chain(powers.take_while(|p| *p <= MAX_SUFFIX))
                .collect()
        } else if hi - lo - 1 <= SPREAD {
            (lo + 1..hi).collect()
        } else {
            let width = u64::from(hi - lo);
            (1..=u64::from(SPREAD))
                .map(|i| lo + (width * i / (u64::from(SPREAD) + 1)) as u32)
                .collect()
        };
        probe.retain(|n| (lo + 1..hi).contains(n));
        probe.dedup();
        Some(probe)
    }

    /// What the directory answered for `probe`: the numbers of it that are taken.
    pub(super) fn observe(&mut self, probe: &[u32], taken: &[u32]) {
        self.first = false;
        match probe.iter().position(|n| !taken.contains(n)) {
            Some(i) => {
                self.free_at = probe[i];
                if i > 0 {
                    self.taken_up_to = probe[i - 1];
                }
            }
            None => {
                if let Some(last) = probe.last() {
                    self.taken_up_to = *last;
                }
            }
        }
    }

    /// The first free number once [`Self::next_probe`] is `None`; `None` when all are taken.
    pub(super) fn first_free(&self) -> Option<u32> {
        (self.free_at <= MAX_SUFFIX).then_some(self.free_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a probe against a family whose taken numbers are `taken`; (first free, searches).
    fn run(taken: impl Fn(u32) -> bool) -> (Option<u32>, usize) {
        let mut probe = LoginProbe::default();
        let mut searches = 0;
        while let Some(numbers) = probe.next_probe() {
            assert!(!numbers.is_empty(), "an empty probe");
            assert!(numbers.len() <= 18, "{} terms", numbers.len());
            assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
            let found: Vec<u32> = numbers.iter().copied().filter(|n| taken(*n)).collect();
            probe.observe(&numbers, &found);
            searches += 1;
            assert!(searches < 20, "the probe does not end");
        }
        (probe.first_free(), searches)
    }

    #[test]
    fn a_dense_family_gets_its_next_number_in_a_few_searches() {
        for (family, searches) in [(0, 1), (1, 1), (7, 1), (8, 2), (67, 3), (925, 4), (3344, 4)] {
            let (free, n) = run(|k| k <= family);
            assert_eq!(free, Some(family + 1), "family of {family}");
            assert!(n <= searches, "family of {family}: {n} searches");
        }
    }

    #[test]
    fn the_first_eight_numbers_are_probed_exactly() {
        // Only 1, 2 and 5 taken: 3 is free, found in the first search.
        assert_eq!(run(|k| [1, 2, 5].contains(&k)), (Some(3), 1));
        // A seed's login "jan.nowak7" alone: the base itself is free.
        assert_eq!(run(|k| k == 7), (Some(1), 1));
    }

    #[test]
    fn past_the_first_eight_a_free_number_is_found_even_with_gaps() {
        // 1..=100 taken but 50 (a retired login) and 70..=75 (failed adds).
        let taken = |k: u32| k <= 100 && k != 50 && !(70..=75).contains(&k);
        let (free, _) = run(taken);
        let free = free.unwrap();
        assert!(!taken(free) && free > 8, "{free}");
    }

    #[test]
    fn a_full_family_has_no_free_number() {
        assert_eq!(run(|_| true).0, None);
        assert_eq!(run(|k| k < MAX_SUFFIX).0, Some(MAX_SUFFIX));
    }
}
