//! What `zszo-connector audit …` runs: `list`, `export`, `verify`, `init-key`, and the
//! clap-free filter the CLI maps its `--target --school --since --until --limit` into.
//!
//! These work on the store file directly, so the daemon must be stopped (redb allows one
//! process per file) or they must be pointed at a copy. They never write records.

use super::chain::{self, ChainHead};
use super::export::{export_csv, export_jsonl};
use super::key::{HmacKey, KeyError};
use super::query::run_query;
use super::tables;
use super::verify as verifier;
use crate::domain::audit::{AuditQuery, AuditRecord};
use crate::ports::AuditError;
use std::io::{self, Write};
use std::path::Path;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] AuditError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("invalid filter: {0}")]
    Filter(String),
    #[error("cannot write output: {0}")]
    Io(#[from] io::Error),
}

/// The CLI's filter options, as typed (`audit list`, `audit export`). `since` is inclusive,
/// `until` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct AuditFilter {
    /// Only records about this entry (its entryUUID, the SCIM id).
    #[arg(long)]
    pub target: Option<String>,
    /// Only records of this school (its code).
    #[arg(long)]
    pub school: Option<String>,
    /// Only records at or after this time (RFC 3339, e.g. 2026-09-01T00:00:00Z).
    #[arg(long)]
    pub since: Option<String>,
    /// Only records before this time (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
    /// At most this many records, newest first.
    #[arg(long)]
    pub limit: Option<usize>,
}

impl AuditFilter {
    pub fn to_query(&self) -> Result<AuditQuery, CliError> {
        let time = |name: &str, text: &Option<String>| {
            text.as_deref()
                .map(|t| {
                    OffsetDateTime::parse(t.trim(), &Rfc3339).map_err(|_| {
                        CliError::Filter(format!(
                            "--{name} {t:?} is not an RFC 3339 time like 2024-09-01T00:00:00Z"
                        ))
                    })
                })
                .transpose()
        };
        let nonempty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let query = AuditQuery {
            target_uuid: nonempty(&self.target),
            school: nonempty(&self.school),
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
            limit: self.limit,
        };
        if let (Some(s), Some(u)) = (query.since, query.until) {
            if s >= u {
                return Err(CliError::Filter("--since must be before --until".into()));
            }
        }
        Ok(query)
    }
}

/// `audit export --format jsonl|csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

impl std::str::FromStr for ExportFormat {
    type Err = CliError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "json-lines" | "ndjson" => Ok(Self::Jsonl),
            "csv" => Ok(Self::Csv),
            other => Err(CliError::Filter(format!(
                "unknown export format {other:?} (use jsonl or csv)"
            ))),
        }
    }
}

fn read(path: &Path, query: &AuditQuery) -> Result<Vec<AuditRecord>, CliError> {
    let db = tables::open_existing(path)?;
    Ok(run_query(&db, query)?)
}

/// `audit list`: a table, newest first. Control characters in values are escaped so a value
/// cannot forge lines or terminal escapes (AUD-03).
pub fn list(path: &Path, query: &AuditQuery, out: &mut dyn Write) -> Result<(), CliError> {
    let records = read(path, query)?;
    writeln!(
        out,
        "{:>6}  {:<24}  {:<22}  {:<24}  {:<8}  {:<20}  TARGET",
        "SEQ", "TIME (UTC)", "ACTOR", "ACTION", "SCHOOL", "OUTCOME"
    )?;
    for r in &records {
        let outcome = match chain::outcome_parts(&r.record.outcome) {
            (status, None) => status.to_owned(),
            (status, Some(reason)) => format!("{status}: {reason}"),
        };
        let target = r.record.target.as_ref().map_or(String::new(), |t| {
            format!("{} ({})", t.dn, t.entry_uuid.as_deref().unwrap_or("-"))
        });
        writeln!(
            out,
            "{:>6}  {:<24}  {:<22}  {:<24}  {:<8}  {:<20}  {}",
            r.seq,
            chain::format_time(r.time),
            clean(&r.record.actor.to_string()),
            clean(&r.record.action),
            clean(r.record.school.as_deref().unwrap_or("-")),
            clean(&outcome),
            clean(&target),
        )?;
    }
    writeln!(out, "{} record(s)", records.len())?;
    Ok(())
}

/// `audit export`: the matching records, oldest first (the order they were written).
pub fn export(
    path: &Path,
    query: &AuditQuery,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut records = read(path, query)?;
    records.reverse();
    match format {
        ExportFormat::Jsonl => export_jsonl(&records, out)?,
        ExportFormat::Csv => export_csv(&records, out)?,
    }
    Ok(())
}

/// `audit verify [--expect-head SEQ:MAC]`: prints a one-line verdict; `Ok(true)` when the
/// chain is intact. Parse the anchor with `str::parse::<ChainHead>()`.
pub fn verify(
    path: &Path,
    key: &HmacKey,
    expect_head: Option<ChainHead>,
    out: &mut dyn Write,
) -> Result<bool, CliError> {
    let report = verifier::verify(path, key, expect_head)?;
    writeln!(out, "{report}")?;
    Ok(report.is_ok())
}

/// `audit init-key`: writes a new key file (mode 0600); refuses to overwrite one.
pub fn init_key(path: &Path, out: &mut dyn Write) -> Result<(), CliError> {
    HmacKey::generate_to(path)?;
    writeln!(
        out,
        "wrote a new audit HMAC key to {} (keep it outside the audit store's directory and back it up)",
        path.display()
    )?;
    Ok(())
}

fn clean(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_parses_times_and_trims_empty_values() {
        let filter = AuditFilter {
            target: Some(" u-1 ".into()),
            school: Some("".into()),
            since: Some("2024-09-01T00:00:00Z".into()),
            until: Some("2024-09-02T00:00:00+02:00".into()),
            limit: Some(5),
        };
        let q = filter.to_query().unwrap();
        assert_eq!(q.target_uuid.as_deref(), Some("u-1"));
        assert_eq!(q.school, None);
        assert_eq!(q.since, Some(time::macros::datetime!(2024-09-01 0:00 UTC)));
        assert_eq!(q.limit, Some(5));
    }

    #[test]
    fn filter_rejects_bad_times_and_empty_ranges() {
        let bad = AuditFilter {
            since: Some("yesterday".into()),
            ..Default::default()
        };
        assert!(bad.to_query().unwrap_err().to_string().contains("--since"));
        let empty = AuditFilter {
            since: Some("2024-09-02T00:00:00Z".into()),
            until: Some("2024-09-01T00:00:00Z".into()),
            ..Default::default()
        };
        assert!(empty.to_query().is_err());
    }

    #[test]
    fn control_characters_are_escaped_in_the_table() {
        assert_eq!(clean("a\n{\"x\":1}\u{1b}[31m"), "a\\n{\"x\":1}\\u{1b}[31m");
    }

    #[test]
    fn export_format_parses() {
        assert_eq!("CSV".parse::<ExportFormat>().unwrap(), ExportFormat::Csv);
        assert_eq!(
            "jsonl".parse::<ExportFormat>().unwrap(),
            ExportFormat::Jsonl
        );
        assert!("xml".parse::<ExportFormat>().is_err());
    }
}
