//! The shapes every state-store transaction shares, written once: a read or a write run on a
//! blocking thread ([`StateStore::read`], [`StateStore::write`], [`StateStore::write_if`]), a
//! table no write has created yet read as empty ([`open_existing`]), and records kept as JSON
//! ([`encode`], [`decode`], [`get_decoded`], [`read_decoded`], [`insert_first`]).

use super::{StateStore, StoreError, StoreResult};
use redb::{
    Key, ReadOnlyTable, ReadTransaction, ReadableTable, TableDefinition, Value, WriteTransaction,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::borrow::Borrow;
use std::fmt::Display;

impl StateStore {
    /// Runs `f` in a read transaction.
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> StoreResult<T> + Send + 'static,
    {
        self.blocking(move |db| f(&db.begin_read()?)).await
    }

    /// Runs `f` in a write transaction, committed (durably) when `f` succeeds; an error
    /// writes nothing.
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        self.write_if(|_| true, f).await
    }

    /// [`Self::write`] for a change that may be refused: `f` answers whether it wrote
    /// (`Ok(false)`: refused, and the transaction is aborted, so nothing is written).
    pub(crate) async fn write_or_refuse<F>(&self, f: F) -> StoreResult<bool>
    where
        F: FnOnce(&WriteTransaction) -> StoreResult<bool> + Send + 'static,
    {
        self.write_if(|wrote| *wrote, f).await
    }

    /// [`Self::write`] for a transaction that may decide to write nothing: committed only
    /// when `keep` accepts its outcome, else aborted (a refusal or a throttled request leaves
    /// the file as it was, with no commit to wait for).
    pub(crate) async fn write_if<T, F>(&self, keep: fn(&T) -> bool, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        self.blocking(move |db| {
            let txn = db.begin_write()?;
            let outcome = f(&txn)?;
            if keep(&outcome) {
                txn.commit()?;
            } else {
                txn.abort()?;
            }
            Ok(outcome)
        })
        .await
    }
}

/// The table `def` for reading; `None` while no write has created it yet (read as empty).
pub(crate) fn open_existing<K: Key + 'static, V: Value + 'static>(
    txn: &ReadTransaction,
    def: TableDefinition<K, V>,
) -> StoreResult<Option<ReadOnlyTable<K, V>>> {
    match txn.open_table(def) {
        Ok(table) => Ok(Some(table)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A record's JSON, as every table of records keeps it.
pub(crate) fn encode<T: Serialize>(record: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A record from its JSON; `what` names it in the error (`session record: …`).
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: impl Display) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// The record under `key`, decoded; `None` when there is none.
pub(crate) fn get_decoded<'k, K: Key + 'static, T: DeserializeOwned>(
    table: &impl ReadableTable<K, &'static [u8]>,
    key: impl Borrow<K::SelfType<'k>>,
    what: impl Display,
) -> StoreResult<Option<T>> {
    (table.get(key)?)
        .map(|v| decode(v.value(), what))
        .transpose()
}

/// The record under `key` in the table `def`, read in `txn`; `None` when there is none (or
/// no table yet).
pub(crate) fn read_decoded<'k, K: Key + 'static, T: DeserializeOwned>(
    txn: &ReadTransaction,
    def: TableDefinition<K, &'static [u8]>,
    key: impl Borrow<K::SelfType<'k>>,
    what: impl Display,
) -> StoreResult<Option<T>> {
    match open_existing(txn, def)? {
        Some(table) => get_decoded(&table, key, what),
        None => Ok(None),
    }
}

/// Stores `record` under `key` unless the key has a record already (the first one stays);
/// whether it stored it.
pub(crate) fn insert_first<'k, K: Key + 'static, T: Serialize>(
    txn: &WriteTransaction,
    def: TableDefinition<K, &'static [u8]>,
    key: &K::SelfType<'k>,
    record: &T,
) -> StoreResult<bool> {
    let mut table = txn.open_table(def)?;
    if table.get(key)?.is_some() {
        return Ok(false);
    }
    table.insert(key, encode(record)?.as_slice())?;
    Ok(true)
}
