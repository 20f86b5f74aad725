//! Unknown outcomes of changes to existing entries (issue 14): a person's replace (PUT and
//! PATCH), an account's lock and unlock, a group's replace and membership change.
//!
//! When the connection breaks after a Modify was sent (`DirectoryError::OutcomeUnknown`), the
//! use case reads the entry back before answering and compares it with what it wrote:
//! - it is there: the change happened, the client gets success and the one success record;
//! - it is not: the change did not happen, 503 and a failure record (true: nothing changed);
//! - the directory cannot be read either: 503 and no record yet
//!   (`ProvisioningError::OutcomeUnknown`, which `finish` does not record).
//!
//! No write intent is kept for these paths (unlike creations, `intents.rs`): they are
//! replaces of a known state, idempotent, and the 503 tells the client to send the same
//! change again. Its retry either writes it or finds it written, and either way records it
//! once. See ARCHITECTURE.md, "Unknown outcomes".

use super::{GroupChanges, Provisioning, ProvisioningError};
use crate::domain::AccountState;
use crate::ports::{
    Directory, DirectoryResult, GroupEntry, GroupProfile, PersonEntry, PersonProfile, SchoolScope,
};

/// An entry kind a change can be read back from: how to read one (in every school), and what
/// the log calls it.
pub(super) trait ReadBack: Sized {
    const KIND: &'static str;

    async fn read(directory: &dyn Directory, id: &str) -> DirectoryResult<Option<Self>>;
}

impl ReadBack for PersonEntry {
    const KIND: &'static str = "person";

    async fn read(directory: &dyn Directory, id: &str) -> DirectoryResult<Option<Self>> {
        directory.get_person(id, &SchoolScope::All).await
    }
}

impl ReadBack for GroupEntry {
    const KIND: &'static str = "group";

    async fn read(directory: &dyn Directory, id: &str) -> DirectoryResult<Option<Self>> {
        directory.get_group(id, &SchoolScope::All).await
    }
}

/// Whether `read` holds what a replace wrote (every attribute `changed_attribute_names`
/// compares). The email addresses are left out when they are the only difference: the
/// address a person confirmed is theirs and HR's go elsewhere (`ldap/people.rs`), so the entry
/// may rightly differ there; then the version must have moved for the write to count as done.
pub(super) fn person_holds(
    written: &PersonProfile,
    read: &PersonEntry,
    before_version: &str,
) -> bool {
    let changed = super::profile_change::changed_attribute_names(written, &read.profile);
    let same_but_emails = changed.iter().all(|name| *name == "emails");
    same_but_emails
        && (written.emails == read.profile.emails || read.meta.version != before_version)
}

/// Whether a lock (`locked` true) or an unlock is in the entry.
pub(super) fn lock_holds(locked: bool, read: &PersonEntry) -> bool {
    (read.account_state == AccountState::Locked) == locked
}

/// Whether a group's replace is in the entry: name, externalId and the member set as written.
pub(super) fn group_holds(written: &GroupProfile, read: &GroupEntry) -> bool {
    read.profile.display_name == written.display_name
        && read.profile.external_id == written.external_id
        && sorted(&read.profile.members) == sorted(&written.members)
}

/// Whether a membership change is in the entry: every added id in, every removed one out.
pub(super) fn members_hold(changes: &GroupChanges, read: &GroupEntry) -> bool {
    let members = &read.profile.members;
    changes.add.iter().all(|m| members.contains(m))
        && !changes.remove.iter().any(|m| members.contains(m))
}

fn sorted(ids: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = ids.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl Provisioning {
    /// A change to entry `id` whose answer was lost (`context`): the entry when `holds` finds
    /// the change in it; `Unavailable` when the entry does not show it (nothing changed);
    /// `OutcomeUnknown` when the directory cannot be read either.
    pub(super) async fn after_unknown<E: ReadBack>(
        &self,
        id: &str,
        context: &str,
        holds: impl FnOnce(&E) -> bool,
    ) -> Result<E, ProvisioningError> {
        let kind = E::KIND;
        tracing::warn!(error = %context, "the outcome of a change to a {kind} is unknown; reading back");
        match E::read(self.directory.as_ref(), id).await {
            Ok(Some(entry)) if holds(&entry) => Ok(entry),
            Ok(_) => Err(ProvisioningError::Unavailable),
            Err(_) => Err(ProvisioningError::OutcomeUnknown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_set_compares_without_order_or_repeats() {
        let a = vec!["b".to_owned(), "a".to_owned(), "a".to_owned()];
        let b = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(sorted(&a), sorted(&b));
        assert_ne!(sorted(&a), sorted(&["a".to_owned()]));
    }
}
