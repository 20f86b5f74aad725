//! The deprovisioning guard's durable state: the deactivations and deletions each client had
//! applied recently (the sliding window), and the operations held for a system administrator.
//!
//! Invariant: deciding whether one more operation fits the window and recording the outcome
//! (a reservation in the window, or a held operation) happen in ONE write transaction, so
//! concurrent requests (Bulk) can never together exceed the limit. A held operation is listed
//! until it is released or discarded; its indexes (by target, by tripped scope) change with it.

use super::txn::open_existing;
use super::{StateStore, StoreError, StoreResult};
use crate::domain::query::{EmailKind, PhoneKind};
use crate::domain::{EmployeeNumber, FamilyName, GivenName, PersonName, Position, SchoolCode};
use crate::ports::state::{AdmissionWindow, HeldOperations};
use crate::ports::{Contact, Employment, PersonProfile};
use async_trait::async_trait;
use redb::{ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// id → JSON of a [`HeldOperation`].
const HELD: TableDefinition<u64, &str> = TableDefinition::new("deprovisioning_held");
/// "client␟target id" → held id: a retry of a held operation finds it.
const HELD_BY_TARGET: TableDefinition<&str, u64> =
    TableDefinition::new("deprovisioning_held_by_target");
/// "client␟school" or "client␟*" (city) → how many held operations tripped that scope.
const TRIPPED: TableDefinition<&str, u64> = TableDefinition::new("deprovisioning_tripped");
/// "client␟time (ns, 20 digits)␟target id" → school: applied operations in the window.
const RECENT: TableDefinition<&str, &str> = TableDefinition::new("deprovisioning_recent");
/// "next" → the next held id.
const SEQ: TableDefinition<&str, u64> = TableDefinition::new("deprovisioning_seq");

const SEP: char = '\u{1f}';

/// Which limit a held operation tripped: while it is held, the client's further
/// deprovisioning in that scope is held too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trip {
    School,
    City,
}

/// What was asked, with everything needed to apply it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HeldIntent {
    /// Replace the person with this profile (`active` false), as the use case computed it.
    Deactivate {
        profile: Box<StoredProfile>,
    },
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldOperation {
    /// 0 until stored.
    pub id: u64,
    /// The actor, e.g. `scim:hr-system`.
    pub client: String,
    pub target_id: String,
    pub target_dn: String,
    pub login: String,
    /// The target's primary school at the time.
    pub school: String,
    /// The target's version (entryCSN) when held: release compares it.
    pub version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub held_at: OffsetDateTime,
    pub reason: String,
    pub trip: Trip,
    pub request_id: Option<String>,
    pub intent: HeldIntent,
}

impl HeldOperation {
    pub fn operation(&self) -> &'static str {
        match self.intent {
            HeldIntent::Deactivate { .. } => "deactivate",
            HeldIntent::Delete => "delete",
        }
    }
}

/// The client's applied operations in the window, and whether earlier ones are held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recent {
    pub in_school: usize,
    pub in_city: usize,
    pub school_held: bool,
    pub city_held: bool,
}

/// A place in the window, taken before the operation is applied; cancelled if it fails.
#[derive(Debug, Clone)]
pub struct Ticket(pub(crate) String);

pub enum Admission {
    Admitted(Ticket),
    /// Held now (`true`) or already held by an earlier identical request (`false`).
    Held(Box<HeldOperation>, bool),
}

/// The held-operations part of the state store.
#[derive(Clone)]
pub struct HeldStore {
    store: StateStore,
}

fn scope_key(client: &str, school: Option<&str>) -> String {
    format!("{client}{SEP}{}", school.unwrap_or("*"))
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("held operation: {e}"))
}

impl HeldStore {
    pub fn new(store: StateStore) -> Self {
        Self { store }
    }

    /// Every held operation, oldest first.
    pub async fn list(&self) -> StoreResult<Vec<HeldOperation>> {
        self.store
            .read(|tx| {
                let Some(table) = open_existing(tx, HELD)? else {
                    return Ok(Vec::new());
                };
                let mut out = Vec::new();
                for row in table.iter()? {
                    let (_, json) = row?;
                    out.push(serde_json::from_str(json.value()).map_err(corrupt)?);
                }
                Ok(out)
            })
            .await
    }

    /// How many operations are held (for `/metrics`), without decoding them.
    pub async fn count(&self) -> StoreResult<u64> {
        self.store
            .read(|tx| match open_existing(tx, HELD)? {
                Some(table) => Ok(table.len()?),
                None => Ok(0),
            })
            .await
    }
}

