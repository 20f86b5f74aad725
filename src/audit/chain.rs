//! The HMAC chain: canonical bytes of a record and the MAC that links it to its predecessor.
//!
//! `mac(n) = HMAC-SHA256(key, mac(n-1) || canonical(n))`, with `mac(0)` = 32 zero bytes. The
//! previous MAC is always exactly 32 bytes, so the concatenation is unambiguous.
//!
//! **Canonical bytes** (format version 1) are the compact `serde_json` encoding of
//! [`Canonical`], a private struct whose field order is fixed by its declaration:
//! `v, seq, time, actor_kind, actor_id, action, target_uuid, target_dn, school, outcome,
//! reason, request_id, details`. `time` is UTC formatted as
//! `YYYY-MM-DDTHH:MM:SS.mmmZ` (always three fractional digits), absent options are `null`,
//! and `details` is a `BTreeMap` (keys sorted). The encoding deliberately does **not** reuse
//! the serde form of `AuditRecord`, so a change to the domain type cannot silently change
//! what old MACs were computed over. Changing this struct needs a new `v`.

use super::key::HmacKey;
use crate::domain::audit::{Actor, AuditRecord, NewAuditRecord, Outcome};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::fmt;
use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;

/// Length of a MAC in bytes.
pub const MAC_LEN: usize = 32;
/// The "previous MAC" of record 1.
pub const GENESIS_MAC: [u8; MAC_LEN] = [0; MAC_LEN];
const CANONICAL_VERSION: u8 = 1;

const TIME_FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

/// The chain's last link: operators copy it somewhere else ("anchor") to detect a truncated
/// tail later. Displayed and parsed as `SEQ:HEXMAC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: u64,
    pub mac: [u8; MAC_LEN],
}

impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, hex::encode(self.mac))
    }
}

impl std::str::FromStr for ChainHead {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (seq, mac) = s
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("expected SEQ:MAC, got {s:?}"))?;
        let seq = seq
            .parse()
            .map_err(|_| format!("{seq:?} is not a sequence number"))?;
        let mac = parse_mac(mac).ok_or_else(|| format!("{mac:?} is not a 64-digit hex MAC"))?;
        Ok(Self { seq, mac })
    }
}

/// Parses a hex MAC as stored in [`AuditRecord::mac`].
pub fn parse_mac(text: &str) -> Option<[u8; MAC_LEN]> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

/// Constant-time comparison of two MACs.
pub fn mac_eq(a: &[u8; MAC_LEN], b: &[u8; MAC_LEN]) -> bool {
    a.ct_eq(b).into()
}

#[derive(Serialize)]
struct Canonical<'a> {
    v: u8,
    seq: u64,
    time: String,
    actor_kind: &'static str,
    actor_id: &'a str,
    action: &'a str,
    target_uuid: Option<&'a str>,
    target_dn: Option<&'a str>,
    school: Option<&'a str>,
    outcome: &'static str,
    reason: Option<&'a str>,
    request_id: Option<&'a str>,
    details: &'a BTreeMap<String, String>,
}

/// `(kind, id)` of an actor, as used by the canonical form and the CSV export.
pub fn actor_parts(actor: &Actor) -> (&'static str, &str) {
    match actor {
        Actor::Person(id) => ("person", id),
        Actor::ScimClient(id) => ("scim_client", id),
        Actor::System(id) => ("system", id),
    }
}

/// `(status, reason)` of an outcome.
pub fn outcome_parts(outcome: &Outcome) -> (&'static str, Option<&str>) {
    match outcome {
        Outcome::Success => ("success", None),
        Outcome::Failure(reason) => ("failure", Some(reason)),
    }
}

/// Formats a record time the way the chain and exports do (UTC, milliseconds).
pub fn format_time(time: OffsetDateTime) -> String {
    time.to_offset(time::UtcOffset::UTC)
        .format(TIME_FORMAT)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}

/// Normalises a clock reading to what is stored: UTC, truncated to milliseconds.
pub fn normalise_time(time: OffsetDateTime) -> OffsetDateTime {
    let utc = time.to_offset(time::UtcOffset::UTC);
    let millis = utc.millisecond();
    utc.replace_nanosecond(u32::from(millis) * 1_000_000)
        .unwrap_or(utc)
}

