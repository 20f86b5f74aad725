//! The logins this daemon is adding right now, so that namesakes created at the same time
//! (a Bulk's concurrent operations, two HR clients, a SCIM client's parallel requests) do not
//! all try the same free login.
//!
//! Why: a creation reads which of a name's logins are taken, then adds with the first free
//! one. Two creations of namesakes that read before either added chose the same login; the
//! directory refused one of them (slapo-unique), and it went on to the next candidate with a
//! new write intent and a second add. The bench saw 5 % of its adds refused that way
//! (BENCHMARKS.md, issue 17's eighth round). With a reservation the second creation skips the
//! first one's login at once.
//!
//! Only within this process: slapo-unique still refuses a login taken by another writer
//! (another daemon, an operator's `ldapadd`), and the creation still moves on when it does.
//! A reservation given up because its add failed for another reason leaves that login free
//! for the next namesake: a gap in the numbers, never a duplicate.

use crate::domain::LoginName;
use std::collections::HashSet;
use std::sync::Mutex;

/// The set of logins being added; one per daemon, shared by every `Provisioning`.
#[derive(Debug, Default)]
pub struct LoginsInFlight(Mutex<HashSet<LoginName>>);

/// A login held for one add; released when dropped (after the add, whatever its outcome).
#[derive(Debug)]
pub struct Reservation<'a> {
    set: &'a LoginsInFlight,
    login: LoginName,
}

impl LoginsInFlight {
    /// Holds `login` for the caller's add; `None` while another creation holds it.
    pub fn reserve(&self, login: &LoginName) -> Option<Reservation<'_>> {
        let fresh = self.lock().insert(login.clone());
        fresh.then(|| Reservation {
            set: self,
            login: login.clone(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<LoginName>> {
        // The set holds no invariant a panic could break half-way.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.set.lock().remove(&self.login);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_held_once_until_its_reservation_is_dropped() {
        let set = LoginsInFlight::default();
        let login = LoginName::parse("anna.nowak").unwrap();
        let held = set.reserve(&login).expect("a free login");
        assert!(set.reserve(&login).is_none());
        let other = LoginName::parse("anna.nowak2").unwrap();
        assert!(set.reserve(&other).is_some());
        drop(held);
        assert!(set.reserve(&login).is_some());
    }
}
