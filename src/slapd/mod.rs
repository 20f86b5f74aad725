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

pub mod config;
pub mod data;

use secrecy::{ExposeSecret, SecretString};
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub use config::{admin_dn, service_dn};

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
        "back_mdb", "argon2", "ppolicy", "unique", "memberof", "refint",
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
// Validation

/// The base DN must be plain `dc=`/`o=`/`ou=` RDNs of ASCII letters, digits and `-`, starting
/// with `dc=` (the base entry is a dcObject). Nothing else is allowed into the LDIF we write.
fn validate_base_dn(base: &str) -> Result<(), SlapdError> {
    let bad = |why: &str| SlapdError::InvalidSpec(format!("base DN {base:?}: {why}"));
    if base.is_empty() {
        return Err(bad("is empty"));
    }
    for (i, rdn) in base.split(',').enumerate() {
        let (attr, value) = rdn.split_once('=').ok_or_else(|| bad("an RDN lacks '='"))?;
        let attr = attr.to_ascii_lowercase();
        if i == 0 && attr != "dc" {
            return Err(bad("must start with dc="));
        }
        if !matches!(attr.as_str(), "dc" | "o" | "ou" | "c" | "l") {
            return Err(bad("RDNs may only use dc, o, ou, c or l"));
        }
        if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(bad(
                "RDN values may only hold ASCII letters, digits and '-'",
            ));
        }
    }
    Ok(())
}

/// Paths go into `file://` URLs and config values unescaped: keep them boring.
fn validate_path(what: &str, path: &Path) -> Result<(), SlapdError> {
    let s = path.to_str().ok_or_else(|| {
        SlapdError::InvalidSpec(format!("{what} {} is not UTF-8", path.display()))
    })?;
    if !s.starts_with('/')
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@".contains(c))
    {
        return Err(SlapdError::InvalidSpec(format!(
            "{what} {s:?} must be an absolute path of ASCII letters, digits and /._-+@"
        )));
    }
    Ok(())
}

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
    let config_ldif = config::config_ldif(&config::ConfigInput {
        data_dir: &data_dir,
        base_dn: &spec.base_dn,
        schema_files: &schemas,
        root_pw: &root_pw,
    });
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
    run_tool(
        "slapadd -n1",
        Command::new(&tools.slapadd)
            .arg("-n1")
            .arg("-F")
            .arg(&staging)
            .arg("-l")
            .arg(&data_file),
    )?;
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

// ---------------------------------------------------------------------------------------------
// start / stop

/// A running slapd. Dropping it stops slapd (as [`SlapdInstance::stop`] does).
#[derive(Debug)]
pub struct SlapdInstance {
    port: u16,
    base_dn: String,
    slapd: Option<Child>,
    watchdog: Option<Watchdog>,
}

/// `sh -c 'read; kill -TERM <slapd>'`: its stdin is a pipe only we write to.
#[derive(Debug)]
struct Watchdog {
    child: Child,
    _pipe: ChildStdin,
}

impl Watchdog {
    fn spawn(pid: u32) -> std::io::Result<Self> {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg("read -r _line; kill -TERM \"$1\" 2>/dev/null")
            .arg("zszo-slapd-watchdog")
            .arg(pid.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let pipe = child.stdin.take().expect("stdin is piped");
        Ok(Self { child, _pipe: pipe })
    }

    /// Ends the watchdog without letting it signal anything (slapd's pid may be reused once
    /// we have reaped slapd).
    fn disarm(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SlapdInstance {
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}/", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_dn(&self) -> &str {
        &self.base_dn
    }

    pub fn service_dn(&self) -> String {
        service_dn(&self.base_dn)
    }

    pub fn admin_dn(&self) -> String {
        admin_dn(&self.base_dn)
    }

    /// The process id of slapd (for diagnostics).
    pub fn pid(&self) -> Option<u32> {
        self.slapd.as_ref().map(Child::id)
    }

    /// `SIGTERM`, wait up to 10 s, then `SIGKILL`.
    pub fn stop(mut self) -> Result<(), SlapdError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), SlapdError> {
        if let Some(w) = self.watchdog.take() {
            w.disarm();
        }
        let Some(mut child) = self.slapd.take() else {
            return Ok(());
        };
        if child.try_wait().ok().flatten().is_some() {
            return Ok(());
        }
        terminate(&child);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(SlapdError::Stop(e.to_string())),
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(SlapdError::Stop(format!(
            "slapd did not stop within {} s of SIGTERM; killed",
            STOP_TIMEOUT.as_secs()
        )))
    }
}