/// A [`PersonProfile`] as stored: plain strings, parsed back through the domain types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProfile {
    given_name: String,
    family_name: String,
    display_name: Option<String>,
    /// Absent in operations held before `name.formatted` was kept.
    #[serde(default)]
    formatted_name: Option<String>,
    user_name: Option<String>,
    external_id: Option<String>,
    employee_number: Option<String>,
    position: Option<String>,
    emails: Vec<StoredContact>,
    phones: Vec<StoredContact>,
    department: Option<String>,
    organization: Option<String>,
    manager: Option<String>,
    primary_school: String,
    other_schools: Vec<String>,
    active: bool,
}

/// An address or a number as stored: (value, type, primary).
type StoredContact = (String, Option<String>, bool);

/// `contacts` as stored, each type by its `name`.
fn stored_contacts<K: Copy>(
    contacts: &[Contact<K>],
    name: fn(K) -> &'static str,
) -> Vec<StoredContact> {
    (contacts.iter())
        .map(|c| {
            (
                c.value.clone(),
                c.kind.map(|k| name(k).to_owned()),
                c.primary,
            )
        })
        .collect()
}

/// Stored contacts read back, each type `parse`d (an unknown one is none).
fn contacts<K>(stored: &[StoredContact], parse: fn(&str) -> Option<K>) -> Vec<Contact<K>> {
    (stored.iter())
        .map(|(value, kind, primary)| Contact {
            value: value.clone(),
            kind: kind.as_deref().and_then(parse),
            primary: *primary,
        })
        .collect()
}

impl From<&PersonProfile> for StoredProfile {
    fn from(p: &PersonProfile) -> Self {
        Self {
            given_name: p.name.given.as_str().to_owned(),
            family_name: p.name.family.as_str().to_owned(),
            display_name: p.display_name.clone(),
            formatted_name: p.formatted_name.clone(),
            user_name: p.user_name.clone(),
            external_id: p.external_id.clone(),
            employee_number: p.employee_number.as_ref().map(|e| e.as_str().to_owned()),
            position: p.position.as_ref().map(|e| e.as_str().to_owned()),
            emails: stored_contacts(&p.emails, EmailKind::as_str),
            phones: stored_contacts(&p.phones, PhoneKind::as_str),
            department: p.department.clone(),
            organization: p.organization.clone(),
            manager: p.manager.clone(),
            primary_school: p.employment.primary.as_str().to_owned(),
            other_schools: p
                .employment
                .others
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            active: p.employment_active,
        }
    }
}

impl StoredProfile {
    pub fn to_profile(&self) -> StoreResult<PersonProfile> {
        let bad = |e: crate::domain::ParseError| StoreError::Corrupt(format!("held profile: {e}"));
        let school = |s: &String| SchoolCode::parse(s).map_err(bad);
        Ok(PersonProfile {
            name: PersonName {
                given: GivenName::parse(&self.given_name).map_err(bad)?,
                family: FamilyName::parse(&self.family_name).map_err(bad)?,
            },
            display_name: self.display_name.clone(),
            formatted_name: self.formatted_name.clone(),
            user_name: self.user_name.clone(),
            external_id: self.external_id.clone(),
            employee_number: (self.employee_number.as_deref())
                .map(EmployeeNumber::parse)
                .transpose()
                .map_err(bad)?,
            position: self
                .position
                .as_deref()
                .map(Position::parse)
                .transpose()
                .map_err(bad)?,
            emails: contacts(&self.emails, EmailKind::parse),
            phones: contacts(&self.phones, PhoneKind::parse),
            department: self.department.clone(),
            organization: self.organization.clone(),
            manager: self.manager.clone(),
            employment: Employment {
                primary: school(&self.primary_school)?,
                others: self
                    .other_schools
                    .iter()
                    .map(school)
                    .collect::<Result<_, _>>()?,
            },
            employment_active: self.active,
        })
    }
}

#[async_trait]
impl HeldOperations for HeldStore {
    async fn list(&self) -> StoreResult<Vec<HeldOperation>> {
        HeldStore::list(self).await
    }

