//! The configuration as written in TOML and environment variables, before validation.
//! Every section refuses unknown keys, so a typo fails at start instead of being ignored.

use secrecy::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub server: RawServer,
    #[serde(default)]
    pub log: RawLog,
    pub ldap: RawLdap,
    pub audit: RawAudit,
    #[serde(default)]
    pub passwords: RawPasswords,
    pub mail: RawMail,
    pub scim: RawScim,
    pub state: RawState,
    #[serde(default)]
    pub panel: RawPanel,
    #[serde(default)]
    pub portal: super::portal::RawPortal,
}

/// `[panel]`: sessions and sign-in throttling of the Central Administration Panel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPanel {
    #[serde(default = "defaults::panel_idle_minutes")]
    pub idle_timeout_minutes: u64,
    #[serde(default = "defaults::panel_absolute_hours")]
    pub absolute_timeout_hours: u64,
    #[serde(default = "defaults::panel_failures_per_login")]
    pub max_failures_per_login: u32,
    #[serde(default = "defaults::panel_failures_per_address")]
    pub max_failures_per_address: u32,
    #[serde(default = "defaults::panel_failure_window_minutes")]
    pub failure_window_minutes: u64,
    #[serde(default = "defaults::panel_block_minutes")]
    pub block_minutes: u64,
    #[serde(default = "defaults::yes")]
    pub require_second_factor: bool,
    #[serde(default)]
    pub second_factor_key_file: Option<std::path::PathBuf>,
}

impl Default for RawPanel {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: defaults::panel_idle_minutes(),
            absolute_timeout_hours: defaults::panel_absolute_hours(),
            max_failures_per_login: defaults::panel_failures_per_login(),
            max_failures_per_address: defaults::panel_failures_per_address(),
            failure_window_minutes: defaults::panel_failure_window_minutes(),
            block_minutes: defaults::panel_block_minutes(),
            require_second_factor: true,
            second_factor_key_file: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    pub path: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub listen: String,
    pub public_base_url: String,
    #[serde(default = "defaults::body_limit")]
    pub request_body_limit_bytes: usize,
    #[serde(default = "defaults::request_timeout")]
    pub request_timeout_secs: u64,
    /// Default: `operator.sock` next to `state.path`.
    pub operator_socket: Option<PathBuf>,
    /// Where `GET /metrics` is served; no metrics endpoint when absent.
    pub metrics_listen: Option<String>,
    /// CIDRs of reverse proxies whose forwarded client address is believed.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    #[serde(default = "defaults::log_format")]
    pub format: String,
    #[serde(default = "defaults::log_level")]
    pub level: String,
}

