//! People: the update (SCIM PUT and PATCH end here), with moves and sign-in locks.
//!
//! **update_person, step by step** (each step one LDAP operation; writes are not retried):
//! 1. read the entry by id (`NotFound` if gone), unless the caller's `get_person` read is
//!    given as a snapshot: then that read is the entry, and its version is asserted in the
//!    first Modify even when the caller named none (changed since: read again and start
//!    over; a unique attribute to write: read again, so that the write stays one Modify);
//!    check the userName is free, resolve the
//!    manager id (`NotFound` if unknown) and, when the primary school changed, that its
//!    `ou=pracownicy` exists — all before any write;
//! 2. one Modify on the current DN (none when nothing differs): every HR-owned attribute
//!    whose values differ replaced (absent values deleted) — the schools and
//!    `eduPerson(Primary)OrgUnitDN` for the new primary school included — and the sign-in
//!    lock: `pwdAccountLockedTime: 000001010000Z` (ppolicy's permanent lock) set
//!    when employment is inactive and the person has credentials, removed when employment is
//!    active and the value is exactly that one — unless the account state is `locked` (an
//!    administrator's lock, which HR never lifts); a lockout after failed binds, with a real
//!    timestamp, is left alone;
//! 3. when the entry is not under its primary school's `ou=pracownicy`: Modify DN with
//!    `newSuperior` (the id stays; refint and memberof carry group memberships and `manager`
//!    links along);
//! 4. the entry as written: the last Modify's Post-Read answer (RFC 4527), or read again
//!    when a move followed or the answer is missing.
//!
//! A failure in step 2 changes nothing (one Modify is atomic). A failure in step 3 leaves the
//! new attributes on an entry still in the old school's OU; the error is returned and the same
//! update, sent again, completes the move (step 3 compares the DN, not the stored attributes).
//! No step ever creates credentials.

use super::directory::LdapDirectory;
use super::mapping::Reader;
use super::names::{dn_key, person_rdn, Filter};
use super::people::ORDERED;
use super::person_map::{hr_values, person_from_entry, replace_mods, PERMANENT_LOCK, PERSON_ATTRS};
use crate::domain::AccountState;
use crate::ports::{
    DirectoryError, DirectoryResult, PersonAt, PersonEntry, PersonProfile, ReadSnapshot,
    SchoolDirectory, Unique,
};
use ldap3::{Mod, SearchEntry};
use std::collections::HashSet;
use std::sync::LazyLock;

