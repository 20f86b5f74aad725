//! A real `slapd` for development and tests: generate its configuration, initialise its data
//! directory, start it on loopback and stop it again.
//!
//! Used by `zszo-connector dev` and by the integration-test harness. The API is synchronous
//! (async callers use `spawn_blocking`). Layout and slapd requirements are documented in
//! `schemas/ldap/README.md`; the configuration itself is generated in [`config`].
//!
//! A started slapd never outlives the process that started it: next to it runs a tiny
//! watchdog (`sh`) reading a pipe whose only writer is this process. When the process ends,
//! however it ends, the pipe closes and the watchdog sends slapd `SIGTERM`.

mod acl;
pub mod config;
pub mod data;
mod ownership;
mod process;
mod upgrade;
mod validate;

use secrecy::{ExposeSecret, SecretString};
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub use config::{admin_dn, service_dn};
pub use process::{start, SlapdInstance};
pub use upgrade::apply_access_rules;
use validate::{validate_base_dn, validate_path, validate_replication};

/// The one-line message shown when slapd is missing.
pub const INSTALL_HINT: &str =
    "slapd not found: install it with `sudo apt-get install slapd ldap-utils`";

const START_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const LOG_TAIL_BYTES: u64 = 4000;

/// What to run and where.
#[derive(Debug, Clone)]
pub struct SlapdSpec {
    /// Holds `slapd.d/` (config), `db/` (data), `slapd.log`, pid and args files.
    pub data_dir: PathBuf,
    /// `None`: pick a free loopback port at each start.
    pub port: Option<u16>,
    /// e.g. `dc=zszo,dc=krakow,dc=pl`.
    pub base_dn: String,
    /// Every `*.ldif` here is loaded after the stock schemas (the repository's `schemas/ldap`).
    pub schema_dir: PathBuf,
    /// Password of `cn=zszo-connector,ou=system,<base>`; used only when the directory is created.
    pub service_password: SecretString,
    /// Password of the rootdn `cn=admin,<base>`; used only when the directory is created.
    pub admin_password: SecretString,
    /// `Some`: this server is one of two multi-provider replicas (see [`Replication`]).
    pub replication: Option<Replication>,
}

/// One provider of an OpenLDAP 2.5 multi-provider pair (`schemas/ldap/README.md`,
/// "Two providers"): `syncprov` on the data, `olcSyncrepl` from the peer bound as the rootdn
/// (both providers share the admin password), `olcMultiProvider: TRUE`.
#[derive(Debug, Clone)]
pub struct Replication {
    /// `olcServerID`, 1..=4095, different on each provider.
    pub server_id: u16,
    /// The peer's `ldap://host:port/` (plain LDAP: loopback or a private replication network).
    pub peer_url: String,
    /// `true`: this provider is created with the initial data; `false`: created empty, it
    /// receives every entry (same entryUUIDs) from the peer by syncrepl.
    pub seed: bool,
    /// `true`: [`start`] resets this provider's syncrepl cookie for the peer (`slapd -c
    /// rid=…`), so its first refresh compares every entry the peer holds instead of asking
    /// only for changes since the cookie. The repair after the peer was killed while it was
    /// taking writes: syncprov may never send a few of its last acknowledged writes, because
    /// the cookie had already moved past them (schemas/ldap/README.md "Two providers").
    pub refresh_fully: bool,
}

impl Replication {
    /// The `rid` of this provider's `olcSyncrepl` from its peer: the peer's server id (the
    /// pair's ids are 1 and 2).
    pub fn peer_rid(&self) -> u16 {
        if self.server_id == 1 {
            2
        } else {
            1
        }
    }
}

