//! The school's personal-data records of procedure step 7 (security.md section O):
//! F-02 authorizations, the F-03 register of authorized persons, the F-04 room list.
//! Pure data; `crate::forms` derives them from the audit history, `crate::store` keeps them.
//!
//! Invariants: register rows are append-only: a row is never changed or removed; a
//! correction (for instance the revocation) is a new row whose `corrects` names the row it
//! replaces; `revoked_at >= granted_at` (checked by [`RegisterRow::revoked`]).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One row of a school's F-03 register (Lp. = `no`). The F-02 authorization of a person is
/// the chain of rows starting at `grant_no`; its current content is the chain's last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRow {
    /// Per school, 1, 2, 3 … in the order rows were appended.
    pub no: u64,
    /// The number of the authorization (F-02): the `no` of its first row.
    pub grant_no: u64,
    /// The row this one corrects (then it is the current one of the two).
    pub corrects: Option<u64>,
    /// The person's entryUUID.
    pub person_id: String,
    pub name: String,
    /// The identifier in the IT system (LDAP `uid`).
    pub login: String,
    pub position: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub granted_at: OffsetDateTime,
    /// Who granted it (the administrator who created the account, or who re-enabled it).
    pub granted_by: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<String>,
    /// Why: the audit action that ended it (`person.deactivated`, `person.deleted`,
    /// `account.locked`).
    pub revocation: Option<String>,
    /// The audit record this row was made from.
    pub source_seq: u64,
}

/// A revocation time before the grant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an authorization cannot end before it was granted")]
pub struct RevokedBeforeGrant;

impl RegisterRow {
    /// The correction that revokes this row: a new row numbered `no`.
    pub fn revoked(
        &self,
        no: u64,
        at: OffsetDateTime,
        by: String,
        why: String,
        source_seq: u64,
    ) -> Result<Self, RevokedBeforeGrant> {
        if at < self.granted_at {
            return Err(RevokedBeforeGrant);
        }
        Ok(Self {
            no,
            corrects: Some(self.no),
            revoked_at: Some(at),
            revoked_by: Some(by),
            revocation: Some(why),
            source_seq,
            ..self.clone()
        })
    }

    pub fn is_open(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// The rows no later row corrects: one per authorization, in register order.
pub fn current_rows(rows: &[RegisterRow]) -> Vec<&RegisterRow> {
    let corrected: std::collections::BTreeSet<u64> =
        rows.iter().filter_map(|r| r.corrects).collect();
    rows.iter().filter(|r| !corrected.contains(&r.no)).collect()
}

/// One room of the data-processing area (F-04).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub room: String,
    pub building: String,
    pub purpose: String,
}

/// Fields of a room as typed, trimmed and bounded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("every field is required")]
    Empty,
    #[error("a field is longer than {MAX_ROOM_FIELD} characters")]
    TooLong,
}

/// The longest room field taken.
pub const MAX_ROOM_FIELD: usize = 200;

impl Room {
    pub fn parse(room: &str, building: &str, purpose: &str) -> Result<Self, RoomError> {
        let clean = |s: &str| -> Result<String, RoomError> {
            let s: String = s.trim().chars().filter(|c| !c.is_control()).collect();
            if s.is_empty() {
                Err(RoomError::Empty)
            } else if s.chars().count() > MAX_ROOM_FIELD {
                Err(RoomError::TooLong)
            } else {
                Ok(s)
            }
        };
        Ok(Self {
            room: clean(room)?,
            building: clean(building)?,
            purpose: clean(purpose)?,
        })
    }
}

/// One version of a school's F-04 list: versions are numbered 1, 2, 3 … and never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomsVersion {
    pub version: u32,
    pub rooms: Vec<Room>,
    pub changed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
}

/// A granted, never revoked F-03 row, for tests here and in `crate::forms`.
#[cfg(test)]
pub(crate) fn example_row() -> RegisterRow {
    RegisterRow {
        no: 1,
        grant_no: 1,
        corrects: None,
        person_id: "u-1".into(),
        name: "Zofia Żółkiewska".into(),
        login: "zofia.zolkiewska".into(),
        position: Some("nauczycielka".into()),
        granted_at: time::macros::datetime!(2025-09-01 10:00 UTC),
        granted_by: "lukasz.nowak".into(),
        revoked_at: None,
        revoked_by: None,
        revocation: None,
        source_seq: 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_revocation_is_a_new_row_pointing_at_the_old_and_never_before_the_grant() {
        let r = example_row();
        let at = datetime!(2025-10-01 10:00 UTC);
        let c = r
            .revoked(2, at, "hr".into(), "person.deactivated".into(), 20)
            .unwrap();
        assert_eq!((c.no, c.grant_no, c.corrects), (2, 1, Some(1)));
        assert_eq!(c.revoked_at, Some(at));
        assert!(r.is_open() && !c.is_open());
        let rows = vec![r.clone(), c.clone()];
        assert_eq!(current_rows(&rows), vec![&c]);
        assert_eq!(
            r.revoked(2, datetime!(2025-08-01 0:00 UTC), "x".into(), "y".into(), 3),
            Err(RevokedBeforeGrant)
        );
    }

    #[test]
    fn room_fields_are_required_trimmed_and_bounded() {
        let r = Room::parse(" 12 ", "ul. Długa 1", "sekretariat\n").unwrap();
        assert_eq!((r.room.as_str(), r.purpose.as_str()), ("12", "sekretariat"));
        assert_eq!(Room::parse("", "b", "p"), Err(RoomError::Empty));
        let long = "x".repeat(MAX_ROOM_FIELD + 1);
        assert_eq!(Room::parse("a", &long, "p"), Err(RoomError::TooLong));
    }
}