    /// Counts the client's operations in `window`, asks its rule; stores `candidate` as held
    /// (with a new id) when the rule gives a reason, else reserves a place in the window.
    async fn admit(
        &self,
        candidate: HeldOperation,
        window: AdmissionWindow,
    ) -> StoreResult<Admission> {
        let AdmissionWindow { since, rule } = window;
        // An operation held already by an earlier identical request writes nothing.
        let wrote = |a: &Admission| !matches!(a, Admission::Held(_, false));
        self.store
            .write_if(wrote, move |tx| {
                let c = &candidate.client;
                let mut held = tx.open_table(HELD)?;
                let mut by_target = tx.open_table(HELD_BY_TARGET)?;
                let target_key = format!("{c}{SEP}{}", candidate.target_id);
                let existing = by_target.get(target_key.as_str())?.map(|v| v.value());
                if let Some(id) = existing {
                    if let Some(json) = held.get(id)? {
                        let op = serde_json::from_str(json.value()).map_err(corrupt)?;
                        return Ok(Admission::Held(Box::new(op), false));
                    }
                }
                let mut tripped = tx.open_table(TRIPPED)?;
                let mut recent_t = tx.open_table(RECENT)?;
                let start = format!("{c}{SEP}{:020}", since.unix_timestamp_nanos().max(0));
                let first = format!("{c}{SEP}");
                let end = format!("{c}{SEP}:");
                // Entries older than the window are no longer needed.
                recent_t.retain_in(first.as_str()..start.as_str(), |_, _| false)?;
                let mut recent = Recent {
                    school_held: tripped
                        .get(scope_key(c, Some(&candidate.school)).as_str())?
                        .is_some(),
                    city_held: tripped.get(scope_key(c, None).as_str())?.is_some(),
                    ..Recent::default()
                };
                for row in recent_t.range(start.as_str()..end.as_str())? {
                    let (_, school) = row?;
                    recent.in_city += 1;
                    if school.value() == candidate.school {
                        recent.in_school += 1;
                    }
                }
                Ok(match rule(&recent) {
                    None => {
                        let key = format!(
                            "{c}{SEP}{:020}{SEP}{}",
                            candidate.held_at.unix_timestamp_nanos().max(0),
                            candidate.target_id
                        );
                        recent_t.insert(key.as_str(), candidate.school.as_str())?;
                        Admission::Admitted(Ticket(key))
                    }
                    Some((trip, reason)) => {
                        let mut seq = tx.open_table(SEQ)?;
                        let id = seq.get("next")?.map(|v| v.value()).unwrap_or(1);
                        seq.insert("next", id + 1)?;
                        let op = HeldOperation {
                            id,
                            trip,
                            reason,
                            ..candidate.clone()
                        };
                        let json = serde_json::to_string(&op).map_err(corrupt)?;
                        held.insert(id, json.as_str())?;
                        by_target.insert(target_key.as_str(), id)?;
                        let school = (trip == Trip::School).then_some(op.school.as_str());
                        let key = scope_key(c, school);
                        let n = tripped.get(key.as_str())?.map(|v| v.value()).unwrap_or(0);
                        tripped.insert(key.as_str(), n + 1)?;
                        Admission::Held(Box::new(op), true)
                    }
                })
            })
            .await
    }

    /// Frees the place of an operation that was not applied after all.
    async fn cancel(&self, ticket: Ticket) -> StoreResult<()> {
        self.store
            .write(move |tx| {
                tx.open_table(RECENT)?.remove(ticket.0.as_str())?;
                Ok(())
            })
            .await
    }

    /// Removes a held operation (released or discarded); `None` if there is none with `id`.
    async fn remove(&self, id: u64) -> StoreResult<Option<HeldOperation>> {
        self.store
            .write_if(Option::is_some, move |tx| {
                let mut held = tx.open_table(HELD)?;
                let Some(json) = held.remove(id)? else {
                    return Ok(None);
                };
                let op: HeldOperation = serde_json::from_str(json.value()).map_err(corrupt)?;
                drop(json);
                let c = &op.client;
                tx.open_table(HELD_BY_TARGET)?
                    .remove(format!("{c}{SEP}{}", op.target_id).as_str())?;
                let mut tripped = tx.open_table(TRIPPED)?;
                let school = (op.trip == Trip::School).then_some(op.school.as_str());
                let key = scope_key(c, school);
                let n = tripped.get(key.as_str())?.map(|v| v.value()).unwrap_or(0);
                if n <= 1 {
                    tripped.remove(key.as_str())?;
                } else {
                    tripped.insert(key.as_str(), n - 1)?;
                }
                Ok(Some(op))
            })
            .await
    }
}
