//! Throttling of failed panel sign-ins, per login and per client address
//! (security.md RATE-01, RATE-03; NIST 800-63B-4 §3.2.2).
//!
//! Policy (`[panel]`, defaults in brackets): when a login has `max_failures_per_login` [5]
//! failed sign-ins within `failure_window` [15 min], or an address has
//! `max_failures_per_address` [20] within the same window, every sign-in for that login or
//! from that address is refused for `block` [15 min] counted from the failure that reached
//! the limit, even with the right password. The refusal is the same page and status as a
//! wrong password, so it tells nothing about the account. Attempts while blocked are not
//! counted (a blocked attacker cannot extend the block forever). A successful sign-in clears
//! the login's failures (not the address's).
//!
//! Counters are in memory and bounded; a restart clears them, and the directory's ppolicy
//! lockout still protects the account behind them. The address is the TCP peer: behind a
//! reverse proxy every client has the proxy's address (no forwarded header is trusted).
//! Failures are counted at the time the clock port gives, so tests move time.

use crate::config::PanelConfig;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use time::OffsetDateTime;

/// At most this many keys are tracked; beyond it, idle ones are dropped first.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Login(String),
    Address(IpAddr),
}

#[derive(Debug, Default)]
struct Counter {
    failures: VecDeque<OffsetDateTime>,
    blocked_until: Option<OffsetDateTime>,
}

#[derive(Debug)]
pub struct Throttle {
    policy: PanelConfig,
    counters: Mutex<HashMap<Key, Counter>>,
}

/// The login as a throttling key: trimmed, lower-case, bounded (what the person typed,
/// whether or not such a login exists).
pub fn login_key(raw: &str) -> String {
    raw.trim().to_lowercase().chars().take(128).collect()
}

impl Throttle {
    pub fn new(policy: PanelConfig) -> Self {
        Self {
            policy,
            counters: Mutex::new(HashMap::new()),
        }
    }

    fn keys(login: &str, addr: Option<IpAddr>) -> impl Iterator<Item = Key> {
        std::iter::once(Key::Login(login_key(login))).chain(addr.map(Key::Address))
    }

    fn limit(&self, key: &Key) -> usize {
        match key {
            Key::Login(_) => self.policy.max_failures_per_login as usize,
            Key::Address(_) => self.policy.max_failures_per_address as usize,
        }
    }

    /// Whether a sign-in for `login` from `addr` is refused now.
    pub fn is_blocked(&self, login: &str, addr: Option<IpAddr>, now: OffsetDateTime) -> bool {
        let counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(login, addr).any(|k| {
            counters
                .get(&k)
                .and_then(|c| c.blocked_until)
                .is_some_and(|until| now < until)
        })
    }

    /// Counts a failed sign-in; blocks the login or the address that reaches its limit.
    pub fn record_failure(&self, login: &str, addr: Option<IpAddr>, now: OffsetDateTime) {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if counters.len() >= MAX_KEYS {
            let window = self.policy.failure_window;
            counters.retain(|_, c| {
                c.blocked_until.is_some_and(|u| now < u)
                    || c.failures.back().is_some_and(|t| now - *t < window)
            });
        }
        for key in Self::keys(login, addr) {
            let limit = self.limit(&key);
            let c = counters.entry(key).or_default();
            if c.blocked_until.is_some_and(|u| now < u) {
                continue;
            }
            while c
                .failures
                .front()
                .is_some_and(|t| now - *t >= self.policy.failure_window)
            {
                c.failures.pop_front();
            }
            c.failures.push_back(now);
            if c.failures.len() >= limit {
                c.blocked_until = Some(now + self.policy.block);
                c.failures.clear();
            }
        }
    }

    /// A successful sign-in clears the login's failures.
    pub fn record_success(&self, login: &str) {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        counters.remove(&Key::Login(login_key(login)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn policy() -> PanelConfig {
        PanelConfig {
            idle_timeout: Duration::minutes(15),
            absolute_timeout: Duration::hours(8),
            max_failures_per_login: 5,
            max_failures_per_address: 20,
            failure_window: Duration::minutes(15),
            block: Duration::minutes(15),
            require_second_factor: true,
            second_factor_key_file: "k".into(),
        }
    }

    #[test]
    fn five_failures_block_the_login_for_the_block_time() {
        let t = Throttle::new(policy());
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for i in 0..4 {
            t.record_failure("Jan.Kowalski", Some(a), t0 + Duration::seconds(i));
            assert!(!t.is_blocked("jan.kowalski", Some(a), t0 + Duration::seconds(i)));
        }
        t.record_failure("jan.kowalski ", Some(b), t0 + Duration::seconds(10));
        // Per login: from any address.
        assert!(t.is_blocked("jan.kowalski", Some(a), t0 + Duration::seconds(11)));
        assert!(t.is_blocked("JAN.KOWALSKI", None, t0 + Duration::minutes(14)));
        assert!(!t.is_blocked("anna.nowak", Some(a), t0 + Duration::seconds(11)));
        // Attempts while blocked do not extend it.
        t.record_failure("jan.kowalski", Some(a), t0 + Duration::minutes(10));
        assert!(!t.is_blocked(
            "jan.kowalski",
            Some(a),
            t0 + Duration::seconds(10) + Duration::minutes(15)
        ));
    }

    #[test]
    fn failures_outside_the_window_do_not_count_and_success_clears() {
        let t = Throttle::new(policy());
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        for i in 0..10 {
            t.record_failure("x", None, t0 + Duration::minutes(4 * i));
        }
        assert!(!t.is_blocked("x", None, t0 + Duration::minutes(40)));
        for i in 0..4 {
            t.record_failure("y", None, t0 + Duration::seconds(i));
        }
        t.record_success("y");
        t.record_failure("y", None, t0 + Duration::seconds(5));
        assert!(!t.is_blocked("y", None, t0 + Duration::seconds(6)));
    }

    #[test]
    fn twenty_failures_from_one_address_block_the_address() {
        let t = Throttle::new(policy());
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for i in 0..20 {
            t.record_failure(&format!("user{i}"), Some(a), t0);
        }
        assert!(t.is_blocked("someone.else", Some(a), t0));
        assert!(!t.is_blocked("someone.else", Some("192.0.2.9".parse().unwrap()), t0));
    }
}
