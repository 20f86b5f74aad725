//! Accounts: one-time passwords, administrators' locks (security.md INIT-*, PPOL-*).
//!
//! Every change is **one Modify** that starts by deleting the *expected* value of
//! `zszoAccountState` and adding the new one: if another request changed the state in the
//! meantime, the delete fails (`noSuchAttribute`, 16) and slapd applies nothing (a Modify is
//! atomic). So two simultaneous "create account" submissions give one account: the second
//! finds the state no longer `none` and is refused, its password never written.
//!
//! | step | attributes |
//! |---|---|
//! | initial credentials | `userPassword: {ARGON2}…`, `pwdReset: TRUE`, `pwdEndTime`, `zszoInitialPasswordExpiry`, state `awaiting-first-login`; `zszoAccountCreatedBy/At` on creation; `pwdAccountLockedTime: 000001010000Z` while employment is inactive |
//! | lock | state `locked`, `pwdAccountLockedTime: 000001010000Z` |
//! | account request | `zszoAccountRequestedBy/At` (state `none` → `none`: written only while there is no account); withdrawn with both removed; removed by the initial credentials from `none` |
//! | own password | `userPassword: {ARGON2}…`, `pwdReset: FALSE`; from `awaiting-first-login` also `pwdEndTime` and `zszoInitialPasswordExpiry` removed, state `awaiting-email-confirmation` |
//! | confirmed email | `mail` replaced; from `awaiting-email-confirmation` state `active` and `zszoAccountActivatedAt` |
//! | unlock | state back (see `Directory::unlock_account`), `pwdAccountLockedTime` removed while employment is active |
//!
//! The employment read before the write can change in between (an HR deactivation racing a
//! creation): HR's `update_person` then sees `awaiting-first-login` and sets the lock itself,
//! unless it read the state before this write; the window is one round trip. A change planned
//! from the caller's read (`AccountAt::read`) asserts that read's `entryCSN`, so an entry
//! changed since is read again and the change planned anew: the window stays the same.

use super::directory::LdapDirectory;
use super::error::rc;
use super::mapping::{generalized_time, Reader};
use super::names::Filter;
use super::people::person_not_found;
use super::people_update::snapshot_entry;
use super::person_map::{PERMANENT_LOCK, PERSON_ATTRS};
use super::pool::WriteError;
use crate::domain::AccountState;
use crate::ports::SchoolScope;
use crate::ports::{
    AccountAt, AccountRequest, ConfirmedEmail, DirectoryError, DirectoryResult, InitialCredentials,
    PasswordHash, PersonEntry, ReadSnapshot,
};
use ldap3::{Mod, SearchEntry};
use std::collections::HashSet;

/// An account's state change: the state expected now and the state written.
type StateChange = (AccountState, AccountState);

/// What an account change needs to know about the entry before writing.
struct Current {
    entry: SearchEntry,
    employment_active: bool,
}

impl Current {
    fn of(entry: SearchEntry) -> Self {
        let employment_active = Reader(&entry)
            .values("zszoEmploymentActive")
            .first()
            .is_none_or(|v| !v.eq_ignore_ascii_case("FALSE"));
        Self {
            entry,
            employment_active,
        }
    }
}

fn values(v: impl IntoIterator<Item = String>) -> HashSet<String> {
    v.into_iter().collect()
}

fn replace(name: &str, value: impl Into<String>) -> Mod<String> {
    Mod::Replace(name.to_owned(), values([value.into()]))
}

/// Removes the attribute whatever its values (no error when absent).
fn clear(name: &str) -> Mod<String> {
    Mod::Replace(name.to_owned(), HashSet::new())
}

/// The compare-and-set of the state: delete `from` (fails when it is not the value), add `to`.
fn state_change(from: AccountState, to: AccountState) -> [Mod<String>; 2] {
    [
        Mod::Delete(
            "zszoAccountState".to_owned(),
            values([from.as_str().to_owned()]),
        ),
        Mod::Add(
            "zszoAccountState".to_owned(),
            values([to.as_str().to_owned()]),
        ),
    ]
}

fn state_conflict(expected: AccountState) -> DirectoryError {
    DirectoryError::StateChanged { expected }
}

