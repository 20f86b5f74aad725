//! When each SCIM client last used its token, for `token list`: a small TOML file beside the
//! registry (`<clients_file>.last-used`), written by the daemon, read by the CLI. Not the
//! registry itself, which only the CLI writes (no two writers of one file), and not redb,
//! which the CLI cannot open while the daemon runs.
//!
//! Written at most once a minute per client (a sync of many requests is one write), replaced
//! atomically; the time is therefore accurate to a minute. A missing or unreadable file reads
//! as "never used" (it is informational; authentication never depends on it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

const EVERY: Duration = Duration::minutes(1);

/// The file beside `clients_file`.
pub fn path_for(clients_file: &Path) -> PathBuf {
    let mut name = clients_file.as_os_str().to_owned();
    name.push(".last-used");
    PathBuf::from(name)
}

/// Client name → last use, as last written.
pub fn read(path: &Path) -> BTreeMap<String, OffsetDateTime> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return BTreeMap::new();
    };
    table
        .iter()
        .filter_map(|(name, v)| {
            let t =
                OffsetDateTime::parse(v.as_str()?, &time::format_description::well_known::Rfc3339)
                    .ok()?;
            Some((name.clone(), t))
        })
        .collect()
}

fn write(path: &Path, uses: &BTreeMap<String, OffsetDateTime>) -> std::io::Result<()> {
    let mut table = toml::Table::new();
    for (name, t) in uses {
        let t = t
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(std::io::Error::other)?;
        table.insert(name.clone(), toml::Value::String(t));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    use std::io::Write;
    tmp.write_all(
        format!(
            "# When each SCIM client last used its token (zszo-connector, informational).\n{table}"
        )
        .as_bytes(),
    )?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The daemon's side: notes uses and writes the file when one is due.
pub struct LastUsed {
    path: PathBuf,
    written: Mutex<BTreeMap<String, OffsetDateTime>>,
}

impl LastUsed {
    pub fn open(clients_file: &Path) -> Self {
        let path = path_for(clients_file);
        let written = Mutex::new(read(&path));
        Self { path, written }
    }

    /// `name` used its token at `now`; writes the file (off the async workers when there is
    /// a runtime) if its time there is a minute old or missing.
    pub fn note(&self, name: &str, now: OffsetDateTime) {
        let snapshot = {
            let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
            if written.get(name).is_some_and(|t| now - *t < EVERY) {
                return;
            }
            written.insert(name.to_owned(), now);
            written.clone()
        };
        let path = self.path.clone();
        let job = move || {
            if let Err(e) = write(&path, &snapshot) {
                tracing::warn!(error = %e, path = %path.display(), "last token use not written");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn_blocking(job);
            }
            Err(_) => job(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_are_written_once_a_minute_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let clients = dir.path().join("scim-clients.toml");
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let uses = LastUsed::open(&clients);
        uses.note("hr", t0);
        assert_eq!(read(&path_for(&clients))["hr"], t0);
        uses.note("hr", t0 + Duration::seconds(30));
        assert_eq!(
            read(&path_for(&clients))["hr"],
            t0,
            "not rewritten within the minute"
        );
        uses.note("hr", t0 + Duration::minutes(2));
        uses.note("entra", t0);
        let back = read(&path_for(&clients));
        assert_eq!(back["hr"], t0 + Duration::minutes(2));
        assert_eq!(back["entra"], t0);
        // A new daemon starts from what the file says.
        let again = LastUsed::open(&clients);
        again.note("hr", t0 + Duration::minutes(2) + Duration::seconds(1));
        assert_eq!(read(&path_for(&clients))["hr"], t0 + Duration::minutes(2));
    }
}
