//! Throttling of failed sign-ins (panel, its second factor, and the portal), per login at an
//! address and per address (security.md RATE-01, RATE-03; NIST 800-63B-4 §3.2.2; issue 12
//! item 5).
//!
//! Policy (`[panel]`, defaults in brackets): when a login has `max_failures_per_login` [5]
//! failed sign-ins from one address within `failure_window` [15 min], that login is refused
//! *from that address*; when an address has `max_failures_per_address` [20] failures, every
//! sign-in from it is refused; both for `block` [15 min] from the failure that reached the
//! limit, even with the right password. So failures slow down the login and the address that
//! fail, never the right password of the same person at another address: an attacker cannot
//! lock administrators out by failing with their logins. Guessing one login from many
//! addresses meets the directory's own ppolicy lockout. The refusal is the same page and
//! status as a wrong password. Attempts while blocked are not counted. A successful sign-in
//! clears the login's failures at that address (not the address's).
//!
//! The address is the client's as `web::client_address` found it (the forwarded one behind a
//! trusted proxy). Counters are in the state store (`store::sign_in_failures`), so a restart
//! does not clear them. A store that cannot answer refuses the sign-in (fail closed).

use crate::config::PanelConfig;
use crate::onboarding::admin_sign_in::AdminSignInRefusal;
use crate::onboarding::second_factor::SecondFactorError;
use crate::onboarding::OnboardingError;
use crate::ports::state::SignInFailures;
use crate::store::sign_in_failures::{BlockRule, Counted, FailedSignIn};
use std::net::IpAddr;
use std::sync::Arc;
use time::OffsetDateTime;

/// What a sign-in step's result proves about the secret given (see [`Throttle::attempt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    WrongSecret,
    RightSecret,
    /// The check did not happen (directory unavailable, too busy): nothing counted.
    Undecided,
}

/// A throttled step's refusal, and what it proves about the secret (a success always proves
/// the right one). Said once per error type, here, for every step that uses it.
pub trait ProvesSecret {
    fn verdict(&self) -> Verdict;
}

impl ProvesSecret for AdminSignInRefusal {
    fn verdict(&self) -> Verdict {
        match self {
            AdminSignInRefusal::InvalidCredentials => Verdict::WrongSecret,
            AdminSignInRefusal::Unavailable | AdminSignInRefusal::Busy => Verdict::Undecided,
            // The right password of someone who may not use the panel: the login's failures
            // are cleared, the refusal explained.
            _ => Verdict::RightSecret,
        }
    }
}

impl ProvesSecret for OnboardingError {
    fn verdict(&self) -> Verdict {
        match self {
            OnboardingError::InvalidCredentials => Verdict::WrongSecret,
            _ => Verdict::Undecided,
        }
    }
}

impl ProvesSecret for SecondFactorError {
    fn verdict(&self) -> Verdict {
        match self {
            SecondFactorError::Unavailable => Verdict::Undecided,
            _ => Verdict::WrongSecret,
        }
    }
}

pub struct Throttle {
    policy: PanelConfig,
    store: Arc<dyn SignInFailures>,
    /// `panel` or `portal`: their counters are apart.
    area: &'static str,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("area", &self.area)
            .finish_non_exhaustive()
    }
}

/// The login as a throttling key: trimmed, lower-case, bounded (what the person typed,
/// whether or not such a login exists).
pub fn login_key(raw: &str) -> String {
    raw.trim().to_lowercase().chars().take(128).collect()
}

impl Throttle {
    pub fn new(
        policy: PanelConfig,
        store: impl SignInFailures + 'static,
        area: &'static str,
    ) -> Self {
        Self {
            policy,
            store: Arc::new(store),
            area,
        }
    }

    fn login_at(&self, login: &str, addr: Option<IpAddr>) -> String {
        let addr = addr.map_or_else(|| "-".to_owned(), |a| a.to_string());
        format!("{}|login|{}|{addr}", self.area, login_key(login))
    }

    fn address(&self, addr: IpAddr) -> String {
        format!("{}|address|{addr}", self.area)
    }