/// The outcome of [`prepare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prepared {
    /// `true` when this call created the configuration and loaded the initial data.
    pub fresh: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SlapdError {
    #[error("{INSTALL_HINT}")]
    NotInstalled,
    #[error("invalid slapd settings: {0}")]
    InvalidSpec(String),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{tool} failed ({status}): {output}")]
    Tool {
        tool: &'static str,
        status: String,
        output: String,
    },
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("slapd did not start: {reason}\n--- slapd log (tail) ---\n{log_tail}")]
    Start { reason: String, log_tail: String },
    /// Another process listens on the port (maybe another slapd): never taken for ours.
    #[error("port {port} on 127.0.0.1 is taken by another process")]
    PortTaken { port: u16 },
    #[error("stopping slapd failed: {0}")]
    Stop(String),
}

fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> SlapdError + 'a {
    move |source| SlapdError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

// ---------------------------------------------------------------------------------------------
// Installation check

/// Where slapd and slapadd are looked for: only `$ZSZO_SLAPD_SBIN_DIR` when it is set (an
/// OpenLDAP installed elsewhere, e.g. under /opt), else `PATH` and the usual sbin folders.
pub const SBIN_DIR_ENV: &str = "ZSZO_SLAPD_SBIN_DIR";

fn find_tool(name: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(SBIN_DIR_ENV) {
        let p = PathBuf::from(dir).join(name);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

struct Tools {
    slapd: PathBuf,
    slapadd: PathBuf,
}

fn tools() -> Result<Tools, SlapdError> {
    let slapd = find_tool("slapd").ok_or(SlapdError::NotInstalled)?;
    let slapadd = find_tool("slapadd").ok_or(SlapdError::NotInstalled)?;
    let modules = Path::new(config::MODULE_PATH);
    let schemas = Path::new(config::STOCK_SCHEMA_DIR);
    let present = [
        "back_mdb", "argon2", "ppolicy", "unique", "memberof", "refint", "syncprov", "sssvlv",
    ]
    .iter()
    .all(|m| {
        modules.join(format!("{m}.la")).is_file() || modules.join(format!("{m}.so")).is_file()
    }) && config::STOCK_SCHEMAS
        .iter()
        .all(|s| schemas.join(format!("{s}.ldif")).is_file());
    if !present {
        return Err(SlapdError::NotInstalled);
    }
    Ok(Tools { slapd, slapadd })
}

/// Checks that slapd, slapadd, the modules and the stock schemas we need are installed.
pub fn is_installed() -> Result<(), SlapdError> {
    tools().map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Hashing

/// `{ARGON2}` + an Argon2id PHC string (m=19456 KiB, t=2, p=1, 16-byte OsRng salt, 32-byte
/// tag): the `userPassword` form slapd's argon2 module verifies (security.md HASH-01/02).
pub fn argon2_userpassword(password: &str) -> Result<String, SlapdError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};
    use rand::rngs::OsRng;
    let params =
        Params::new(19_456, 2, 1, Some(32)).map_err(|e| SlapdError::Hash(e.to_string()))?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    let phc = hasher
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| SlapdError::Hash(e.to_string()))?;
    Ok(format!("{{ARGON2}}{phc}"))
}

// ---------------------------------------------------------------------------------------------
// Validation (the checks of what is written unescaped are in `validate.rs`)

fn absolute(path: &Path) -> Result<PathBuf, SlapdError> {
    fs::canonicalize(path).map_err(io_err("cannot resolve", path))
}

/// The `*.ldif` files of the schema directory, sorted by name.
fn schema_files(dir: &Path) -> Result<Vec<PathBuf>, SlapdError> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io_err("cannot read schema directory", dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ldif") && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(SlapdError::InvalidSpec(format!(
            "no .ldif schema in {}",
            dir.display()
        )));
    }
    for f in &files {
        validate_path("schema file", f)?;
    }
    Ok(files)
}

// ---------------------------------------------------------------------------------------------
// prepare

fn slapd_d(data_dir: &Path) -> PathBuf {
    data_dir.join("slapd.d")
}

