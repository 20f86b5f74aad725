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

use super::{Provisioning, ProvisioningError};
use crate::domain::AccountState;
use crate::ports::{GroupEntry, GroupProfile, PersonEntry, PersonProfile, SchoolScope};

/// Whether `read` holds what a replace wrote. The email addresses are left out when they are
/// the only difference: the address a person confirmed is theirs and HR's go elsewhere
/// (`ldap/people.rs`), so the entry may rightly differ there; then the version must have
/// moved for the write to count as done.
fn person_holds(written: &PersonProfile, read: &PersonEntry, before_version: &str) -> bool {
    let w = written;
    let r = &read.profile;
    let same_but_emails = w.name == r.name
        && w.display_name == r.display_name
        && w.user_name == r.user_name
        && w.external_id == r.external_id
        && w.employee_number == r.employee_number
        && w.position == r.position
        && w.phones == r.phones
        && w.department == r.department
        && w.organization == r.organization
        && w.manager == r.manager
        && w.employment == r.employment
        && w.employment_active == r.employment_active;
    same_but_emails && (w.emails == r.emails || read.meta.version != before_version)
}

fn sorted(ids: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = ids.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl Provisioning {
    /// A person's replace whose answer was lost: the entry as written, or why not.
    pub(super) async fn person_after_unknown(
        &self,
        id: &str,
        written: &PersonProfile,
        before_version: &str,
        context: &str,
    ) -> Result<PersonEntry, ProvisioningError> {
        tracing::warn!(error = %context, "the outcome of a person's change is unknown; reading back");
        match self.directory.get_person(id, &SchoolScope::All).await {
            Ok(Some(p)) if person_holds(written, &p, before_version) => Ok(p),
            Ok(_) => Err(ProvisioningError::Unavailable),
            Err(_) => Err(ProvisioningError::OutcomeUnknown),
        }
    }

    /// A lock (`locked` true) or unlock whose answer was lost.
    pub(super) async fn lock_after_unknown(
        &self,
        id: &str,
        locked: bool,
        context: &str,
    ) -> Result<PersonEntry, ProvisioningError> {
        tracing::warn!(error = %context, "the outcome of a lock change is unknown; reading back");
        match self.directory.get_person(id, &SchoolScope::All).await {
            Ok(Some(p)) if (p.account_state == AccountState::Locked) == locked => Ok(p),
            Ok(_) => Err(ProvisioningError::Unavailable),
            Err(_) => Err(ProvisioningError::OutcomeUnknown),
        }
    }

    /// A group's replace whose answer was lost: name, externalId and the member set as written.
    pub(super) async fn group_after_unknown(
        &self,
        id: &str,
        written: &GroupProfile,
        context: &str,
    ) -> Result<GroupEntry, ProvisioningError> {
        tracing::warn!(error = %context, "the outcome of a group's change is unknown; reading back");
        match self.directory.get_group(id, &SchoolScope::All).await {
            Ok(Some(g))
                if g.profile.display_name == written.display_name
                    && g.profile.external_id == written.external_id
                    && sorted(&g.profile.members) == sorted(&written.members) =>
            {
                Ok(g)
            }
            Ok(_) => Err(ProvisioningError::Unavailable),
            Err(_) => Err(ProvisioningError::OutcomeUnknown),
        }
    }

    /// A membership change whose answer was lost: every added id in, every removed one out.
    pub(super) async fn members_after_unknown(
        &self,
        id: &str,
        add: &[String],
        remove: &[String],
        context: &str,
    ) -> Result<GroupEntry, ProvisioningError> {
        tracing::warn!(error = %context, "the outcome of a membership change is unknown; reading back");
        match self.directory.get_group(id, &SchoolScope::All).await {
            Ok(Some(g))
                if add.iter().all(|m| g.profile.members.contains(m))
                    && !remove.iter().any(|m| g.profile.members.contains(m)) =>
            {
                Ok(g)
            }
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
