//! What an audit record says: who did what to which entry, in which school, with what outcome.
//! Pure data; the redb adapter in `crate::audit` stores and chains it.
//!
//! Invariant: `details` never carries a secret (passwords, tokens, links with tokens). Callers
//! put attribute *names* and non-secret values here; there is no field for a secret.

use super::SchoolCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A person signed in to the panel or portal, by login.
    Person(String),
    /// A SCIM client, by its token's client name.
    ScimClient(String),
    /// The connector itself (bootstrap, background jobs), with the job's name.
    System(String),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Person(id) => write!(f, "person:{id}"),
            Actor::ScimClient(id) => write!(f, "scim:{id}"),
            Actor::System(id) => write!(f, "system:{id}"),
        }
    }
}

/// The entry an action was about. `entry_uuid` is stable across renames and moves; `dn` is
/// where the entry was at the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditTarget {
    pub entry_uuid: Option<String>,
    pub dn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    Success,
    /// A failure with a reason safe to keep (an error kind, never a secret).
    Failure(String),
}

/// A record as a use case hands it to the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditRecord {
    pub actor: Actor,
    /// Dotted verb, e.g. `school.created`, `person.created`, `account.created`.
    pub action: String,
    pub target: Option<AuditTarget>,
    pub school: Option<String>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    pub details: BTreeMap<String, String>,
}

impl NewAuditRecord {
    pub fn new(actor: Actor, action: impl Into<String>, outcome: Outcome) -> Self {
        Self {
            actor,
            action: action.into(),
            target: None,
            school: None,
            outcome,
            request_id: None,
            details: BTreeMap::new(),
        }
    }

    pub fn target(mut self, dn: impl Into<String>, entry_uuid: Option<String>) -> Self {
        self.target = Some(AuditTarget {
            entry_uuid,
            dn: dn.into(),
        });
        self
    }

    pub fn school(mut self, code: &SchoolCode) -> Self {
        self.school = Some(code.as_str().to_owned());
        self
    }

    pub fn request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    pub fn detail(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }
}

/// A use case's error as its audit record sees it.
pub trait AuditedError {
    /// The reason kept in a failure record (never a secret).
    fn audit_reason(&self) -> String;
    /// Whether the write's outcome is unknown: then neither a success nor a failure record
    /// would be true, and none is written now (the one owed is written once it is known).
    fn outcome_unknown(&self) -> bool;
}

impl NewAuditRecord {
    /// The record of `result` under `action`, described by `describe` (given the value on
    /// success); `None` while the outcome is unknown.
    pub fn of_result<T, E: AuditedError>(
        actor: Actor,
        action: &str,
        result: &Result<T, E>,
        describe: impl FnOnce(NewAuditRecord, Option<&T>) -> NewAuditRecord,
    ) -> Option<NewAuditRecord> {
        let outcome = match result {
            Err(e) if e.outcome_unknown() => return None,
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Failure(e.audit_reason()),
        };
        Some(describe(
            NewAuditRecord::new(actor, action, outcome),
            result.as_ref().ok(),
        ))
    }
}

/// A stored record: what was appended, plus its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// 1, 2, 3 … without gaps; a gap means a deleted record.
    pub seq: u64,
    /// UTC, RFC 3339 with milliseconds.
    #[serde(with = "time::serde::rfc3339")]
    pub time: time::OffsetDateTime,
    #[serde(flatten)]
    pub record: NewAuditRecord,
    /// Hex HMAC-SHA256 over the previous record's MAC and this record's canonical bytes.
    pub mac: String,
}

/// Which records to return, newest first. All given conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub target_uuid: Option<String>,
    pub school: Option<String>,
    pub since: Option<time::OffsetDateTime>,
    pub until: Option<time::OffsetDateTime>,
    pub limit: Option<usize>,
}

/// What one retention prune did (see `crate::audit` retention).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneReport {
    /// Records removed by this call (0: nothing was old enough; nothing was written).
    pub removed: u64,
    /// The seq of the last removed record ever (the checkpoint), also when none went now.
    pub checkpoint_seq: Option<u64>,
    /// The seq of the `audit.pruned` record, when one was written.
    pub record_seq: Option<u64>,
}
