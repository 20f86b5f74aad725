//! Configuration: defaults → TOML file → environment (`ZSZO_SECTION__KEY`), then validated
//! into [`Config`]. Secrets come from the file, the environment or a `*_file` path, are held as
//! `SecretString` and never appear in `Debug` output or logs.
//!
//! Invariant: a `Config` value is always complete and valid; every problem found while building
//! one is reported at once, each naming the key and how to fix it.

mod portal;
mod raw;
mod validate;

pub use portal::PortalConfig;

use crate::ldap::LdapOptions;
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::SecretString;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const ENV_PREFIX: &str = "ZSZO_";

#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub log: LogConfig,
    /// The directory's connection settings, as the LDAP adapter takes them.
    pub ldap: LdapOptions,
    pub audit: AuditConfig,
    pub passwords: PasswordConfig,
    pub mail: MailConfig,
    pub scim: ScimConfig,
    pub state: StateConfig,
    pub panel: PanelConfig,
    pub portal: PortalConfig,
}

/// `[panel]`: sessions of the Central Administration Panel and throttling of failed sign-ins
/// (security.md SESS-04, RATE-01). A login or a client address with `max_failures_*` failed
/// sign-ins within `failure_window` is refused, even with the right password, for `block`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelConfig {
    pub idle_timeout: time::Duration,
    pub absolute_timeout: time::Duration,
    pub max_failures_per_login: u32,
    pub max_failures_per_address: u32,
    pub failure_window: time::Duration,
    pub block: time::Duration,
    /// Administrators sign in with a TOTP code (or a recovery code) after the password, and
    /// enrol one at their first panel sign-in (issue 12; default true).
    pub require_second_factor: bool,
    /// The key the TOTP secrets are encrypted with in the directory (0600, created when
    /// missing; default: `panel-second-factor.key` beside `state.path`).
    pub second_factor_key_file: PathBuf,
}

#[derive(Debug, Clone)]
pub struct StateConfig {
    /// The redb file of the daemon's working state (idempotency records, held operations).
    pub path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct ScimConfig {
    /// The registry of SCIM clients (hashed tokens), managed with `zszo-connector token`.
    pub clients_file: PathBuf,
    pub deprovisioning_guard: DeprovisioningGuardConfig,
}

/// `[scim.deprovisioning_guard]`: how many deactivations and deletions one client may apply
/// within the window before the rest are held for a system administrator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeprovisioningGuardConfig {
    pub window: Duration,
    /// Of a school's people, in (0, 1].
    pub max_share_of_school: f64,
    /// Of the city's people, in (0, 1].
    pub max_share_of_city: f64,
    /// A school (or city) with fewer people is not limited by its share.
    pub min_people: usize,
    /// The absolute floor: a client's first `min_operations` deprovisionings per window (in a
    /// school, and in the city) are never held by a share, however small the school or city.
    pub min_operations: usize,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Where people reach the service; links in mail are built from it, never from `Host`.
    pub public_base_url: String,
    pub request_body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// The operator API's Unix socket (mode 0600), used by `zszo-connector held`.
    pub operator_socket: PathBuf,
    /// The separate listener of `GET /metrics` (Prometheus text), `None` = not served. Kept
    /// off the main listener so the reverse proxy never exposes it (see `crate::monitoring`).
    pub metrics_listen: Option<SocketAddr>,
    /// Reverse proxies whose `X-Forwarded-For`/`Forwarded` gives the client's address
    /// (`crate::web::client_address`); empty: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter directive such as `info` or `zszo_connector=debug,info`.
    pub level: String,
}

#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub path: PathBuf,
    pub hmac_key_file: PathBuf,
    /// Records older than this are removed by the retention job (and `audit prune`).
    pub retention: time::Duration,
    /// Where the chain-head anchors are appended, if anywhere (`audit::anchor`).
    pub anchor_file: Option<PathBuf>,
    /// How often the head is anchored (log line and file).
    pub anchor_interval: std::time::Duration,
}

#[derive(Debug, Clone, Copy)]
pub struct PasswordConfig {
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub initial_password_ttl: time::Duration,
    /// Password checks and hashes (sign-ins, new passwords) admitted at once; beyond it a
    /// sign-in answers "try again shortly" (503 + `Retry-After`) instead of queueing.
    pub max_hashing_in_flight: usize,
}

#[derive(Debug, Clone)]
pub enum MailTransport {
    /// Each message is written as an `.eml` file a person can open (dev mode).
    File {
        dir: PathBuf,
    },
    Smtp(SmtpConfig),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required, never skipped).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No encryption: only for a relay on the same host or in tests.
    None,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub credentials: Option<(String, SecretString)>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub from: String,
    pub transport: MailTransport,
}

/// Everything wrong with a configuration, one line per problem.
#[derive(Debug)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Loads `path`, overlays `ZSZO_…` environment variables, validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        if !path.exists() {
            return Err(ConfigError {
                problems: vec![format!(
                    "{}: file not found; pass an existing file with --config (see config/zszo.example.toml)",
                    path.display()
                )],
            });
        }
        Self::from_figment(Figment::new().merge(Toml::file_exact(path)).merge(env()))
    }

    /// Parses TOML text (no environment): for tests and embedded configs.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::new().merge(Toml::string(text)))
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let raw: raw::RawConfig = figment.extract().map_err(|errors| ConfigError {
            problems: errors.into_iter().map(describe_figment_error).collect(),
        })?;
        validate::validate(raw)
    }
}

/// `ZSZO_LDAP__BIND_PASSWORD_FILE` → `ldap.bind_password_file`.
fn env() -> Env {
    Env::prefixed(ENV_PREFIX).split("__")
}

fn describe_figment_error(e: figment::Error) -> String {
    let key = if e.path.is_empty() {
        "(top level)".to_owned()
    } else {
        e.path.join(".")
    };
    let source = e
        .metadata
        .as_ref()
        .map(|m| format!(" (from {})", m.name))
        .unwrap_or_default();
    let hint = match &e.kind {
        figment::error::Kind::UnknownField(..) => {
            "; remove it or fix its spelling (config/zszo.example.toml lists every key)"
        }
        figment::error::Kind::MissingField(..) => "; add it (config/zszo.example.toml shows how)",
        _ => "",
    };
    format!("{key}: {}{source}{hint}", e.kind)
}

#[cfg(test)]
mod tests;
