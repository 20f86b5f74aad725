//! The registry file: read, and change atomically (write a temporary file, then rename), so
//! the daemon never reads a half-written file.

use super::{generate_token, token_hash, Access, ClientRecord};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum ClientFileError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not a valid client registry: {reason}")]
    Invalid { path: String, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("{0}")]
    Refused(String),
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileContent {
    #[serde(default, rename = "client")]
    clients: Vec<ClientRecord>,
}

/// The registry file at `path`. A missing file is an empty registry.
pub struct ClientFile {
    path: PathBuf,
}

impl ClientFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn read(&self) -> Result<Vec<ClientRecord>, ClientFileError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(ClientFileError::Read {
                    path: self.path.display().to_string(),
                    reason: e.to_string(),
                })
            }
        };
        let content: FileContent =
            toml::from_str(&text).map_err(|e| self.invalid(e.to_string()))?;
        for c in &content.clients {
            c.scope().map_err(|e| self.invalid(e))?;
            if c.token_sha256.len() != 64 || hex::decode(&c.token_sha256).is_err() {
                return Err(
                    self.invalid(format!("client {}: token_sha256 is not a SHA-256", c.name))
                );
            }
        }
        Ok(content.clients)
    }

    /// Adds a client and returns its token, which exists nowhere else: show it once.
    pub fn create(
        &self,
        name: &str,
        schools: Vec<String>,
        access: Access,
        lifetime: time::Duration,
        now: OffsetDateTime,
    ) -> Result<(ClientRecord, SecretString), ClientFileError> {
        let name = name.trim();
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(ClientFileError::Refused(
                "--name must be 1–64 characters of ASCII letters, digits, '-', '_' and '.'".into(),
            ));
        }
        if schools.is_empty() {
            return Err(ClientFileError::Refused(
                "name the schools with --school CODE (repeatable) or give --all-schools".into(),
            ));
        }
        let mut clients = self.read()?;
        // A revoked client stays in the file for the record; its name may be reused.
        if clients
            .iter()
            .any(|c| c.name == name && c.revoked_at.is_none())
        {
            return Err(ClientFileError::Refused(format!(
                "an active client named {name} exists; revoke it first or choose another name"
            )));
        }
        let token = generate_token();
        let record = ClientRecord {
            name: name.to_owned(),
            schools,
            access,
            token_sha256: token_hash(&token),
            created_at: now,
            expires_at: now + lifetime,
            revoked_at: None,
        };
        record.scope().map_err(ClientFileError::Refused)?;
        clients.push(record.clone());
        self.write(&clients)?;
        Ok((record, token))
    }

    /// Marks the client revoked (kept in the file for the record). Returns false if unknown
    /// or already revoked.
    pub fn revoke(&self, name: &str, now: OffsetDateTime) -> Result<bool, ClientFileError> {
        let mut clients = self.read()?;
        let Some(c) = clients
            .iter_mut()
            .find(|c| c.name == name && c.revoked_at.is_none())
        else {
            return Ok(false);
        };
        c.revoked_at = Some(now);
        self.write(&clients)?;
        Ok(true)
    }

    fn write(&self, clients: &[ClientRecord]) -> Result<(), ClientFileError> {
        let err = |e: &dyn std::fmt::Display| ClientFileError::Write {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        };
        let text = toml::to_string_pretty(&FileContent {
            clients: clients.to_vec(),
        })
        .map_err(|e| err(&e))?;
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| err(&e))?;
        use std::io::Write;
        tmp.write_all(
            format!(
                "# SCIM clients of zszo-connector. Managed with `zszo-connector token …`;\n\
                 # holds only SHA-256 hashes of the tokens.\n\n{text}"
            )
            .as_bytes(),
        )
        .map_err(|e| err(&e))?;
        tmp.as_file().sync_all().map_err(|e| err(&e))?;
        tmp.persist(&self.path).map_err(|e| err(&e.error))?;
        Ok(())
    }

    fn invalid(&self, reason: String) -> ClientFileError {
        ClientFileError::Invalid {
            path: self.path.display().to_string(),
            reason,
        }
    }
}

/// [`ClientFile::create`] of a client whose scope is one school code (or `*`), valid for
/// `days` from `at`.
#[cfg(test)]
pub(crate) fn create_client(
    file: &ClientFile,
    name: &str,
    school: &str,
    access: Access,
    days: i64,
    at: OffsetDateTime,
) -> Result<(ClientRecord, SecretString), ClientFileError> {
    file.create(
        name,
        vec![school.into()],
        access,
        time::Duration::days(days),
        at,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-09-01 8:00 UTC)
    }

    #[test]
    fn create_stores_only_the_hash_and_revoke_keeps_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let file = ClientFile::new(dir.path().join("clients.toml"));
        let (record, token) =
            create_client(&file, "hr", "261301", Access::ReadWrite, 30, now()).unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(!text.contains(token.expose_secret()));
        assert!(text.contains(&record.token_sha256));
        assert!(create_client(&file, "hr", "*", Access::ReadOnly, 1, now()).is_err());
        assert!(file.revoke("hr", now()).unwrap());
        assert!(!file.revoke("hr", now()).unwrap(), "already revoked");
        let read = file.read().unwrap();
        assert_eq!(read.len(), 1);
        assert!(!read[0].is_usable_at(now()));
        // The name of a revoked client can be used again (rotation).
        let (_, second) = create_client(&file, "hr", "*", Access::ReadOnly, 1, now()).unwrap();
        assert_ne!(second.expose_secret(), token.expose_secret());
        assert_eq!(file.read().unwrap().len(), 2);
    }

    #[test]
    fn bad_names_duplicates_unknown_schools_and_no_scope_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = ClientFile::new(dir.path().join("clients.toml"));
        let create = |name: &str, schools: Vec<String>| {
            file.create(
                name,
                schools,
                Access::ReadOnly,
                time::Duration::days(1),
                now(),
            )
        };
        assert!(create("a b", vec!["*".into()]).is_err());
        assert!(create("ok", vec![]).is_err());
        assert!(create("ok", vec!["ou=x,dc=y".into()]).is_err());
        create("ok", vec!["*".into()]).unwrap();
        assert!(create("ok", vec!["*".into()]).is_err());
    }

    #[test]
    fn a_hand_edited_file_with_a_bad_hash_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clients.toml");
        std::fs::write(
            &path,
            "[[client]]\nname = \"x\"\nschools = [\"*\"]\naccess = \"read-only\"\n\
             token_sha256 = \"abc\"\ncreated_at = \"2026-01-01T00:00:00Z\"\n\
             expires_at = \"2027-01-01T00:00:00Z\"\n",
        )
        .unwrap();
        let e = ClientFile::new(&path).read().unwrap_err().to_string();
        assert!(e.contains("token_sha256"), "{e}");
    }
}
