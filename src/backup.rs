//! Online backup and restore of the daemon's own files (the audit store and the state store).
//!
//! The directory is backed up by its own tools (`slapcat`); what lives only in redb (audit
//! records, sessions, idempotency records, the outbox, held operations, F-03/F-04) is copied
//! here while the daemon runs:
//!
//! * `take_online` (the daemon, asked through the operator socket): each store copies its file
//!   between two commits (the audit writer between batches, the state store with every
//!   transaction held back for the copy), so each copy is one committed state; the copy
//!   is written as `*.partial`, fsynced and renamed. One `store.backup` audit record.
//! * `check_backup` (the CLI, after the daemon answered, and again before a restore): the audit
//!   copy's HMAC chain verifies with the key from the configuration and ends at the head the
//!   daemon reported; both copies carry a format this binary reads.
//! * `restore` (the CLI, daemon stopped): checks the backup, moves the current files aside
//!   (`*.before-restore-<unix time>`, never deleted) and copies the backup in.
//!
//! The two stores are copied one after the other, not in one instant: records appended between
//! the two copies are in the audit copy's successor only. Both are independent files; the
//! runbook (README "Backups and restore") says what that means.

use crate::audit::{self, ChainHead, HmacKey};
use crate::config::Config;
use crate::domain::audit::{Actor, NewAuditRecord, Outcome};
use crate::ports::AuditLog;
use crate::store::format::{self, StoreKind};
use crate::store::StateStore;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const AUDIT_FILE: &str = "audit.redb";
pub const STATE_FILE: &str = "state.redb";
pub const MANIFEST_FILE: &str = "backup.json";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Target(String),
    #[error("the backup is not usable: {0}")]
    Invalid(String),
    #[error("{0}")]
    Store(String),
    #[error("the daemon is running (its operator socket {0} answers): stop it before a restore")]
    DaemonRunning(String),
}

/// What the daemon copied.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Copied {
    pub dir: PathBuf,
    /// The audit copy's chain head (`SEQ:MAC`), `None` for an empty store.
    pub audit_head: Option<String>,
}

/// Written beside the copies by the CLI once they are checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub taken_at: String,
    pub daemon_version: String,
    pub store_format: u32,
    pub audit_head: Option<String>,
    pub audit_records: u64,
}

/// The daemon's side: copies both stores into `dir` (created, mode 0700; must be empty).
pub async fn take_online(
    audit: &dyn AuditLog,
    state: &StateStore,
    actor: Actor,
    dir: &Path,
) -> Result<Copied, BackupError> {
    let result = copy_both(audit, state, dir).await;
    let outcome = match &result {
        Ok(_) => Outcome::Success,
        Err(e) => Outcome::Failure(e.to_string()),
    };
    let mut record = NewAuditRecord::new(actor, "store.backup", outcome);
    record
        .details
        .insert("to".into(), dir.display().to_string());
    if let Ok(c) = &result {
        if let Some(head) = &c.audit_head {
            record.details.insert("audit_head".into(), head.clone());
        }
    }
    // The record goes into the live store after the copy: it describes the copy.
    audit
        .append(record)
        .await
        .map_err(|e| BackupError::Store(e.to_string()))?;
    result
}

async fn copy_both(
    audit: &dyn AuditLog,
    state: &StateStore,
    dir: &Path,
) -> Result<Copied, BackupError> {
    prepare_target(dir)?;
    let audit_head = audit
        .copy_to(dir.join(AUDIT_FILE))
        .await
        .map_err(|e| BackupError::Store(e.to_string()))?;
    state
        .copy_to(dir.join(STATE_FILE))
        .await
        .map_err(|e| BackupError::Store(e.to_string()))?;
    Ok(Copied {
        dir: dir.to_owned(),
        audit_head,
    })
}

fn prepare_target(dir: &Path) -> Result<(), BackupError> {
    use std::os::unix::fs::DirBuilderExt as _;
    if !dir.is_absolute() {
        return Err(BackupError::Target(format!(
            "{}: give an absolute path (the daemon's working directory is not yours)",
            dir.display()
        )));
    }
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| BackupError::Target(format!("{}: {e}", dir.display())))?
            .next()
            .is_none();
        if !empty {
            return Err(BackupError::Target(format!(
                "{} is not empty: back up into a new folder",
                dir.display()
            )));
        }
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| BackupError::Target(format!("cannot create {}: {e}", dir.display())))
}

