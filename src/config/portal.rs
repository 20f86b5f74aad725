//! `[portal]`: the Access Portal's sessions, email confirmations and the key its links are
//! derived with (security.md SESS-04, MAIL-01..03, RATE-04).

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPortal {
    #[serde(default = "d::idle")]
    pub idle_timeout_minutes: u64,
    #[serde(default = "d::absolute")]
    pub absolute_timeout_hours: u64,
    #[serde(default = "d::ttl")]
    pub confirmation_ttl_hours: u64,
    #[serde(default = "d::interval")]
    pub resend_min_interval_seconds: u64,
    #[serde(default = "d::per_day")]
    pub resend_max_per_day: u32,
    #[serde(default)]
    pub link_key_file: Option<PathBuf>,
}

impl Default for RawPortal {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: d::idle(),
            absolute_timeout_hours: d::absolute(),
            confirmation_ttl_hours: d::ttl(),
            resend_min_interval_seconds: d::interval(),
            resend_max_per_day: d::per_day(),
            link_key_file: None,
        }
    }
}

mod d {
    pub fn idle() -> u64 {
        30
    }
    pub fn absolute() -> u64 {
        8
    }
    pub fn ttl() -> u64 {
        24
    }
    pub fn interval() -> u64 {
        60
    }
    pub fn per_day() -> u32 {
        5
    }
}

/// The validated `[portal]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalConfig {
    pub idle_timeout: time::Duration,
    pub absolute_timeout: time::Duration,
    /// How long a confirmation link works (≤ 24 h, NIST SP 800-63B-4 §4.2.1.2).
    pub confirmation_ttl: time::Duration,
    /// "Send again" no sooner than this after the previous mail …
    pub resend_min_interval: time::Duration,
    /// … and at most this many confirmation mails per person in 24 hours.
    pub resend_max_per_day: u32,
    /// The secret the links' tokens are derived with (created, 0600, when missing).
    pub link_key_file: PathBuf,
}

/// Checks the section; problems are `(key, message)`.
pub fn validate(raw: &RawPortal, state_path: &Path) -> (PortalConfig, Vec<(&'static str, String)>) {
    let mut problems = Vec::new();
    let mut range = |key: &'static str, value: u64, lo: u64, hi: u64| {
        if !(lo..=hi).contains(&value) {
            problems.push((key, format!("must be between {lo} and {hi}")));
        }
    };
    range(
        "portal.idle_timeout_minutes",
        raw.idle_timeout_minutes,
        1,
        60,
    );
    range(
        "portal.absolute_timeout_hours",
        raw.absolute_timeout_hours,
        1,
        24,
    );
    range(
        "portal.confirmation_ttl_hours",
        raw.confirmation_ttl_hours,
        1,
        24,
    );
    range(
        "portal.resend_min_interval_seconds",
        raw.resend_min_interval_seconds,
        10,
        3600,
    );
    range(
        "portal.resend_max_per_day",
        raw.resend_max_per_day as u64,
        1,
        20,
    );
    let link_key_file = raw.link_key_file.clone().unwrap_or_else(|| {
        let dir = state_path.parent().unwrap_or(Path::new(""));
        dir.join("portal-link.key")
    });
    let config = PortalConfig {
        idle_timeout: time::Duration::minutes(raw.idle_timeout_minutes as i64),
        absolute_timeout: time::Duration::hours(raw.absolute_timeout_hours as i64),
        confirmation_ttl: time::Duration::hours(raw.confirmation_ttl_hours as i64),
        resend_min_interval: time::Duration::seconds(raw.resend_min_interval_seconds as i64),
        resend_max_per_day: raw.resend_max_per_day,
        link_key_file,
    };
    (config, problems)
}