impl LdapDirectory {
    async fn account_entry(&self, id: &str) -> DirectoryResult<Current> {
        let attrs = [
            "zszoAccountState",
            "zszoEmploymentActive",
            "pwdReset",
            "pwdAccountLockedTime",
            "zszoAccountActivatedAt",
        ];
        let entry = self.person_entry_by_id(id, &attrs).await?;
        Ok(Current::of(entry))
    }

    /// One Modify: the [`state_change`] from `from` to `to`, then `mods`; `StateChanged` when
    /// the state is no longer `from`. Returns the person as changed.
    async fn account_modify(
        &self,
        id: &str,
        dn: &str,
        (from, to): StateChange,
        mods: Vec<Mod<String>>,
        assertion: Option<&Filter>,
    ) -> DirectoryResult<PersonEntry> {
        let mods = state_change(from, to).into_iter().chain(mods).collect();
        // The Modify answers with the entry it left (RFC 4527 Post-Read), so the person as
        // changed needs no search after it (issue 17: an account creation read it again).
        let written = match self
            .pool()
            .modify_read_back(dn, mods, assertion, PERSON_ATTRS)
            .await
        {
            Ok(written) => written,
            Err(WriteError::Refused(r)) if r.rc == 16 => return Err(state_conflict(from)),
            Err(e) if e.rc() == Some(rc::NO_SUCH_OBJECT) => return Err(person_not_found(id)),
            Err(e) => return Err(e.into_directory(dn)),
        };
        if let Some(person) = self.person_as_written(written).await {
            return Ok(person);
        }
        // The change happened: failing to read it now leaves the outcome for the caller to
        // learn (issue 14).
        self.find_person(Filter::eq("entryUUID", id), &SchoolScope::All)
            .await
            .map_err(|e| DirectoryError::OutcomeUnknown(format!("{dn} was changed: {e}")))?
            .ok_or_else(|| person_not_found(id))
    }

    /// Reads the account, plans its change from what it is now (the state change from the
    /// expected state, and the other attributes written), and makes it in one
    /// [`Self::account_modify`]. A plan's error is returned before anything is written. With
    /// the caller's `read` of the entry (issue 17: an account creation read the person twice),
    /// the plan is made from it and its version asserted in the Modify; when the entry
    /// changed since, it is read again and the change planned anew, as without it.
    async fn change_account(
        &self,
        id: &str,
        read: Option<&ReadSnapshot>,
        plan: impl Fn(&Current) -> DirectoryResult<(StateChange, Vec<Mod<String>>)>,
    ) -> DirectoryResult<PersonEntry> {
        if let Some(entry) = snapshot_entry(read, id) {
            let current = Current::of(entry.clone());
            let version = Reader(entry).meta()?.version;
            let (change, mods) = plan(&current)?;
            let assertion = Filter::eq("entryCSN", version);
            let dn = &current.entry.dn;
            match self
                .account_modify(id, dn, change, mods, Some(&assertion))
                .await
            {
                Err(DirectoryError::VersionChanged(_)) => {}
                other => return other,
            }
        }
        let current = self.account_entry(id).await?;
        let (change, mods) = plan(&current)?;
        self.account_modify(id, &current.entry.dn, change, mods, None)
            .await
    }

    pub(super) async fn set_initial_credentials_impl(
        &self,
        AccountAt { id, expect, read }: AccountAt<'_>,
        credentials: &InitialCredentials,
    ) -> DirectoryResult<PersonEntry> {
        self.change_account(id, read, |current| {
            let expiry = generalized_time(credentials.expires_at);
            let mut mods = Vec::new();
            if expect == AccountState::AwaitingFirstLogin {
                // A re-issue replaces only a one-time password still pending: if the person
                // changed it by other means (a Password Modify clears `pwdReset`), this delete
                // fails and their own password stays.
                mods.push(Mod::Delete(
                    "pwdReset".to_owned(),
                    values(["TRUE".to_owned()]),
                ));
            }
            mods.extend([
                replace("userPassword", format!("{{ARGON2}}{}", credentials.hash.0)),
                replace("pwdReset", "TRUE"),
                replace("pwdEndTime", expiry.clone()),
                replace("zszoInitialPasswordExpiry", expiry),
            ]);
            if expect == AccountState::None {
                mods.push(replace(
                    "zszoAccountCreatedBy",
                    credentials.created_by.clone(),
                ));
                mods.push(replace(
                    "zszoAccountCreatedAt",
                    generalized_time(credentials.created_at),
                ));
                // The account asked for is issued: the request is done.
                mods.push(clear("zszoAccountRequestedBy"));
                mods.push(clear("zszoAccountRequestedAt"));
            }
            if !current.employment_active {
                mods.push(replace("pwdAccountLockedTime", PERMANENT_LOCK));
            }
            Ok(((expect, AccountState::AwaitingFirstLogin), mods))
        })
        .await
    }

