//! What the portal's account page shows: the person as the directory has them, and the
//! address waiting for its confirmation, if any. Reads only: no audit record.

use super::{Onboarding, OnboardingError, PortalCaller};
use crate::ports::{PersonEntry, SchoolScope};

/// The signed-in person's account.
pub struct AccountView {
    pub person: PersonEntry,
    /// The address of the live confirmation link, when one was sent and not used yet.
    pub pending_address: Option<String>,
}

impl Onboarding {
    /// The caller's account; `None` when the person is no longer in the directory.
    pub async fn account_view(
        &self,
        caller: &PortalCaller,
    ) -> Result<Option<AccountView>, OnboardingError> {
        let Some(person) = self
            .directory
            .get_person(&caller.person_id, &SchoolScope::All)
            .await?
        else {
            return Ok(None);
        };
        let pending = self
            .state
            .live_confirmation_of(person.entry.id.clone())
            .await?;
        Ok(Some(AccountView {
            person,
            pending_address: pending.map(|p| p.address),
        }))
    }
}