impl Drop for SlapdInstance {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::warn!(error = %e, "stopping slapd");
        }
    }
}

fn terminate(child: &Child) {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
}

fn free_loopback_port() -> Result<u16, SlapdError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(io_err("cannot bind", Path::new("127.0.0.1:0")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(io_err("cannot bind", Path::new("127.0.0.1:0")))
}

/// Starts slapd in the foreground (`-d none`, no fork) on `ldap://127.0.0.1:PORT/` and waits
/// (up to 10 s) until the service identity can bind. [`prepare`] must have run.
pub fn start(spec: &SlapdSpec) -> Result<SlapdInstance, SlapdError> {
    let tools = tools()?;
    validate_base_dn(&spec.base_dn)?;
    let data_dir = absolute(&spec.data_dir)?;
    let config_dir = slapd_d(&data_dir);
    if !config_dir.is_dir() {
        return Err(SlapdError::InvalidSpec(format!(
            "{} does not exist: call prepare first",
            config_dir.display()
        )));
    }
    // A port we picked can be taken by someone else before slapd binds it: try again.
    let attempts = if spec.port.is_some() { 1 } else { 3 };
    let mut last = None;
    for _ in 0..attempts {
        let port = match spec.port {
            Some(p) => p,
            None => free_loopback_port()?,
        };
        match start_on(&tools, spec, &data_dir, &config_dir, port) {
            Ok(instance) => return Ok(instance),
            Err(e @ SlapdError::Start { .. })
                if e.to_string().contains("Address already in use") =>
            {
                last = Some(e)
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.expect("at least one attempt"))
}

fn start_on(
    tools: &Tools,
    spec: &SlapdSpec,
    data_dir: &Path,
    config_dir: &Path,
    port: u16,
) -> Result<SlapdInstance, SlapdError> {
    let log_path = data_dir.join("slapd.log");
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(io_err("cannot open", &log_path))?;
    let log_start = log
        .metadata()
        .map(|m| m.len())
        .map_err(io_err("cannot open", &log_path))?;
    let log_err = log.try_clone().map_err(io_err("cannot open", &log_path))?;
    let url = format!("ldap://127.0.0.1:{port}/");
    let child = Command::new(&tools.slapd)
        // `-d 0` would also keep slapd in the foreground but silences even fatal errors;
        // `none` prints only those (and a few per-operation errors) to the log file.
        .arg("-d")
        .arg("none")
        .arg("-F")
        .arg(config_dir)
        .arg("-h")
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        .spawn()
        .map_err(|e| SlapdError::Start {
            reason: format!("cannot run {}: {e}", tools.slapd.display()),
            log_tail: String::new(),
        })?;
    let pid = child.id();
    let mut instance = SlapdInstance {
        port,
        base_dn: spec.base_dn.clone(),
        slapd: Some(child),
        watchdog: None,
    };
    match Watchdog::spawn(pid) {
        Ok(w) => instance.watchdog = Some(w),
        Err(e) => {
            let _ = instance.shutdown();
            return Err(SlapdError::Start {
                reason: format!("cannot run the watchdog /bin/sh: {e}"),
                log_tail: String::new(),
            });
        }
    }
    let failure = |reason: String| SlapdError::Start {
        reason,
        log_tail: read_log_tail(&log_path, log_start),
    };
    let service = service_dn(&spec.base_dn);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let exited = instance
            .slapd
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        if let Some(status) = exited {
            instance.slapd = None;
            let _ = instance.shutdown();
            return Err(failure(format!("slapd exited ({status})")));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            match probe_bind(&url, &service, spec.service_password.expose_secret()) {
                Ok(()) => return Ok(instance),
                Err(Probe::Refused(rc)) => {
                    let _ = instance.shutdown();
                    return Err(failure(format!(
                        "slapd is up but refused the service identity {service} (result {rc}); \
                         was the data directory created with another password?"
                    )));
                }
                Err(Probe::NotYet(_)) => {}
            }
        }
        if Instant::now() >= deadline {
            let _ = instance.shutdown();
            return Err(failure(format!(
                "no successful bind on {url} within {} s",
                START_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_log_tail(path: &Path, from: u64) -> String {
    let Ok(mut f) = fs::File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = from.max(len.saturating_sub(LOG_TAIL_BYTES));
    let mut buf = Vec::new();
    if f.seek(SeekFrom::Start(start)).is_ok() {
        let _ = f.read_to_end(&mut buf);
    }
    String::from_utf8_lossy(&buf).trim_end().to_owned()
}

enum Probe {
    /// The server answered the bind with this result code.
    Refused(u32),
    /// Not reachable or not ready yet.
    NotYet(#[allow(dead_code)] String),
}

/// One simple bind with ldap3, on a private single-threaded runtime in its own thread (so it
/// works whether or not the caller is inside a tokio runtime).
fn probe_bind(url: &str, dn: &str, password: &str) -> Result<(), Probe> {
    let (url, dn, password) = (url.to_owned(), dn.to_owned(), password.to_owned());
    let worker = std::thread::spawn(move || -> Result<(), Probe> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Probe::NotYet(e.to_string()))?;
        rt.block_on(async move {
            let settings = ldap3::LdapConnSettings::new().set_conn_timeout(Duration::from_secs(2));
            let (conn, mut ldap) = ldap3::LdapConnAsync::with_settings(settings, &url)
                .await
                .map_err(|e| Probe::NotYet(e.to_string()))?;
            ldap3::drive!(conn);
            let result =
                tokio::time::timeout(Duration::from_secs(2), ldap.simple_bind(&dn, &password))
                    .await
                    .map_err(|_| Probe::NotYet("bind timed out".into()))?
                    .map_err(|e| Probe::NotYet(e.to_string()))?;
            let _ = ldap.unbind().await;
            match result.rc {
                0 => Ok(()),
                rc => Err(Probe::Refused(rc)),
            }
        })
    });
    worker
        .join()
        .unwrap_or_else(|_| Err(Probe::NotYet("probe thread panicked".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_dn_validation_accepts_plain_and_refuses_ldif_injection() {
        assert!(validate_base_dn("dc=zszo,dc=krakow,dc=pl").is_ok());
        assert!(validate_base_dn("dc=a,o=b-c").is_ok());
        for bad in [
            "",
            "o=zszo",
            "dc=zszo\nobjectClass: x",
            "dc=a b",
            "dc=a,cn=x",
            "dc=",
            "dc=a,,dc=b",
        ] {
            assert!(validate_base_dn(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn argon2_userpassword_has_the_owasp_floor_parameters_and_a_16_byte_salt() {
        let v = argon2_userpassword("S3cret-passphrase-ąę").unwrap();
        let phc = v.strip_prefix("{ARGON2}").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parts: Vec<&str> = phc.split('$').collect();
        // ["", "argon2id", "v=19", "m=…", salt, hash]; B64 without padding: 16 B → 22, 32 B → 43
        assert_eq!(parts[4].len(), 22);
        assert_eq!(parts[5].len(), 43);
        assert_ne!(v, argon2_userpassword("S3cret-passphrase-ąę").unwrap());
    }

    #[test]
    fn generated_policy_never_checks_quality_of_prehashed_passwords_nor_leaks_lockout() {
        let data = data::initial_data_ldif("dc=x", "{ARGON2}h");
        assert!(data.contains("pwdCheckQuality: 0\n"));
        assert!(!data.contains("pwdMaxAge"));
        let cfg = config::config_ldif(&config::ConfigInput {
            data_dir: Path::new("/d"),
            base_dn: "dc=x",
            schema_files: &[],
            root_pw: "{ARGON2}h",
        });
        assert!(cfg.contains("olcPPolicyUseLockout: FALSE\n"));
        assert!(!cfg.contains("bind_anon_dn"));
        assert!(cfg.contains("olcModuleLoad: argon2 m=19456 t=2 p=1\n"));
    }
}
