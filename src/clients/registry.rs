//! The daemon's view of the registry file: which client a bearer token belongs to.
//!
//! Re-reads the file when its modification time changes (checked at most once a second), so
//! `token create` and `token revoke` take effect without a restart. A file that fails to parse
//! is reported and the previous clients stay in force: a typo must not open or close the API.

use super::{token_hash, Access, ClientFile, ClientRecord};
use crate::clock::Clock;
use crate::ports::SchoolScope;
use secrecy::SecretString;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};
use subtle::ConstantTimeEq;

const RECHECK_EVERY: Duration = Duration::from_secs(1);

/// Who is calling, once their token checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub name: String,
    pub scope: SchoolScope,
    pub access: Access,
}

struct Entry {
    hash: [u8; 32],
    record: ClientRecord,
    scope: SchoolScope,
}

struct Loaded {
    modified: Option<SystemTime>,
    checked: Instant,
    entries: Vec<Entry>,
}

pub struct ClientRegistry {
    file: ClientFile,
    clock: Arc<dyn Clock>,
    loaded: RwLock<Loaded>,
    /// Each client's last use, for `token list`.
    last_used: super::last_used::LastUsed,
}

impl ClientRegistry {
    /// Reads the file now; an invalid file is an error at start.
    pub fn open(file: ClientFile, clock: Arc<dyn Clock>) -> Result<Self, super::ClientFileError> {
        let entries = Self::entries(file.read()?);
        let modified = modified(&file);
        let last_used = super::last_used::LastUsed::open(file.path());
        Ok(Self {
            file,
            clock,
            last_used,
            loaded: RwLock::new(Loaded {
                modified,
                checked: Instant::now(),
                entries,
            }),
        })
    }

    fn entries(records: Vec<ClientRecord>) -> Vec<Entry> {
        records
            .into_iter()
            .filter_map(|record| {
                let mut hash = [0u8; 32];
                hex::decode_to_slice(&record.token_sha256, &mut hash).ok()?;
                let scope = record.scope().ok()?;
                Some(Entry {
                    hash,
                    record,
                    scope,
                })
            })
            .collect()
    }

    fn refresh(&self) {
        {
            let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
            if loaded.checked.elapsed() < RECHECK_EVERY {
                return;
            }
        }
        let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
        loaded.checked = Instant::now();
        let now_modified = modified(&self.file);
        if now_modified == loaded.modified {
            return;
        }
        match self.file.read() {
            Ok(records) => {
                loaded.entries = Self::entries(records);
                loaded.modified = now_modified;
                tracing::info!(
                    clients = loaded.entries.len(),
                    "SCIM client registry reloaded"
                );
            }
            Err(e) => {
                loaded.modified = now_modified;
                tracing::error!(error = %e, "SCIM client registry not reloaded; previous clients stay in force");
            }
        }
    }

    /// The client a token belongs to, if it is known, not revoked and not expired. Every
    /// stored hash is compared, in constant time, whatever matches first.
    pub fn authenticate(&self, token: &SecretString) -> Option<Authenticated> {
        self.refresh();
        let presented = token_hash(token);
        let mut presented_bytes = [0u8; 32];
        hex::decode_to_slice(&presented, &mut presented_bytes).ok()?;
        let now = self.clock.now();
        let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
        let mut found = None;
        for entry in &loaded.entries {
            if bool::from(entry.hash.ct_eq(&presented_bytes)) {
                found = Some(entry);
            }
        }
        let entry = found.filter(|e| e.record.is_usable_at(now))?;
        self.last_used.note(&entry.record.name, now);
        Some(Authenticated {
            name: entry.record.name.clone(),
            scope: entry.scope.clone(),
            access: entry.record.access,
        })
    }
}

fn modified(file: &ClientFile) -> Option<SystemTime> {
    std::fs::metadata(file.path())
        .and_then(|m| m.modified())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::file::create_client;
    use crate::clock::ManualClock;
    use crate::domain::SchoolCode;

    /// A registry file in a new folder with one client, valid for two days from `start`;
    /// the client's token.
    fn file_with_client(
        name: &str,
        school: &str,
        access: Access,
        start: time::OffsetDateTime,
    ) -> (tempfile::TempDir, ClientFile, SecretString) {
        let dir = tempfile::tempdir().unwrap();
        let file = ClientFile::new(dir.path().join("clients.toml"));
        let (_, token) = create_client(&file, name, school, access, 2, start).unwrap();
        (dir, file, token)
    }

    #[test]
    fn a_token_authenticates_until_it_is_revoked_or_expires() {
        let start = time::macros::datetime!(2026-09-01 8:00 UTC);
        let clock = Arc::new(ManualClock::new(start));
        let (_dir, file, token) = file_with_client("hr", "261301", Access::ReadWrite, start);
        let registry = ClientRegistry::open(ClientFile::new(file.path()), clock.clone()).unwrap();

        let who = registry.authenticate(&token).unwrap();
        assert_eq!(who.name, "hr");
        assert_eq!(
            who.scope,
            SchoolScope::Only(vec![SchoolCode::parse("261301").unwrap()])
        );
        assert!(registry
            .authenticate(&SecretString::from("zszo_wrong".to_owned()))
            .is_none());

        clock.advance(time::Duration::days(2));
        assert!(registry.authenticate(&token).is_none(), "expired");
    }

    #[test]
    fn revocation_in_the_file_takes_effect_without_a_restart() {
        let start = time::OffsetDateTime::now_utc();
        let (_dir, file, token) = file_with_client("okta", "*", Access::ReadOnly, start);
        let system_clock = Arc::new(crate::clock::SystemClock);
        let registry = ClientRegistry::open(ClientFile::new(file.path()), system_clock).unwrap();
        assert_eq!(
            registry.authenticate(&token).unwrap().scope,
            SchoolScope::All
        );
        // mtime resolution can be coarse: make sure the revocation gets a new one.
        std::thread::sleep(Duration::from_millis(20));
        file.revoke("okta", start).unwrap();
        let later = std::time::SystemTime::now() + Duration::from_secs(2);
        std::fs::File::options()
            .write(true)
            .open(file.path())
            .unwrap()
            .set_modified(later)
            .unwrap();
        std::thread::sleep(RECHECK_EVERY + Duration::from_millis(50));
        assert!(registry.authenticate(&token).is_none());
    }
}