    /// Whether a sign-in for `login` from `addr` is refused now.
    pub async fn is_blocked(&self, login: &str, addr: Option<IpAddr>, now: OffsetDateTime) -> bool {
        let mut keys = vec![self.login_at(login, addr)];
        keys.extend(addr.map(|a| self.address(a)));
        match self.store.sign_in_blocked(keys, now.unix_timestamp()).await {
            Ok(blocked) => blocked,
            Err(e) => {
                tracing::error!(error = %e, "sign-in throttle unreadable; refused");
                true
            }
        }
    }

    /// Counts a failed sign-in; blocks the login at the address, or the address, that reaches
    /// its limit.
    pub async fn record_failure(&self, login: &str, addr: Option<IpAddr>, now: OffsetDateTime) {
        let mut keys = vec![Counted {
            key: self.login_at(login, addr),
            limit: self.policy.max_failures_per_login as usize,
        }];
        keys.extend(addr.map(|a| Counted {
            key: self.address(a),
            limit: self.policy.max_failures_per_address as usize,
        }));
        let rule = BlockRule {
            window: self.policy.failure_window.whole_seconds(),
            block: self.policy.block.whole_seconds(),
        };
        let failed = FailedSignIn {
            keys,
            now: now.unix_timestamp(),
        };
        if let Err(e) = self.store.sign_in_failed(failed, rule).await {
            tracing::error!(error = %e, "sign-in throttle: a failure not counted");
        }
    }

    /// The one path of every throttled sign-in step (panel and portal password, the panel's
    /// second factor): refused without trying while `login` or `addr` is blocked (`None`:
    /// answer as for a wrong password; `on_blocked` runs first, so the refusal is recorded
    /// and costs what a password check costs, RATE-03; its result is not needed); else `attempt`
    /// runs and its result's [`ProvesSecret::verdict`] counts: a wrong secret a failure, the
    /// right one clears the login's failures at the address, a dependency that could not
    /// answer neither.
    pub async fn attempt<T, E: ProvesSecret>(
        &self,
        login: &str,
        addr: Option<IpAddr>,
        now: OffsetDateTime,
        on_blocked: impl std::future::Future,
        attempt: impl std::future::Future<Output = Result<T, E>>,
    ) -> Option<Result<T, E>> {
        if self.is_blocked(login, addr, now).await {
            let _ = on_blocked.await;
            return None;
        }
        let result = attempt.await;
        let verdict = match &result {
            Ok(_) => Verdict::RightSecret,
            Err(e) => e.verdict(),
        };
        match verdict {
            Verdict::WrongSecret => self.record_failure(login, addr, now).await,
            Verdict::RightSecret => self.record_success(login, addr).await,
            Verdict::Undecided => {}
        }
        Some(result)
    }

