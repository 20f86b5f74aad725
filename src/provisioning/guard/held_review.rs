//! The use cases an operator runs on held operations through the operator socket: list them,
//! release one (apply its stored intent past the guard) or discard one — each with the one
//! audit record that names the operator. Apart from `guard.rs`, which decides what is held.

use super::{store_error, Caller, Provisioning, ProvisioningError};
use crate::domain::audit::{Actor, NewAuditRecord};
use crate::ports::{PersonProfile, SchoolScope};
use crate::store::held::{HeldIntent, HeldOperation};

/// Who releases or discards: the OS account behind the operator socket.
#[derive(Debug, Clone)]
pub struct Operator {
    /// The OS user name (from the peer's uid), or "unknown".
    pub os_user: String,
    pub uid: Option<u32>,
    /// The name the operator gave (`--operator`), e.g. when acting through `sudo`.
    pub stated: Option<String>,
}

impl Operator {
    fn caller(&self) -> Caller {
        Caller {
            actor: Actor::Person(format!("os:{}", self.os_user)),
            scope: SchoolScope::All,
            request_id: None,
        }
    }
}

/// A released operation and what it was applied to.
#[derive(Debug, Clone)]
pub struct Released {
    pub operation: HeldOperation,
    pub applied_to: &'static str,
}

impl Provisioning {
    /// Every held operation, oldest first.
    pub async fn held_operations(&self) -> Result<Vec<HeldOperation>, ProvisioningError> {
        self.held_store()?.list().await.map_err(store_error)
    }

    /// Applies a held operation on behalf of `operator`; one `deprovisioning.released` record.
    pub async fn release_held(
        &self,
        operator: &Operator,
        id: u64,
    ) -> Result<Released, ProvisioningError> {
        let held = self.held_store()?.get(id).await.map_err(store_error)?;
        let result = match &held {
            None => Err(ProvisioningError::NotFound),
            Some(op) => self.apply_held(op).await,
        };
        self.operator_record(
            operator,
            "deprovisioning.released",
            held.as_ref(),
            id,
            result,
            |r, x| r.detail("applied_to", x.map_or("nothing", |x| x.applied_to)),
        )
        .await
    }

    async fn apply_held(&self, op: &HeldOperation) -> Result<Released, ProvisioningError> {
        let current = self
            .directory
            .get_person(&op.target_id, &SchoolScope::All)
            .await?
            .ok_or_else(|| {
                ProvisioningError::Conflict(format!(
                    "person {} no longer exists; discard held operation {} instead",
                    op.login, op.id
                ))
            })?;
        let unchanged = current.meta.version == op.version;
        let applied_to = if unchanged {
            "the entry as held"
        } else {
            "the current entry"
        };
        match &op.intent {
            HeldIntent::Deactivate { profile } => {
                let profile = match unchanged {
                    true => profile.to_profile().map_err(store_error)?,
                    false => PersonProfile {
                        employment_active: false,
                        ..current.profile.clone()
                    },
                };
                self.directory
                    .update_person(&op.target_id, &profile)
                    .await?;
            }
            HeldIntent::Delete => self.directory.delete_person(&op.target_id).await?,
        }
        // Applied: only now is it no longer held (a failure above leaves it listed).
        self.held_store()?
            .remove(op.id)
            .await
            .map_err(store_error)?;
        Ok(Released {
            operation: op.clone(),
            applied_to,
        })
    }

    /// Drops a held operation without applying it; one `deprovisioning.discarded` record.
    pub async fn discard_held(
        &self,
        operator: &Operator,
        id: u64,
    ) -> Result<HeldOperation, ProvisioningError> {
        let result = async {
            self.held_store()?
                .remove(id)
                .await
                .map_err(store_error)?
                .ok_or(ProvisioningError::NotFound)
        }
        .await;
        let held = result.as_ref().ok().cloned();
        self.operator_record(
            operator,
            "deprovisioning.discarded",
            held.as_ref(),
            id,
            result,
            |r, _| r,
        )
        .await
    }

    async fn operator_record<T>(
        &self,
        operator: &Operator,
        action: &str,
        held: Option<&HeldOperation>,
        id: u64,
        result: Result<T, ProvisioningError>,
        describe: impl FnOnce(NewAuditRecord, Option<&T>) -> NewAuditRecord,
    ) -> Result<T, ProvisioningError> {
        let caller = operator.caller();
        self.finish(&caller, action, result, |r, x| {
            let mut r = r.detail("held_id", id.to_string());
            if let Some(uid) = operator.uid {
                r = r.detail("operator_uid", uid.to_string());
            }
            if let Some(name) = &operator.stated {
                r = r.detail("operator_stated", name.clone());
            }
            if let Some(op) = held {
                r = r
                    .target(&op.target_dn, Some(op.target_id.clone()))
                    .detail("client", op.client.clone())
                    .detail("operation", op.operation())
                    .detail("login", op.login.clone());
                r.school = Some(op.school.clone());
            }
            describe(r, x)
        })
        .await
    }
}