impl Default for RawLog {
    fn default() -> Self {
        Self {
            format: defaults::log_format(),
            level: defaults::log_level(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLdap {
    /// One provider; or `urls`, never both.
    pub url: Option<String>,
    pub urls: Option<Vec<String>>,
    pub base_dn: String,
    pub bind_dn: String,
    pub bind_password: Option<SecretString>,
    pub bind_password_file: Option<PathBuf>,
    #[serde(default)]
    pub starttls: bool,
    pub ca_file: Option<PathBuf>,
    #[serde(default = "defaults::connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    #[serde(default = "defaults::operation_timeout_ms")]
    pub operation_timeout_ms: u64,
    #[serde(default = "defaults::pool_size")]
    pub pool_size: usize,
    #[serde(default = "defaults::writes_in_flight")]
    pub writes_in_flight: usize,
    #[serde(default = "defaults::read_retries")]
    pub read_retries: u32,
    #[serde(default = "defaults::page_cache")]
    pub page_cache: bool,
    pub eppn_scope: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    pub path: PathBuf,
    pub hmac_key_file: PathBuf,
    #[serde(default = "defaults::audit_retention_days")]
    pub retention_days: u32,
    /// A file the chain head is appended to (an operator ships it off the machine).
    #[serde(default)]
    pub anchor_file: Option<PathBuf>,
    #[serde(default = "defaults::audit_anchor_interval_secs")]
    pub anchor_interval_secs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPasswords {
    #[serde(default = "defaults::argon2_memory_kib")]
    pub argon2_memory_kib: u32,
    #[serde(default = "defaults::argon2_iterations")]
    pub argon2_iterations: u32,
    #[serde(default = "defaults::argon2_parallelism")]
    pub argon2_parallelism: u32,
    #[serde(default = "defaults::initial_password_ttl_days")]
    pub initial_password_ttl_days: u32,
    #[serde(default = "defaults::max_hashing_in_flight")]
    pub max_hashing_in_flight: usize,
}

impl Default for RawPasswords {
    fn default() -> Self {
        Self {
            argon2_memory_kib: defaults::argon2_memory_kib(),
            argon2_iterations: defaults::argon2_iterations(),
            argon2_parallelism: defaults::argon2_parallelism(),
            max_hashing_in_flight: defaults::max_hashing_in_flight(),
            initial_password_ttl_days: defaults::initial_password_ttl_days(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMail {
    pub transport: String,
    pub from: String,
    pub file_dir: Option<PathBuf>,
    pub smtp: Option<RawSmtp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSmtp {
    pub host: String,
    pub port: Option<u16>,
    #[serde(default = "defaults::smtp_tls")]
    pub tls: String,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub password_file: Option<PathBuf>,
    #[serde(default = "defaults::smtp_timeout")]
    pub timeout_secs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScim {
    pub clients_file: PathBuf,
    #[serde(default)]
    pub deprovisioning_guard: RawDeprovisioningGuard,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeprovisioningGuard {
    #[serde(default = "defaults::guard_window_minutes")]
    pub window_minutes: u64,
    #[serde(default = "defaults::guard_share_of_school")]
    pub max_share_of_school: f64,
    #[serde(default = "defaults::guard_share_of_city")]
    pub max_share_of_city: f64,
    #[serde(default = "defaults::guard_min_people")]
    pub min_people: usize,
    #[serde(default = "defaults::guard_min_operations")]
    pub min_operations: usize,
}

impl Default for RawDeprovisioningGuard {
    fn default() -> Self {
        Self {
            window_minutes: defaults::guard_window_minutes(),
            max_share_of_school: defaults::guard_share_of_school(),
            max_share_of_city: defaults::guard_share_of_city(),
            min_people: defaults::guard_min_people(),
            min_operations: defaults::guard_min_operations(),
        }
    }
}

/// Defaults, one function each because serde's `default = "…"` needs a path.
mod defaults {
    /// Two years: the KRI rule for public bodies' system logs (security.md AUD-06).
    pub fn audit_retention_days() -> u32 {
        730
    }
    pub fn audit_anchor_interval_secs() -> u64 {
        300
    }
    pub fn panel_idle_minutes() -> u64 {
        15
    }
    pub fn panel_absolute_hours() -> u64 {
        8
    }
    pub fn panel_failures_per_login() -> u32 {
        5
    }
    pub fn panel_failures_per_address() -> u32 {
        20
    }
    pub fn panel_failure_window_minutes() -> u64 {
        15
    }
    pub fn max_hashing_in_flight() -> usize {
        32
    }
    pub fn yes() -> bool {
        true
    }

    pub fn panel_block_minutes() -> u64 {
        15
    }
    pub fn body_limit() -> usize {
        1024 * 1024
    }
    pub fn request_timeout() -> u64 {
        30
    }
    pub fn log_format() -> String {
        "text".into()
    }
    pub fn log_level() -> String {
        "info".into()
    }
    pub fn connect_timeout_ms() -> u64 {
        5_000
    }
    pub fn operation_timeout_ms() -> u64 {
        10_000
    }
    pub fn pool_size() -> usize {
        8
    }
    /// slapd applies writes one at a time; 4 keeps its writer busy with the next few ready
    /// and leaves most of its 16 worker threads to reads (`ldap/pool/write_places.rs`).
    pub fn writes_in_flight() -> usize {
        4
    }
    pub fn read_retries() -> u32 {
        2
    }
    pub fn page_cache() -> bool {
        true
    }
    /// OWASP Password Storage Cheat Sheet minimum for Argon2id: m=19 MiB, t=2, p=1.
    pub fn argon2_memory_kib() -> u32 {
        19_456
    }
    pub fn argon2_iterations() -> u32 {
        2
    }
    pub fn argon2_parallelism() -> u32 {
        1
    }
    pub fn initial_password_ttl_days() -> u32 {
        7
    }
    pub fn smtp_tls() -> String {
        "starttls".into()
    }
    pub fn smtp_timeout() -> u64 {
        20
    }
    pub fn guard_window_minutes() -> u64 {
        60
    }
    pub fn guard_share_of_school() -> f64 {
        0.10
    }
    pub fn guard_share_of_city() -> f64 {
        0.02
    }
    pub fn guard_min_people() -> usize {
        10
    }
    /// Ten: what the default school share (10%) allows a school of 100, so a small school or
    /// a small city is never frozen below what an ordinary school may lose in an hour, while
    /// a wrong export (hundreds of people) is still held after ten.
    pub fn guard_min_operations() -> usize {
        10
    }
}