    /// A successful sign-in clears the login's failures at that address.
    pub async fn record_success(&self, login: &str, addr: Option<IpAddr>) {
        if let Err(e) = self
            .store
            .sign_in_succeeded(self.login_at(login, addr))
            .await
        {
            tracing::error!(error = %e, "sign-in throttle: a success not recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use time::macros::datetime;
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

    /// The moment and the address the tests sign in at.
    const T0: OffsetDateTime = datetime!(2023-11-14 22:13:20 UTC);
    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

    fn throttle(dir: &tempfile::TempDir) -> Throttle {
        let store = crate::store::StateStore::open(&dir.path().join("s.redb")).unwrap();
        Throttle::new(policy(), store, "panel")
    }

    #[tokio::test]
    async fn five_failures_block_the_login_at_that_address_only() {
        let dir = tempfile::tempdir().unwrap();
        let t = throttle(&dir);
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for i in 0..4 {
            t.record_failure("Jan.Kowalski", Some(A), T0 + Duration::seconds(i))
                .await;
            assert!(
                !t.is_blocked("jan.kowalski", Some(A), T0 + Duration::seconds(i))
                    .await
            );
        }
        t.record_failure("jan.kowalski ", Some(A), T0 + Duration::seconds(10))
            .await;
        assert!(
            t.is_blocked("JAN.KOWALSKI", Some(A), T0 + Duration::minutes(14))
                .await
        );
        // The same login from another address: not refused.
        assert!(
            !t.is_blocked("jan.kowalski", Some(b), T0 + Duration::seconds(11))
                .await
        );
        assert!(
            !t.is_blocked("anna.nowak", Some(A), T0 + Duration::seconds(11))
                .await
        );
        // Attempts while blocked do not extend it.
        t.record_failure("jan.kowalski", Some(A), T0 + Duration::minutes(10))
            .await;
        let end = T0 + Duration::seconds(10) + Duration::minutes(15);
        assert!(!t.is_blocked("jan.kowalski", Some(A), end).await);
    }

    /// A refusal that proves what the test says.
    struct Proves(Verdict);

    impl ProvesSecret for Proves {
        fn verdict(&self) -> Verdict {
            self.0
        }
    }

    /// The one path both sign-ins and the second factor take: a wrong secret counts, an
    /// undecided check does not, the right one clears; a blocked login never reaches the check.
    #[tokio::test]
    async fn an_attempt_counts_what_its_verdict_proves_and_a_blocked_one_is_not_tried() {
        let dir = tempfile::tempdir().unwrap();
        let t = throttle(&dir);
        let run = |verdict: Verdict| {
            let result = match verdict {
                Verdict::RightSecret => Ok(()),
                proven => Err(Proves(proven)),
            };
            t.attempt("jan.kowalski", Some(A), T0, async {}, async { result })
        };
        for _ in 0..4 {
            assert!(run(Verdict::WrongSecret).await.is_some());
        }
        // Undecided checks (directory down) never block anyone.
        for _ in 0..10 {
            assert!(run(Verdict::Undecided).await.is_some());
        }
        assert!(!t.is_blocked("jan.kowalski", Some(A), T0).await);
        // The right secret clears the four failures: four more do not block either.
        assert!(run(Verdict::RightSecret).await.is_some());
        for _ in 0..4 {
            assert!(run(Verdict::WrongSecret).await.is_some());
        }
        assert!(!t.is_blocked("jan.kowalski", Some(A), T0).await);
        assert!(run(Verdict::WrongSecret).await.is_some());
        // Blocked: the check does not run, `on_blocked` does.
        let tried = std::sync::atomic::AtomicBool::new(false);
        let refused = std::sync::atomic::AtomicBool::new(false);
        let answer = t
            .attempt(
                "jan.kowalski",
                Some(A),
                T0,
                async { refused.store(true, std::sync::atomic::Ordering::SeqCst) },
                async {
                    tried.store(true, std::sync::atomic::Ordering::SeqCst);
                    Ok::<_, Proves>(())
                },
            )
            .await;
        assert!(answer.is_none());
        assert!(refused.load(std::sync::atomic::Ordering::SeqCst));
        assert!(!tried.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn failures_outside_the_window_do_not_count_success_clears_and_a_restart_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        {
            let t = throttle(&dir);
            for i in 0..10 {
                t.record_failure("x", None, T0 + Duration::minutes(4 * i))
                    .await;
            }
            assert!(!t.is_blocked("x", None, T0 + Duration::minutes(40)).await);
            for i in 0..4 {
                t.record_failure("y", None, T0 + Duration::seconds(i)).await;
            }
            t.record_success("y", None).await;
            t.record_failure("y", None, T0 + Duration::seconds(5)).await;
            assert!(!t.is_blocked("y", None, T0 + Duration::seconds(6)).await);
            for i in 0..5 {
                t.record_failure("z", None, T0 + Duration::seconds(i)).await;
            }
        }
        // The store is opened again (a restart): the block is still there.
        let t = throttle(&dir);
        assert!(t.is_blocked("z", None, T0 + Duration::seconds(6)).await);
    }

    #[tokio::test]
    async fn twenty_failures_from_one_address_block_the_address() {
        let dir = tempfile::tempdir().unwrap();
        let t = throttle(&dir);
        for i in 0..20 {
            t.record_failure(&format!("user{i}"), Some(A), T0).await;
        }
        assert!(t.is_blocked("someone.else", Some(A), T0).await);
        assert!(
            !t.is_blocked("someone.else", Some("192.0.2.9".parse().unwrap()), T0)
                .await
        );
    }
}
