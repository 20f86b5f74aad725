//! Group commit of rows that must be durable before the caller goes on (issue 17): the write
//! intents recorded before each directory add. One fsynced redb commit per SCIM create queued
//! the creates behind one another; here, the rows of every caller waiting at the same moment
//! go into one transaction and one fsync, and each caller is answered with that commit's
//! outcome. A lone caller pays what it paid before (one transaction, one fsync); sixteen
//! concurrent callers share one.
//!
//! The first caller to find no commit running leads: on a blocking thread it commits what is
//! queued, then whatever arrived meanwhile, until the queue is empty. A leader that cannot run
//! or fails answers every waiting caller with the error (nothing of theirs was written), so no
//! caller waits for a commit that will not come.

use super::{StateStore, StoreError, StoreResult};
use redb::TableDefinition;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// One row to insert: the key, the value, and who waits for its commit.
struct Row {
    key: String,
    value: Vec<u8>,
    answer: oneshot::Sender<StoreResult<()>>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Row>,
    leading: bool,
}

/// The rows waiting for the next commit into one table.
pub(super) struct GroupCommit {
    table: TableDefinition<'static, &'static str, &'static [u8]>,
    queue: Arc<Mutex<Queue>>,
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

impl GroupCommit {
    pub(super) fn new(table: TableDefinition<'static, &'static str, &'static [u8]>) -> Self {
        Self {
            table,
            queue: Arc::default(),
        }
    }

    /// Inserts `key` → `value` durably, in one commit with the rows of callers waiting now.
    pub(super) async fn insert(
        &self,
        store: &StateStore,
        key: String,
        value: Vec<u8>,
    ) -> StoreResult<()> {
        let (answer, answered) = oneshot::channel();
        let lead = {
            let mut queue = lock(&self.queue);
            queue.waiting.push(Row { key, value, answer });
            !std::mem::replace(&mut queue.leading, true)
        };
        if lead {
            let leader = Leader {
                queue: self.queue.clone(),
                released: false,
            };
            let table = self.table;
            // The leader's own outcome reaches it through its row's answer, like every caller's.
            let _ = store
                .blocking(move |db| leader.commit_until_empty(db, table))
                .await;
        }
        answered.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the commit of this row was abandoned".into(),
            ))
        })
    }
}

/// The caller committing for everyone; dropped without releasing (an error, a panic, or a
/// store that could not give it the database), it answers everyone still waiting.
struct Leader {
    queue: Arc<Mutex<Queue>>,
    released: bool,
}

impl Leader {
    fn commit_until_empty(
        mut self,
        db: &redb::Database,
        table: TableDefinition<'static, &'static str, &'static [u8]>,
    ) -> StoreResult<()> {
        loop {
            let batch = {
                let mut queue = lock(&self.queue);
                if queue.waiting.is_empty() {
                    queue.leading = false;
                    self.released = true;
                    return Ok(());
                }
                std::mem::take(&mut queue.waiting)
            };
            metrics::histogram!(crate::metric_names::STATE_COMMIT_BATCH).record(batch.len() as f64);
            let result = commit(db, table, &batch);
            let failed = result.as_ref().err().cloned();
            for row in batch {
                let _ = row.answer.send(result.clone());
            }
            if let Some(e) = failed {
                // An I/O error makes redb refuse every later transaction: the caller of
                // `blocking` reopens the store; whoever waits now is told to come back.
                return Err(e);
            }
        }
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let mut queue = lock(&self.queue);
        queue.leading = false;
        for row in queue.waiting.drain(..) {
            let _ = row.answer.send(Err(StoreError::Unavailable(
                "the state store could not commit".into(),
            )));
        }
    }
}

fn commit(
    db: &redb::Database,
    table: TableDefinition<'static, &'static str, &'static [u8]>,
    batch: &[Row],
) -> StoreResult<()> {
    let mut txn = db.begin_write()?;
    txn.set_durability(redb::Durability::Immediate);
    {
        let mut table = txn.open_table(table)?;
        for row in batch {
            table.insert(row.key.as_str(), row.value.as_slice())?;
        }
    }
    txn.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::ReadableTable as _;

    const ROWS: TableDefinition<&str, &[u8]> = TableDefinition::new("group_commit_test");

    fn rows(store: &StateStore) -> Vec<String> {
        let db = store.db.current().unwrap();
        let txn = db.begin_read().unwrap();
        let table = txn.open_table(ROWS).unwrap();
        table
            .iter()
            .unwrap()
            .map(|r| r.unwrap().0.value().to_owned())
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_are_all_committed_and_each_is_answered() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(&dir.path().join("state.redb")).unwrap();
        let group = Arc::new(GroupCommit::new(ROWS));
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let (store, group) = (store.clone(), group.clone());
                tokio::spawn(async move {
                    group
                        .insert(&store, format!("k{i:02}"), vec![i as u8])
                        .await
                })
            })
            .collect();
        for t in tasks {
            tokio::time::timeout(std::time::Duration::from_secs(30), t)
                .await
                .expect("every caller is answered")
                .unwrap()
                .unwrap();
        }
        let mut got = rows(&store);
        got.sort();
        let want: Vec<_> = (0..64).map(|i| format!("k{i:02}")).collect();
        assert_eq!(got, want);
        // Nobody leads once the queue is empty: the next caller commits by itself.
        assert!(!lock(&group.queue).leading);
        group.insert(&store, "later".into(), vec![]).await.unwrap();
        assert_eq!(rows(&store).len(), 65);
    }

    #[tokio::test]
    async fn a_leader_that_never_runs_answers_every_waiting_caller() {
        let group = GroupCommit::new(ROWS);
        let (answer, answered) = oneshot::channel();
        {
            let mut queue = lock(&group.queue);
            queue.waiting.push(Row {
                key: "k".into(),
                value: vec![],
                answer,
            });
            queue.leading = true;
        }
        drop(Leader {
            queue: group.queue.clone(),
            released: false,
        });
        // A caller nobody answers would wait for ever: the test fails instead of hanging.
        let answer = tokio::time::timeout(std::time::Duration::from_secs(10), answered)
            .await
            .expect("the waiting caller is answered");
        assert!(matches!(answer.unwrap(), Err(StoreError::Unavailable(_))));
        assert!(!lock(&group.queue).leading);
    }
}