impl LdapDirectory {
    /// `AlreadyExists { taken: UserName }` when another person (not `except_id`) has this userName,
    /// compared case-insensitively (the attribute's caseIgnoreMatch).
    async fn check_user_name(
        &self,
        user_name: Option<&str>,
        except_id: Option<&str>,
    ) -> DirectoryResult<()> {
        let Some(name) = user_name.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(());
        };
        let filter = Filter::and([
            Filter::object_class("zszoPerson"),
            Filter::eq("zszoExternalUserName", name),
        ]);
        let taken = self
            .search_schools(&filter, &["entryUUID"])
            .await?
            .iter()
            .filter_map(|e| Reader(e).values("entryUUID").first().cloned())
            .any(|id| except_id.is_none_or(|me| !me.eq_ignore_ascii_case(&id)));
        if taken {
            return Err(DirectoryError::taken(
                Unique::UserName,
                format!("userName {name:?}"),
            ));
        }
        Ok(())
    }

    /// `at.version`: write only while the entry's `entryCSN` is this (checked on the entry
    /// read, and by slapd in the first write through the RFC 4528 assertion control).
    /// `at.read`: the caller's `get_person` read, written from instead of reading the entry
    /// again, with its version asserted; when the entry changed since, or the change cannot
    /// be asserted in one Modify (a unique attribute), the entry is read again and the update
    /// is made as if there were no snapshot.
    pub(super) async fn update_person_impl(
        &self,
        at: PersonAt<'_>,
        profile: &PersonProfile,
    ) -> DirectoryResult<PersonEntry> {
        if let Some(entry) = snapshot_entry(at.read, at.id) {
            let base = match at.version {
                Some(v) => Base::Caller(Some(v)),
                None => Base::Snapshot,
            };
            match self.update_person_from(entry, profile, base).await {
                Ok(Some(written)) => return Ok(written),
                // Changed since the caller's read, and the caller named no version: as
                // before snapshots, the update applies to the entry as it is now.
                Err(DirectoryError::VersionChanged(_)) if at.version.is_none() => {}
                Err(e) => return Err(e),
                Ok(None) => {}
            }
        }
        let entry = self
            .person_entry_by_id(at.id, UPDATE_ATTRS.as_slice())
            .await?;
        let written = self
            .update_person_from(&entry, profile, Base::Caller(at.version))
            .await?;
        written.ok_or_else(|| DirectoryError::Other("update without a snapshot declined".into()))
    }

    /// The update of `entry` (read with [`UPDATE_ATTRS`]) to `profile`; `Ok(None)` only for
    /// [`Base::Snapshot`], when the change includes a unique attribute (then the caller reads
    /// the entry again: such a change cannot be asserted in the same Modify, and without a
    /// version of the caller's it must stay one atomic Modify).
    async fn update_person_from(
        &self,
        entry: &SearchEntry,
        profile: &PersonProfile,
        base: Base<'_>,
    ) -> DirectoryResult<Option<PersonEntry>> {
        let current = person_from_entry(entry)?.person;
        let id = current.entry.id.as_str();
        let version = match base {
            Base::Caller(v) => v,
            Base::Snapshot => Some(current.meta.version.as_str()),
        };
        let assertion = version.map(|v| Filter::eq("entryCSN", v));
        // Step 1: checks before any write. An unchanged userName is not written, so it
        // needs no uniqueness search (issue 17: most PATCHes change something else).
        let user_name = profile.user_name.as_deref();
        let current_user_name = Reader(entry)
            .values("zszoExternalUserName")
            .first()
            .cloned();
        if user_name != current_user_name.as_deref() {
            self.check_user_name(user_name, Some(id)).await?;
        }
        let manager = self.manager_dn(profile.manager.as_deref()).await?;
        let primary = &profile.employment.primary;
        let target_dn = self.layout().person_dn(primary, &current.login);
        let must_move = dn_key(&target_dn) != dn_key(&entry.dn);
        if must_move && self.find_school(primary).await?.is_none() {
            return Err(DirectoryError::NotFound(format!("school {primary}")));
        }
        // Step 2: one atomic Modify.
        // Only what differs is written: an unchanged profile (a client re-sending it) changes
        // nothing, not even the version.
        // The address the person confirmed in the portal (an activated account) is theirs:
        // HR's addresses then go to zszoHrMail only, never over `mail`.
        let confirmed = !Reader(entry).values("zszoAccountActivatedAt").is_empty();
        let changed = hr_values(profile, self.layout(), manager.as_deref())
            .into_iter()
            .filter(|(name, _)| !(confirmed && *name == "mail"))
            .filter(|(name, values)| !same_values(name, Reader(entry).values(name), values))
            .collect();
        let mut mods = replace_mods(changed);
        let lock = Reader(entry)
            .values("pwdAccountLockedTime")
            .first()
            .cloned();
        let locked = lock.as_deref() == Some(PERMANENT_LOCK);
        let has_credentials = current.account_state != AccountState::None;
        if !profile.employment_active && has_credentials && !locked {
            mods.push(Mod::Replace(
                "pwdAccountLockedTime".to_owned(),
                HashSet::from([PERMANENT_LOCK.to_owned()]),
            ));
        } else if profile.employment_active
            && locked
            && current.account_state != AccountState::Locked
        {
            // An account an administrator locked (state `locked`) stays locked: HR's
            // employment never lifts an administrator's decision.
            mods.push(Mod::Delete(
                "pwdAccountLockedTime".to_owned(),
                HashSet::from([PERMANENT_LOCK.to_owned()]),
            ));
        }
        // slapo-unique runs its own search inside a Modify of a unique attribute, and slapd
        // applies the request's assertion control to that search too, so it would always
        // fail: the version is asserted by a first Modify without them (or, when only they
        // change, one that rewrites `zszoSearchName` as it is), and they follow unasserted.
        let (unique, asserted): (Vec<_>, Vec<_>) = match &assertion {
            Some(_) => mods.into_iter().partition(is_unique_mod),
            None => (Vec::new(), mods),
        };
        let asserted = match (&assertion, asserted.is_empty(), unique.is_empty()) {
            (Some(_), true, false) => {
                let names = Reader(entry).values("zszoSearchName");
                if names.is_empty() {
                    Vec::new()
                } else {
                    vec![Mod::Replace(
                        "zszoSearchName".to_owned(),
                        names.iter().cloned().collect(),
                    )]
                }
            }
            _ => asserted,
        };
        if base == Base::Snapshot && !unique.is_empty() {
            return Ok(None);
        }
        // Nothing asserted in a write: compare with what was just read instead.
        if asserted.is_empty() && version.is_some_and(|v| v != current.meta.version) {
            return Err(DirectoryError::VersionChanged(entry.dn.clone()));
        }
        // The last Modify answers with the entry it left (Post-Read) unless a move follows.
        let read_back: &[&str] = if must_move { &[] } else { PERSON_ATTRS };
        let mut written = None;
        for (mods, assertion) in [(asserted, assertion.as_ref()), (unique, None)] {
            if !mods.is_empty() {
                written = self
                    .pool()
                    .modify_read_back(&entry.dn, mods, assertion, read_back)
                    .await
                    .map_err(|e| Self::person_write_error(e, &entry.dn))?;
            }
        }
        // Step 3: the move.
        if must_move {
            let superior = self.layout().people_dn(primary);
            self.pool()
                .modify_dn(&entry.dn, &person_rdn(&current.login), Some(&superior))
                .await
                .map_err(|e| e.into_directory(&entry.dn))?;
        }
        // Step 4: the entry as written, from the last Modify's answer or read again.
        match self.person_as_written(written).await {
            Some(person) => Ok(Some(person)),
            None => self.person_by_id(id).await.map(Some),
        }
    }
}