/// The canonical bytes of record `seq` at `time` (see the module docs).
pub fn canonical_bytes(seq: u64, time: OffsetDateTime, record: &NewAuditRecord) -> Vec<u8> {
    let (actor_kind, actor_id) = actor_parts(&record.actor);
    let (outcome, reason) = outcome_parts(&record.outcome);
    let canonical = Canonical {
        v: CANONICAL_VERSION,
        seq,
        time: format_time(time),
        actor_kind,
        actor_id,
        action: &record.action,
        target_uuid: record.target.as_ref().and_then(|t| t.entry_uuid.as_deref()),
        target_dn: record.target.as_ref().map(|t| t.dn.as_str()),
        school: record.school.as_deref(),
        outcome,
        reason,
        request_id: record.request_id.as_deref(),
        details: &record.details,
    };
    // Serialising strings, integers and a string map cannot fail.
    serde_json::to_vec(&canonical).unwrap_or_default()
}

/// `HMAC-SHA256(key, prev || canonical(seq, time, record))`.
pub fn compute_mac(
    key: &HmacKey,
    prev: &[u8; MAC_LEN],
    seq: u64,
    time: OffsetDateTime,
    record: &NewAuditRecord,
) -> [u8; MAC_LEN] {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(prev);
    mac.update(&canonical_bytes(seq, time, record));
    mac.finalize().into_bytes().into()
}

/// Whether a stored record's MAC matches its content and predecessor.
pub fn record_mac_ok(key: &HmacKey, prev: &[u8; MAC_LEN], record: &AuditRecord) -> bool {
    let Some(stored) = parse_mac(&record.mac) else {
        return false;
    };
    let expected = compute_mac(key, prev, record.seq, record.time, &record.record);
    mac_eq(&expected, &stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sample() -> NewAuditRecord {
        NewAuditRecord::new(
            Actor::ScimClient("hr".into()),
            "person.created",
            Outcome::Success,
        )
        .target("uid=jan.kowalski,ou=pracownicy", Some("u-1".into()))
        .request_id(Some("req-9".into()))
        .detail("z", "last")
        .detail("a", "first")
    }

    #[test]
    fn canonical_bytes_have_fixed_field_order_and_millisecond_utc_time() {
        let t = datetime!(2024-05-01 12:00:00.5 +02:00);
        let text = String::from_utf8(canonical_bytes(7, t, &sample())).unwrap();
        assert_eq!(
            text,
            r#"{"v":1,"seq":7,"time":"2024-05-01T10:00:00.500Z","actor_kind":"scim_client","actor_id":"hr","action":"person.created","target_uuid":"u-1","target_dn":"uid=jan.kowalski,ou=pracownicy","school":null,"outcome":"success","reason":null,"request_id":"req-9","details":{"a":"first","z":"last"}}"#
        );
    }

    #[test]
    fn mac_depends_on_key_predecessor_and_every_field() {
        let key = HmacKey::from_bytes(vec![1; 32]);
        let t = datetime!(2024-05-01 10:00 UTC);
        let base = compute_mac(&key, &GENESIS_MAC, 1, t, &sample());
        assert_eq!(base, compute_mac(&key, &GENESIS_MAC, 1, t, &sample()));
        let other_key = HmacKey::from_bytes(vec![2; 32]);
        assert_ne!(base, compute_mac(&other_key, &GENESIS_MAC, 1, t, &sample()));
        assert_ne!(base, compute_mac(&key, &[1; 32], 1, t, &sample()));
        assert_ne!(base, compute_mac(&key, &GENESIS_MAC, 2, t, &sample()));
        let later = t + time::Duration::milliseconds(1);
        assert_ne!(base, compute_mac(&key, &GENESIS_MAC, 1, later, &sample()));
        let mut edited = sample();
        edited.action = "person.deleted".into();
        assert_ne!(base, compute_mac(&key, &GENESIS_MAC, 1, t, &edited));
        let mut edited = sample();
        edited.details.insert("a".into(), "changed".into());
        assert_ne!(base, compute_mac(&key, &GENESIS_MAC, 1, t, &edited));
    }

    #[test]
    fn chain_head_round_trips_through_text() {
        let head = ChainHead {
            seq: 42,
            mac: [0xcd; 32],
        };
        assert_eq!(head.to_string().parse::<ChainHead>().unwrap(), head);
        assert!("42".parse::<ChainHead>().is_err());
        assert!("x:00".parse::<ChainHead>().is_err());
        assert!("1:abcd".parse::<ChainHead>().is_err());
    }

    #[test]
    fn normalised_time_is_utc_milliseconds() {
        let t = normalise_time(datetime!(2024-05-01 12:00:00.123456789 +02:00));
        assert_eq!(t, datetime!(2024-05-01 10:00:00.123 UTC));
        assert_eq!(t.offset(), time::UtcOffset::UTC);
    }
}
