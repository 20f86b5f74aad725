//! Administrators' second factors in the directory (issue 12 item 4): the auxiliary class
//! `zszoSecondFactorHolder` with `zszoSecondFactorSecret` (the TOTP secret, encrypted by the
//! daemon), `zszoSecondFactorRecovery` (SHA-256 of each unused recovery code) and
//! `zszoSecondFactorLastStep` (the last TOTP time step accepted). slapd's ACL lets only the
//! daemon's service identity read or write them (`slapd::acl`).
//!
//! Spending a code is a compare-and-set in one Modify, like the account state: a step
//! replaces exactly the previous step (delete of the expected value fails with
//! `noSuchAttribute` when another request got there first); a recovery code is the delete of
//! its hash (fails when it was spent already). So a code is accepted once, also by two
//! daemons at the same time.

use super::directory::LdapDirectory;
use super::error::rc;
use super::mapping::Reader;
use crate::ports::{DirectoryResult, StepSpend, StoredSecondFactor};
use ldap3::Mod;
use std::collections::HashSet;

const CLASS: &str = "zszoSecondFactorHolder";
const SECRET: &str = "zszoSecondFactorSecret";
const RECOVERY: &str = "zszoSecondFactorRecovery";
const LAST_STEP: &str = "zszoSecondFactorLastStep";

fn set(values: impl IntoIterator<Item = String>) -> HashSet<String> {
    values.into_iter().collect()
}

impl LdapDirectory {
    async fn holder_entry(&self, id: &str) -> DirectoryResult<ldap3::SearchEntry> {
        self.person_entry_by_id(id, &["objectClass", SECRET, RECOVERY, LAST_STEP])
            .await
    }

    pub(super) async fn second_factor_impl(
        &self,
        id: &str,
    ) -> DirectoryResult<Option<StoredSecondFactor>> {
        let entry = self.holder_entry(id).await?;
        let r = Reader(&entry);
        let Some(secret) = r.values(SECRET).first().cloned() else {
            return Ok(None);
        };
        Ok(Some(StoredSecondFactor {
            secret,
            recovery: r.values(RECOVERY).to_vec(),
            last_step: r.values(LAST_STEP).first().and_then(|v| v.parse().ok()),
        }))
    }

    pub(super) async fn set_second_factor_impl(
        &self,
        id: &str,
        factor: Option<&StoredSecondFactor>,
    ) -> DirectoryResult<()> {
        let entry = self.holder_entry(id).await?;
        let has_class = Reader(&entry)
            .values("objectClass")
            .iter()
            .any(|c| c.eq_ignore_ascii_case(CLASS));
        let mut mods = Vec::new();
        match factor {
            Some(f) => {
                if !has_class {
                    mods.push(Mod::Add("objectClass".to_owned(), set([CLASS.to_owned()])));
                }
                mods.push(Mod::Replace(SECRET.to_owned(), set([f.secret.clone()])));
                mods.push(Mod::Replace(RECOVERY.to_owned(), set(f.recovery.clone())));
                let step = f.last_step.map(|s| s.to_string());
                mods.push(Mod::Replace(LAST_STEP.to_owned(), set(step)));
            }
            None => {
                if !has_class {
                    return Ok(());
                }
                for attr in [SECRET, RECOVERY, LAST_STEP] {
                    mods.push(Mod::Replace(attr.to_owned(), HashSet::new()));
                }
            }
        }
        self.pool()
            .modify(&entry.dn, mods)
            .await
            .map_err(|e| e.into_directory(&entry.dn))
    }

    pub(super) async fn spend_totp_step_impl(
        &self,
        id: &str,
        StepSpend { previous, step }: StepSpend,
    ) -> DirectoryResult<bool> {
        let entry = self.holder_entry(id).await?;
        let mut mods = Vec::new();
        if let Some(p) = previous {
            mods.push(Mod::Delete(LAST_STEP.to_owned(), set([p.to_string()])));
        }
        mods.push(Mod::Add(LAST_STEP.to_owned(), set([step.to_string()])));
        self.compare_and_set(&entry.dn, mods).await
    }

    pub(super) async fn spend_recovery_code_impl(
        &self,
        id: &str,
        hash: &str,
    ) -> DirectoryResult<bool> {
        let entry = self.holder_entry(id).await?;
        let mods = vec![Mod::Delete(RECOVERY.to_owned(), set([hash.to_owned()]))];
        self.compare_and_set(&entry.dn, mods).await
    }

    /// `Ok(false)` when the expected value was not there (or the new one was already).
    async fn compare_and_set(&self, dn: &str, mods: Vec<Mod<String>>) -> DirectoryResult<bool> {
        match self.pool().modify(dn, mods).await {
            Ok(()) => Ok(true),
            Err(e)
                if matches!(
                    e.rc(),
                    Some(rc::NO_SUCH_ATTRIBUTE | rc::ATTRIBUTE_OR_VALUE_EXISTS)
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into_directory(dn)),
        }
    }
}
