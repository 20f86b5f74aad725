//! Retired logins: the login of every deleted person, so that it is never given to someone
//! else by default (issue 5: "never reusing a deleted person's login"). A login names a
//! person in other systems' logs, shares and mailboxes long after the entry is gone.
//!
//! One redb table, login → the retirement record (when, the deleted entry's id). Recording
//! is idempotent (the first retirement is kept). Login allocation (`provisioning`) asks
//! [`RetiredLogins::is_retired`] before trying a candidate in the directory.

use super::txn::{insert_first, read_decoded};
use super::{StateStore, StoreResult};
use crate::domain::LoginName;
use async_trait::async_trait;
use redb::TableDefinition;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const RETIRED: TableDefinition<&str, &[u8]> = TableDefinition::new("retired_logins");

/// Why a login is retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retirement {
    /// Unix time (seconds) of the deletion.
    pub retired_at: i64,
    /// The deleted entry's id (`entryUUID`).
    pub entry_uuid: String,
}

/// The retired-login register over the state store.
#[derive(Clone)]
pub struct RetiredLogins {
    store: StateStore,
}

impl RetiredLogins {
    pub fn new(store: StateStore) -> Self {
        Self { store }
    }

    /// The retirement of `login`, if any.
    pub async fn get(&self, login: &LoginName) -> StoreResult<Option<Retirement>> {
        let key = login.as_str().to_owned();
        self.store
            .read(move |txn| {
                read_decoded(
                    txn,
                    RETIRED,
                    key.as_str(),
                    format_args!("retired login {key}"),
                )
            })
            .await
    }
}

#[async_trait]
impl crate::ports::state::RetiredLogins for RetiredLogins {
    /// Records that `login` belonged to the deleted entry `entry_uuid`. `Ok(false)` when it
    /// was retired already (the first record stays).
    async fn retire(
        &self,
        login: &LoginName,
        entry_uuid: &str,
        at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let key = login.as_str().to_owned();
        let record = Retirement {
            retired_at: at.unix_timestamp(),
            entry_uuid: entry_uuid.to_owned(),
        };
        self.store
            .write_or_refuse(move |txn| insert_first(txn, RETIRED, &key.as_str(), &record))
            .await
    }

    /// Whether `login` is retired.
    async fn is_retired(&self, login: &LoginName) -> StoreResult<bool> {
        Ok(self.get(login).await?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::state::RetiredLogins as _;

    fn login(s: &str) -> LoginName {
        LoginName::parse(s).unwrap()
    }

    #[tokio::test]
    async fn a_retired_login_stays_retired_with_its_first_record() {
        let (_dir, store) = crate::store::temp_store();
        let retired = RetiredLogins::new(store);
        let jan = login("jan.kowalski");
        assert!(!retired.is_retired(&jan).await.unwrap());
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert!(retired.retire(&jan, "id-1", t).await.unwrap());
        assert!(!retired.retire(&jan, "id-2", t).await.unwrap());
        assert!(retired.is_retired(&jan).await.unwrap());
        let r = retired.get(&jan).await.unwrap().unwrap();
        assert_eq!(r.entry_uuid, "id-1");
        assert_eq!(r.retired_at, 1_700_000_000);
        assert!(!retired.is_retired(&login("jan.kowalski2")).await.unwrap());
    }
}
