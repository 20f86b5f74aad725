//! Retention (security.md AUD-06, GDPR-08): records older than the configured period are
//! removed, oldest first, without making the chain unverifiable.
//!
//! How the chain survives: pruning removes a *prefix* `first..=n` of the records (never a
//! record in the middle: it stops at the first record that is still young enough), and in
//! the same transaction
//! * writes a **checkpoint** into `audit_meta`: record `n`'s seq and MAC, signed with
//!   `HMAC-SHA256(key, "zszo-audit-checkpoint-v1" || 0 || seq BE || mac)`; `verify` starts
//!   from it (`prev = mac`, first expected seq `n + 1`) instead of from the genesis, after
//!   checking the signature. Without the key nobody can move the checkpoint, so cutting old
//!   records by hand is still reported as missing records;
//! * appends an `audit.pruned` record (actor `system:retention`) naming the cut-off, how
//!   many records went and the checkpoint, so the pruning is itself in the chain.
//!
//! A prune that finds nothing to remove writes nothing (no record every hour). The index
//! entries of removed records are removed with them. At most `max` records go per call, so
//! one transaction stays small; the job calls again until nothing is left.

use super::chain::{self, ChainHead, MAC_LEN};
use super::key::HmacKey;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use crate::domain::audit::PruneReport;

/// The `audit_meta` key of the checkpoint.
pub(crate) const CHECKPOINT_KEY: &str = "checkpoint";
const DOMAIN: &[u8] = b"zszo-audit-checkpoint-v1\0";
/// The action of the record a prune appends.
pub const PRUNED_ACTION: &str = "audit.pruned";

/// The last removed record: verification continues from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub head: ChainHead,
    pub signature: [u8; MAC_LEN],
}

impl Checkpoint {
    /// Signs `head` as the new starting point of the chain.
    pub fn sign(key: &HmacKey, head: ChainHead) -> Self {
        Self {
            head,
            signature: signature(key, &head),
        }
    }

    /// Whether the signature was made with `key` over this head.
    pub fn is_valid(&self, key: &HmacKey) -> bool {
        chain::mac_eq(&signature(key, &self.head), &self.signature)
    }

    pub(crate) fn encode(&self) -> [u8; 8 + 2 * MAC_LEN] {
        let mut out = [0u8; 8 + 2 * MAC_LEN];
        out[..8].copy_from_slice(&self.head.seq.to_be_bytes());
        out[8..8 + MAC_LEN].copy_from_slice(&self.head.mac);
        out[8 + MAC_LEN..].copy_from_slice(&self.signature);
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 8 + 2 * MAC_LEN {
            return None;
        }
        let seq = u64::from_be_bytes(bytes[..8].try_into().ok()?);
        let mac = bytes[8..8 + MAC_LEN].try_into().ok()?;
        let signature = bytes[8 + MAC_LEN..].try_into().ok()?;
        Some(Self {
            head: ChainHead { seq, mac },
            signature,
        })
    }
}

fn signature(key: &HmacKey, head: &ChainHead) -> [u8; MAC_LEN] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(DOMAIN);
    mac.update(&head.seq.to_be_bytes());
    mac.update(&head.mac);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_round_trips_and_only_its_key_and_head_verify() {
        let key = HmacKey::from_bytes(vec![7; 32]);
        let head = ChainHead {
            seq: 12,
            mac: [3; MAC_LEN],
        };
        let cp = Checkpoint::sign(&key, head);
        assert!(cp.is_valid(&key));
        assert_eq!(Checkpoint::decode(&cp.encode()), Some(cp));
        assert!(!cp.is_valid(&HmacKey::from_bytes(vec![8; 32])));
        let moved = Checkpoint {
            head: ChainHead { seq: 13, ..head },
            ..cp
        };
        assert!(!moved.is_valid(&key));
        assert_eq!(Checkpoint::decode(&[0; 5]), None);
    }
}