/// Checks a backup folder: the audit copy verifies with `key` (and ends at `expect_head` when
/// given), both copies are of a format this binary reads. Returns the audit record count.
pub fn check_backup(
    dir: &Path,
    key: &HmacKey,
    expect_head: Option<&str>,
) -> Result<(u64, Option<String>), BackupError> {
    let invalid = |m: String| BackupError::Invalid(m);
    let audit_path = dir.join(AUDIT_FILE);
    let state_path = dir.join(STATE_FILE);
    for path in [&audit_path, &state_path] {
        if !path.is_file() {
            return Err(invalid(format!("{} is missing", path.display())));
        }
    }
    let anchor = expect_head
        .map(|h| h.parse::<ChainHead>())
        .transpose()
        .map_err(|e| invalid(format!("head {expect_head:?}: {e}")))?;
    let report = audit::verify(&audit_path, key, anchor)
        .map_err(|e| invalid(format!("{}: {e}", audit_path.display())))?;
    if let Some(failure) = &report.failure {
        return Err(invalid(format!("{}: {failure}", audit_path.display())));
    }
    format::check_file(&state_path, StoreKind::State).map_err(|e| invalid(e.to_string()))?;
    Ok((report.verified, report.head.map(|h| h.to_string())))
}

/// Writes the manifest beside checked copies.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let text =
        serde_json::to_string_pretty(manifest).map_err(|e| BackupError::Target(e.to_string()))?;
    std::fs::write(dir.join(MANIFEST_FILE), text + "\n")
        .map_err(|e| BackupError::Target(format!("{}: {e}", dir.display())))
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub audit_records: u64,
    /// The files that were in place, moved aside.
    pub kept: Vec<PathBuf>,
}

/// Puts a checked backup in place of the configured stores (the daemon must be stopped).
pub async fn restore(config: &Config, from: &Path, now_unix: i64) -> Result<Restored, BackupError> {
    let socket = &config.server.operator_socket;
    if tokio::net::UnixStream::connect(socket).await.is_ok() {
        return Err(BackupError::DaemonRunning(socket.display().to_string()));
    }
    let key = HmacKey::load(&config.audit.hmac_key_file).map_err(|e| {
        BackupError::Invalid(format!("{}: {e}", config.audit.hmac_key_file.display()))
    })?;
    let (records, _) = check_backup(from, &key, None)?;
    let mut kept = Vec::new();
    for (name, target) in [
        (AUDIT_FILE, &config.audit.path),
        (STATE_FILE, &config.state.path),
    ] {
        if target.exists() {
            let mut aside = target.as_os_str().to_owned();
            aside.push(format!(".before-restore-{now_unix}"));
            let aside = PathBuf::from(aside);
            std::fs::rename(target, &aside).map_err(|e| {
                BackupError::Target(format!("cannot move {} aside: {e}", target.display()))
            })?;
            kept.push(aside);
        }
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| BackupError::Target(format!("{}: {e}", parent.display())))?;
        }
        crate::store::copy_file_durably(&from.join(name), target)
            .map_err(|e| BackupError::Target(format!("{}: {e}", target.display())))?;
    }
    Ok(Restored {
        audit_records: records,
        kept,
    })
}

/// The CLI's `backup`: asks the running daemon for the copies, checks them and writes the
/// manifest. `Ok` only when the backup is usable.
pub async fn take_through_daemon(
    config: &Config,
    to: &Path,
    operator: Option<String>,
    taken_at: String,
) -> Result<Manifest, BackupError> {
    let to = if to.is_absolute() {
        to.to_owned()
    } else {
        std::env::current_dir()
            .map_err(|e| BackupError::Target(e.to_string()))?
            .join(to)
    };
    let body = serde_json::json!({ "to": to, "operator": operator });
    let answer = crate::operator::call(
        &config.server.operator_socket,
        axum::http::Method::POST,
        "/backup",
        Some(body),
    )
    .await
    .map_err(|e| BackupError::Store(e.to_string()))?;
    if answer.status != 200 {
        let said = answer.body["error"].as_str().unwrap_or("no reason given");
        return Err(BackupError::Store(format!(
            "the daemon refused ({}): {said}",
            answer.status
        )));
    }
    let copied: Copied = serde_json::from_value(answer.body)
        .map_err(|e| BackupError::Store(format!("unexpected answer: {e}")))?;
    let key = HmacKey::load(&config.audit.hmac_key_file).map_err(|e| {
        BackupError::Invalid(format!("{}: {e}", config.audit.hmac_key_file.display()))
    })?;
    let (records, head) = check_backup(&to, &key, copied.audit_head.as_deref())?;
    if head != copied.audit_head {
        return Err(BackupError::Invalid(format!(
            "the copy ends at {head:?}, the daemon copied {:?}",
            copied.audit_head
        )));
    }
    let manifest = Manifest {
        taken_at,
        daemon_version: env!("CARGO_PKG_VERSION").to_owned(),
        store_format: format::CURRENT_VERSION,
        audit_head: head,
        audit_records: records,
    };
    write_manifest(&to, &manifest)?;
    Ok(manifest)
}