    pub(super) async fn lock_account_impl(
        &self,
        AccountAt { id, expect, read }: AccountAt<'_>,
    ) -> DirectoryResult<PersonEntry> {
        self.change_account(id, read, |_| {
            let lock = replace("pwdAccountLockedTime", PERMANENT_LOCK);
            Ok(((expect, AccountState::Locked), vec![lock]))
        })
        .await
    }

    pub(super) async fn unlock_account_impl(&self, id: &str) -> DirectoryResult<PersonEntry> {
        self.change_account(id, None, |current| {
            let r = Reader(&current.entry);
            let pending = r
                .values("pwdReset")
                .first()
                .is_some_and(|v| v.eq_ignore_ascii_case("TRUE"));
            let back = if pending {
                AccountState::AwaitingFirstLogin
            } else if !r.values("zszoAccountActivatedAt").is_empty() {
                AccountState::Active
            } else {
                AccountState::AwaitingEmailConfirmation
            };
            let mut mods = Vec::new();
            if current.employment_active {
                mods.push(clear("pwdAccountLockedTime"));
            }
            Ok(((AccountState::Locked, back), mods))
        })
        .await
    }

    pub(super) async fn set_account_request_impl(
        &self,
        id: &str,
        request: Option<&AccountRequest>,
    ) -> DirectoryResult<PersonEntry> {
        let current = self.account_entry(id).await?;
        let dn = &current.entry.dn;
        let Some(request) = request else {
            let mods = vec![
                clear("zszoAccountRequestedBy"),
                clear("zszoAccountRequestedAt"),
            ];
            self.pool()
                .modify(dn, mods)
                .await
                .map_err(|e| e.into_directory(dn))?;
            return self.person_by_id(id).await;
        };
        // `none` → `none`: the delete fails when an account was issued in the meantime.
        let mods = vec![
            replace("zszoAccountRequestedBy", request.by.clone()),
            replace("zszoAccountRequestedAt", generalized_time(request.at)),
        ];
        let change = (AccountState::None, AccountState::None);
        self.account_modify(id, dn, change, mods, None).await
    }

    pub(super) async fn set_own_password_impl(
        &self,
        AccountAt { id, expect, read }: AccountAt<'_>,
        hash: &PasswordHash,
    ) -> DirectoryResult<PersonEntry> {
        self.change_account(id, read, |_| {
            let to = match expect {
                AccountState::AwaitingFirstLogin => AccountState::AwaitingEmailConfirmation,
                AccountState::AwaitingEmailConfirmation | AccountState::Active => expect,
                other => return Err(state_conflict(other)),
            };
            // An explicit FALSE: ppolicy's pwdMustChange marks a password that the service
            // (not the person's own bind) writes as "must change" unless the Modify says
            // otherwise (checked against slapd 2.5/2.6; a delete of pwdReset fails, ppolicy
            // removes it).
            let mut mods = vec![
                replace("userPassword", format!("{{ARGON2}}{}", hash.0)),
                replace("pwdReset", "FALSE"),
            ];
            if expect == AccountState::AwaitingFirstLogin {
                mods.push(clear("pwdEndTime"));
                mods.push(clear("zszoInitialPasswordExpiry"));
            }
            Ok(((expect, to), mods))
        })
        .await
    }

    pub(super) async fn set_confirmed_email_impl(
        &self,
        AccountAt { id, expect, read }: AccountAt<'_>,
        ConfirmedEmail { address, at }: ConfirmedEmail<'_>,
    ) -> DirectoryResult<PersonEntry> {
        self.change_account(id, read, |_| {
            let to = match expect {
                AccountState::AwaitingEmailConfirmation | AccountState::Active => {
                    AccountState::Active
                }
                other => return Err(state_conflict(other)),
            };
            let mut mods = vec![replace("mail", address.as_str())];
            if expect == AccountState::AwaitingEmailConfirmation {
                mods.push(replace("zszoAccountActivatedAt", generalized_time(at)));
            }
            Ok(((expect, to), mods))
        })
        .await
    }
}