/// Creates the configuration (`data_dir/slapd.d`, from a generated LDIF via `slapadd -n0`)
/// and loads the initial data (`slapadd -n1`), unless `data_dir/slapd.d` already exists.
/// Idempotent; an interrupted run is redone from scratch on the next call (the config
/// directory is built under another name and renamed last).
pub fn prepare(spec: &SlapdSpec) -> Result<Prepared, SlapdError> {
    let tools = tools()?;
    validate_base_dn(&spec.base_dn)?;
    if let Some(r) = &spec.replication {
        validate_replication(r, spec.admin_password.expose_secret())?;
    }
    fs::create_dir_all(&spec.data_dir).map_err(io_err("cannot create", &spec.data_dir))?;
    let data_dir = absolute(&spec.data_dir)?;
    validate_path("data directory", &data_dir)?;
    if slapd_d(&data_dir).is_dir() {
        return Ok(Prepared { fresh: false });
    }
    set_private(&data_dir)?;
    let schema_dir = absolute(&spec.schema_dir)?;
    let schemas = schema_files(&schema_dir)?;

    let staging = data_dir.join("slapd.d.partial");
    let db = data_dir.join("db");
    for dir in [&staging, &db] {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(io_err("cannot remove", dir))?;
        }
        fs::create_dir_all(dir).map_err(io_err("cannot create", dir))?;
        set_private(dir)?;
    }

    let root_pw = argon2_userpassword(spec.admin_password.expose_secret())?;
    let service_pw = argon2_userpassword(spec.service_password.expose_secret())?;
    let replication = spec.replication.as_ref().map(|r| config::ReplicationInput {
        server_id: r.server_id,
        peer_rid: r.peer_rid(),
        peer_url: &r.peer_url,
        root_password: spec.admin_password.expose_secret(),
    });
    let config_ldif = config::config_ldif(&config::ConfigInput {
        data_dir: &data_dir,
        base_dn: &spec.base_dn,
        schema_files: &schemas,
        root_pw: &root_pw,
        replication: replication.as_ref(),
    });
    let seed = spec.replication.as_ref().is_none_or(|r| r.seed);
    let data_ldif = data::initial_data_ldif(&spec.base_dn, &service_pw);

    let config_file = data_dir.join("config.ldif");
    write_private(&config_file, &config_ldif)?;
    let data_file = data_dir.join("initial-data.ldif");
    write_private(&data_file, &data_ldif)?;

    run_tool(
        "slapadd -n0",
        Command::new(&tools.slapadd)
            .arg("-n0")
            .arg("-F")
            .arg(&staging)
            .arg("-l")
            .arg(&config_file),
    )?;
    if seed {
        // `-w`: write the syncrepl context CSN, so that a peer created empty starts its
        // refresh from this state.
        run_tool(
            "slapadd -n1",
            Command::new(&tools.slapadd)
                .arg("-n1")
                .arg("-F")
                .arg(&staging)
                .arg("-w")
                .arg("-l")
                .arg(&data_file),
        )?;
    }
    let _ = fs::remove_file(&data_file);
    let target = slapd_d(&data_dir);
    fs::rename(&staging, &target).map_err(io_err("cannot rename to", &target))?;
    Ok(Prepared { fresh: true })
}

fn set_private(path: &Path) -> Result<(), SlapdError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
        .map_err(io_err("cannot set permissions on", path))
}

fn write_private(path: &Path, contents: &str) -> Result<(), SlapdError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err("cannot write", path))?;
    file.write_all(contents.as_bytes())
        .map_err(io_err("cannot write", path))
}

fn run_tool(tool: &'static str, cmd: &mut Command) -> Result<(), SlapdError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| SlapdError::Tool {
            tool,
            status: "not run".into(),
            output: e.to_string(),
        })?;
    if out.status.success() {
        return Ok(());
    }
    let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stdout));
    Err(SlapdError::Tool {
        tool,
        status: out.status.to_string(),
        output: tail(&output, LOG_TAIL_BYTES as usize),
    })
}

fn tail(s: &str, max: usize) -> String {
    let s = s.trim_end();
    if s.len() <= max {
        return s.to_owned();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

#[cfg(test)]
mod tests;
