//! Use cases for the school's personal-data records of procedure step 7 (security.md O):
//! the F-03 register and F-02 authorizations derived from the audit history
//! (`register.rs`), the step-7 to-dos, the F-04 room lists, and the auditing of who viewed,
//! printed or exported what. Documents: `document.rs` (the F-02 text, shared by the HTML and
//! PDF views), `pdf.rs` (PDF with an embedded DejaVu font, so Polish letters are right).
//!
//! Every change here writes exactly one audit record (`forms.todo_acknowledged`,
//! `forms.rooms_changed`); every view and export of records writes one too (`audit.viewed`,
//! `audit.exported`, `forms.viewed`, `forms.exported`). Syncing the register writes no audit
//! record: it only copies what the audit store says into the append-only register.

pub mod document;
pub mod pdf;
pub mod register;
pub mod retention;

use crate::clock::Clock;
use crate::domain::audit::{Actor, AuditQuery, AuditRecord, NewAuditRecord, Outcome};
use crate::domain::forms::{RegisterRow, Room, RoomsVersion};
use crate::domain::SchoolCode;
use crate::ports::state::{FormsState, RegisterAppend};
use crate::ports::StoreError;
use crate::ports::{AuditError, AuditLog};
use crate::store::todos::Acknowledgement;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum FormsError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("not found")]
    NotFound,
    /// Someone else changed it meanwhile: reload and try again.
    #[error("{0}")]
    Conflict(String),
}

/// Who acts, for the audit record.
#[derive(Debug, Clone)]
pub struct FormsCaller {
    pub actor: Actor,
    pub request_id: Option<String>,
}

/// One step-7 to-do: an activated account the administrator is reminded of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    /// The `account.activated` record's seq (the to-do's id).
    pub seq: u64,
    pub activated_at: time::OffsetDateTime,
    pub name: String,
    pub login: String,
    /// The person's entryUUID (the directory's id), when the record names it.
    pub person_id: Option<String>,
    pub acknowledged: Option<Acknowledgement>,
}

/// The reason code of a change refused because the F-04 list changed since it was read
/// (the audit record's failure reason; the panel words it).
pub const CHANGED_MEANWHILE: &str = "changed_meanwhile";

/// Most records one sync reads; a bigger backlog is taken in over several syncs.
const SYNC_BATCH: usize = 50_000;

#[derive(Clone)]
pub struct Forms {
    audit: Arc<dyn AuditLog>,
    /// The F-03 register, the F-04 room lists, the to-dos' acknowledgements.
    state: Arc<dyn FormsState>,
    clock: Arc<dyn Clock>,
}