/// What an update compares: the person's attributes and those only a write needs.
pub(super) static UPDATE_ATTRS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut attrs = PERSON_ATTRS.to_vec();
    attrs.extend([
        "pwdAccountLockedTime",
        "zszoSearchName",
        "eduPersonOrgUnitDN",
        "eduPersonPrimaryOrgUnitDN",
        "zszoHrMail",
        // An account change's plan (`accounts.rs`).
        "pwdReset",
    ]);
    attrs
});

/// The entry in `read` if it is the adapter's `get_person` read of the person `id`.
pub(super) fn snapshot_entry<'r>(
    read: Option<&'r ReadSnapshot>,
    id: &str,
) -> Option<&'r SearchEntry> {
    read?
        .get::<UpdateRead>()
        .filter(|r| r.id().is_some_and(|own| own.eq_ignore_ascii_case(id)))
        .map(|r| &r.0)
}

/// An entry read with [`UPDATE_ATTRS`] (`get_person`'s read), kept as the person's
/// [`crate::ports::ReadSnapshot`].
pub(super) struct UpdateRead(pub(super) SearchEntry);

impl UpdateRead {
    fn id(&self) -> Option<&str> {
        Reader(&self.0)
            .values("entryUUID")
            .first()
            .map(String::as_str)
    }
}

/// Which version an update asserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base<'a> {
    /// The caller's (`None`: none; the entry was read just now).
    Caller(Option<&'a str>),
    /// The snapshot's own: the caller named none, and the entry may have changed since.
    Snapshot,
}

/// The attributes slapo-unique keeps unique city-wide (`crate::slapd::config::UNIQUE_ATTRIBUTES`
/// configures the same list; `schemas/ldap/README.md`).
pub(super) const UNIQUE_ATTRIBUTES: [&str; 4] =
    ["uid", "mail", "zszoExternalId", "zszoExternalUserName"];

fn is_unique_mod(m: &Mod<String>) -> bool {
    let name = match m {
        Mod::Add(n, _) | Mod::Delete(n, _) | Mod::Replace(n, _) | Mod::Increment(n, _) => n,
    };
    UNIQUE_ATTRIBUTES
        .iter()
        .any(|u| u.eq_ignore_ascii_case(name))
}

/// Whether stored values equal wanted ones: in order for contact attributes (the first is the
/// primary), as sets otherwise; case-sensitively, so a change of case is written.
fn same_values(name: &str, stored: &[String], wanted: &[String]) -> bool {
    if ORDERED.contains(&name) {
        return stored == wanted;
    }
    let mut a = stored.to_vec();
    let mut b = wanted.to_vec();
    a.sort();
    b.sort();
    a == b
}
