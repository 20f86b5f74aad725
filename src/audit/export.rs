//! Export of records to JSON lines and CSV, for shipping to a separate system (AUD-04) and
//! for people with spreadsheets.
//!
//! * JSON lines: one `AuditRecord` per line in its serde form (deserialises back into
//!   `AuditRecord`); JSON string escaping keeps CR/LF inside values from splitting a line.
//! * CSV: columns `seq,time,actor_kind,actor,action,target_uuid,target_dn,school,outcome,
//!   reason,request_id,details` (details as a JSON object). Quoting is the `csv` crate's.
//!   Every cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a
//!   spreadsheet shows it as text instead of running it as a formula (OWASP CSV injection).
//!
//! Exports never add data: they write what the store holds, which never holds secrets.

use super::chain::{actor_parts, format_time, outcome_parts};
use crate::domain::audit::AuditRecord;
use std::borrow::Cow;
use std::io::{self, Write};

/// The CSV header, in column order.
pub const CSV_COLUMNS: [&str; 12] = [
    "seq",
    "time",
    "actor_kind",
    "actor",
    "action",
    "target_uuid",
    "target_dn",
    "school",
    "outcome",
    "reason",
    "request_id",
    "details",
];

/// Writes one JSON object per line.
pub fn export_jsonl<'a, W: Write>(
    records: impl IntoIterator<Item = &'a AuditRecord>,
    mut writer: W,
) -> io::Result<()> {
    for record in records {
        serde_json::to_writer(&mut writer, record)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()
}

/// Writes a header and one row per record, with formula-looking cells neutralised.
pub fn export_csv<'a, W: Write>(
    records: impl IntoIterator<Item = &'a AuditRecord>,
    writer: W,
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(CSV_COLUMNS)?;
    for record in records {
        let r = &record.record;
        let (actor_kind, actor) = actor_parts(&r.actor);
        let (outcome, reason) = outcome_parts(&r.outcome);
        let details = serde_json::to_string(&r.details)?;
        let target = r.target.as_ref();
        let row: [Cow<'_, str>; 12] = [
            record.seq.to_string().into(),
            format_time(record.time).into(),
            actor_kind.into(),
            actor.into(),
            r.action.as_str().into(),
            target
                .and_then(|t| t.entry_uuid.as_deref())
                .unwrap_or("")
                .into(),
            target.map_or("", |t| t.dn.as_str()).into(),
            r.school.as_deref().unwrap_or("").into(),
            outcome.into(),
            reason.unwrap_or("").into(),
            r.request_id.as_deref().unwrap_or("").into(),
            details.into(),
        ];
        csv.write_record(row.iter().map(|cell| neutralise_cell(cell).into_owned()))?;
    }
    csv.flush()
}

/// Prefixes `'` to a cell a spreadsheet would read as a formula.
pub fn neutralise_cell(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Actor, NewAuditRecord, Outcome};

    #[test]
    fn formula_looking_cells_are_prefixed_and_others_untouched() {
        let cases = [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("jan.kowalski", "jan.kowalski"),
            ("a=b", "a=b"),
            ("", ""),
            ("'already", "'already"),
        ];
        for (input, expected) in cases {
            assert_eq!(neutralise_cell(input), expected, "{input:?}");
        }
    }

    #[test]
    fn csv_rows_have_the_documented_columns_and_quote_commas_and_newlines() {
        let record = AuditRecord {
            seq: 3,
            time: time::macros::datetime!(2024-05-01 10:00:00.250 UTC),
            record: NewAuditRecord::new(
                Actor::Person("anna".into()),
                "=HYPERLINK(\"x\")",
                Outcome::Failure("-constraint".into()),
            )
            .target("uid=a,ou=b", Some("u-1".into()))
            .detail("note", "two\nlines, one comma"),
            mac: "00".into(),
        };
        let mut out = Vec::new();
        export_csv([&record], &mut out).unwrap();
        let mut reader = csv::Reader::from_reader(out.as_slice());
        assert_eq!(reader.headers().unwrap(), CSV_COLUMNS.as_slice());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "3");
        assert_eq!(&row[1], "2024-05-01T10:00:00.250Z");
        assert_eq!(&row[2], "person");
        assert_eq!(&row[4], "'=HYPERLINK(\"x\")");
        assert_eq!(&row[5], "u-1");
        assert_eq!(&row[8], "failure");
        assert_eq!(&row[9], "'-constraint");
        assert_eq!(&row[11], r#"{"note":"two\nlines, one comma"}"#);
    }
}