impl Forms {
    pub fn new(
        audit: Arc<dyn AuditLog>,
        state: impl FormsState + 'static,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            audit,
            state: Arc::new(state),
            clock,
        }
    }

    /// Takes the school's new audit records into its register and returns every row.
    pub async fn register(&self, school: &SchoolCode) -> Result<Vec<RegisterRow>, FormsError> {
        for _ in 0..3 {
            let snapshot = self.state.register_snapshot(school).await?;
            let mut records = self
                .audit
                .query(AuditQuery {
                    school: Some(school.as_str().to_owned()),
                    ..AuditQuery::default()
                })
                .await?;
            records.retain(|r| r.seq > snapshot.cursor);
            records.reverse();
            records.truncate(SYNC_BATCH);
            let Some(last) = records.last().map(|r| r.seq) else {
                return Ok(snapshot.rows);
            };
            let grantors = self.grantors(&records).await?;
            let append = RegisterAppend {
                expected_cursor: snapshot.cursor,
                new_cursor: last,
                rows: register::plan(&snapshot.rows, &records, &grantors),
            };
            if self.state.append_register_rows(school, append).await? {
                return Ok(self.state.register_snapshot(school).await?.rows);
            }
        }
        Err(FormsError::Conflict(
            "the register is being updated; try again".into(),
        ))
    }

    /// For each activation among `records`, who created the account (the latest successful
    /// `account.created` about the same person before it).
    async fn grantors(&self, records: &[AuditRecord]) -> Result<BTreeMap<u64, String>, FormsError> {
        let mut out = BTreeMap::new();
        for r in records
            .iter()
            .filter(|r| r.record.action == register::ACTIVATED && register::is_relevant(r))
        {
            let Some(id) = r.record.target.as_ref().and_then(|t| t.entry_uuid.clone()) else {
                continue;
            };
            let history = self
                .audit
                .query(AuditQuery {
                    target_uuid: Some(id),
                    ..AuditQuery::default()
                })
                .await?;
            if let Some(created) = history.iter().find(|h| {
                h.seq < r.seq
                    && h.record.action == register::CREATED
                    && matches!(h.record.outcome, Outcome::Success)
            }) {
                out.insert(r.seq, register::actor_label(&created.record.actor));
            }
        }
        Ok(out)
    }

    /// The school's step-7 to-dos (activations), newest first, with their acknowledgement.
    pub async fn todos(&self, school: &SchoolCode) -> Result<Vec<Todo>, FormsError> {
        let records = self
            .audit
            .query(AuditQuery {
                school: Some(school.as_str().to_owned()),
                ..AuditQuery::default()
            })
            .await?;
        let activations: Vec<&AuditRecord> = records
            .iter()
            .filter(|r| r.record.action == register::ACTIVATED && register::is_relevant(r))
            .collect();
        let acks = self
            .state
            .todo_acknowledgements(activations.iter().map(|r| r.seq).collect())
            .await?;
        Ok(activations
            .into_iter()
            .map(|r| {
                let d = &r.record.details;
                let login = d.get("login").cloned().unwrap_or_default();
                Todo {
                    seq: r.seq,
                    activated_at: r.time,
                    name: d
                        .get("display_name")
                        .cloned()
                        .unwrap_or_else(|| login.clone()),
                    login,
                    person_id: r.record.target.as_ref().and_then(|t| t.entry_uuid.clone()),
                    acknowledged: acks.get(&r.seq).cloned(),
                }
            })
            .collect())
    }

    /// Closes the to-do `seq` of `school` (one audit record, also when it was closed
    /// already: then the outcome says so and nothing changes).
    pub async fn acknowledge(
        &self,
        caller: &FormsCaller,
        school: &SchoolCode,
        seq: u64,
    ) -> Result<(), FormsError> {
        let todo = self
            .todos(school)
            .await?
            .into_iter()
            .find(|t| t.seq == seq)
            .ok_or(FormsError::NotFound)?;
        let ack = Acknowledgement {
            by: register::actor_label(&caller.actor),
            at: self.clock.now(),
        };
        let result = match self.state.acknowledge_todo(seq, ack).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(FormsError::Conflict("acknowledged_already".into())),
            Err(e) => Err(e.into()),
        };
        let outcome = match &result {
            Ok(()) => Outcome::Success,
            Err(e) => Outcome::Failure(e.to_string()),
        };
        let record = NewAuditRecord::new(caller.actor.clone(), "forms.todo_acknowledged", outcome)
            .school(school)
            .request_id(caller.request_id.clone())
            .detail("activation_seq", seq.to_string())
            .detail("login", todo.login);
        self.audit.append(record).await?;
        result
    }

    /// Every version of the school's F-04 room list, oldest first.
    pub async fn rooms(&self, school: &SchoolCode) -> Result<Vec<RoomsVersion>, FormsError> {
        Ok(self.state.room_versions(school).await?)
    }

    /// Adds a room: a new version of the list.
    pub async fn add_room(
        &self,
        caller: &FormsCaller,
        school: &SchoolCode,
        based_on: u32,
        room: Room,
    ) -> Result<u32, FormsError> {
        let change = format!("+ {} ({})", room.room, room.building);
        self.change_rooms(caller, school, based_on, change, |rooms| {
            rooms.push(room);
            Ok(())
        })
        .await
    }

    /// Removes the room at `index` of version `based_on`: a new version of the list.
    pub async fn remove_room(
        &self,
        caller: &FormsCaller,
        school: &SchoolCode,
        based_on: u32,
        index: usize,
    ) -> Result<u32, FormsError> {
        self.change_rooms(caller, school, based_on, String::new(), |rooms| {
            if index >= rooms.len() {
                return Err(FormsError::NotFound);
            }
            rooms.remove(index);
            Ok(())
        })
        .await
    }

    async fn change_rooms(
        &self,
        caller: &FormsCaller,
        school: &SchoolCode,
        based_on: u32,
        mut change: String,
        edit: impl FnOnce(&mut Vec<Room>) -> Result<(), FormsError>,
    ) -> Result<u32, FormsError> {
        let result = async {
            let versions = self.state.room_versions(school).await?;
            let latest = versions.last();
            if latest.map_or(0, |v| v.version) != based_on {
                return Err(FormsError::Conflict(CHANGED_MEANWHILE.into()));
            }
            let before = latest.map(|v| v.rooms.clone()).unwrap_or_default();
            let mut rooms = before.clone();
            edit(&mut rooms)?;
            if change.is_empty() {
                if let Some(gone) = before.iter().find(|r| !rooms.contains(r)) {
                    change = format!("- {} ({})", gone.room, gone.building);
                }
            }
            let next = RoomsVersion {
                version: based_on + 1,
                rooms,
                changed_by: register::actor_label(&caller.actor),
                changed_at: self.clock.now(),
            };
            if !self.state.add_room_version(school, next).await? {
                return Err(FormsError::Conflict(CHANGED_MEANWHILE.into()));
            }
            Ok(based_on + 1)
        }
        .await;
        let outcome = match &result {
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Failure(e.to_string()),
        };
        let mut record = NewAuditRecord::new(caller.actor.clone(), "forms.rooms_changed", outcome)
            .school(school)
            .request_id(caller.request_id.clone())
            .detail("based_on_version", based_on.to_string());
        if let Ok(v) = &result {
            record = record
                .detail("version", v.to_string())
                .detail("change", change);
        }
        self.audit.append(record).await?;
        result
    }

    /// Records that `caller` viewed, printed or exported records (`action`, e.g.
    /// `audit.viewed`), with what they asked for in `details`.
    pub async fn note_access(
        &self,
        caller: &FormsCaller,
        action: &str,
        school: Option<&SchoolCode>,
        details: BTreeMap<String, String>,
    ) -> Result<(), FormsError> {
        let mut record = NewAuditRecord::new(caller.actor.clone(), action, Outcome::Success)
            .request_id(caller.request_id.clone());
        if let Some(s) = school {
            record = record.school(s);
        }
        record.details = details;
        self.audit.append(record).await?;
        Ok(())
    }

    /// Takes every listed school's new records into its register (the retention job runs
    /// this before pruning, so no authorization is lost with its audit records).
    pub async fn sync_all(&self, schools: &[SchoolCode]) -> Result<(), FormsError> {
        for school in schools {
            self.register(school).await?;
        }
        Ok(())
    }
}
