//! Raw settings → a complete, valid [`Config`]: every problem is collected, each naming the
//! key and how to fix it, so one run shows everything to fix.

mod mail;
mod problems;

use super::raw::{self, RawConfig};
use super::*;
use mail::validate_mail;
use problems::{check_file, secret, Problems};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(super) fn validate(raw: RawConfig) -> Result<Config, ConfigError> {
    let mut p = Problems::default();

    let listen = raw.server.listen.parse::<SocketAddr>().unwrap_or_else(|_| {
        p.push(
            "server.listen",
            format!(
                "{:?} is not an address:port such as \"127.0.0.1:8080\"",
                raw.server.listen
            ),
        );
        SocketAddr::from(([127, 0, 0, 1], 0))
    });
    let base_url = raw.server.public_base_url.trim_end_matches('/').to_owned();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        p.push(
            "server.public_base_url",
            format!("{base_url:?} must start with https:// (http:// only for local development)"),
        );
    }
    if raw.server.request_body_limit_bytes < 1024 {
        p.push("server.request_body_limit_bytes", "must be at least 1024");
    }
    if raw.server.request_timeout_secs == 0 {
        p.push("server.request_timeout_secs", "must be at least 1");
    }

    let format = match raw.log.format.as_str() {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => {
            p.push(
                "log.format",
                format!("{other:?} is not \"text\" or \"json\""),
            );
            LogFormat::Text
        }
    };
    if tracing_subscriber::EnvFilter::try_new(&raw.log.level).is_err() {
        p.push(
            "log.level",
            format!(
                "{:?} is not a filter such as \"info\" or \"zszo_connector=debug\"",
                raw.log.level
            ),
        );
    }

    let l = raw.ldap;
    let (urls_key, urls) = match (&l.url, &l.urls) {
        (Some(url), None) => ("ldap.url", vec![url.clone()]),
        (None, Some(urls)) => ("ldap.urls", urls.clone()),
        (Some(_), Some(_)) => {
            p.push(
                "ldap.urls",
                "give either ldap.url (one server) or ldap.urls (the providers, in order), not both",
            );
            ("ldap.urls", Vec::new())
        }
        (None, None) => {
            p.push(
                "ldap.url",
                "is missing: give ldap.url, or ldap.urls for a replicated directory",
            );
            ("ldap.url", Vec::new())
        }
    };
    if l.urls.as_ref().is_some_and(Vec::is_empty) {
        p.push("ldap.urls", "is empty: list at least one provider");
    }
    for url in &urls {
        if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) {
            p.push(
                urls_key,
                format!("{url:?} must start with ldap:// or ldaps://"),
            );
        }
        if l.starttls && url.starts_with("ldaps://") {
            p.push(
                "ldap.starttls",
                "cannot be true with an ldaps:// URL (already TLS); remove one",
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    if urls
        .iter()
        .any(|u| !seen.insert(u.trim_end_matches('/').to_ascii_lowercase()))
    {
        p.push(urls_key, "lists the same provider twice");
    }
    for (key, dn) in [("ldap.base_dn", &l.base_dn), ("ldap.bind_dn", &l.bind_dn)] {
        if !dn.contains('=') {
            p.push(
                key,
                format!("{dn:?} is not a DN such as \"dc=zszo,dc=krakow,dc=pl\""),
            );
        }
    }
    let bind_password = secret(
        &mut p,
        "ldap.bind_password",
        l.bind_password,
        l.bind_password_file,
    );
    check_file(&mut p, "ldap.ca_file", l.ca_file.as_deref());
    if l.pool_size == 0 || l.pool_size > 256 {
        p.push("ldap.pool_size", "must be between 1 and 256");
    }
    if l.writes_in_flight == 0 || l.writes_in_flight > 64 {
        p.push("ldap.writes_in_flight", "must be between 1 and 64");
    }
    if l.connect_timeout_ms == 0 || l.operation_timeout_ms == 0 {
        p.push(
            "ldap.connect_timeout_ms / operation_timeout_ms",
            "must be above 0",
        );
    }
    if l.read_retries > 10 {
        p.push("ldap.read_retries", "must be at most 10");
    }

    let pw = raw.passwords;
    // Floors: OWASP Password Storage Cheat Sheet (Argon2id m=19 MiB, t=2, p=1).
    if pw.argon2_memory_kib < 19_456 {
        p.push(
            "passwords.argon2_memory_kib",
            "must be at least 19456 (OWASP minimum)",
        );
    }
    if pw.argon2_iterations < 2 {
        p.push(
            "passwords.argon2_iterations",
            "must be at least 2 (OWASP minimum)",
        );
    }
    if !(1..=10_000).contains(&pw.max_hashing_in_flight) {
        p.push(
            "passwords.max_hashing_in_flight",
            "must be between 1 and 10000",
        );
    }
    if pw.argon2_parallelism == 0 {
        p.push("passwords.argon2_parallelism", "must be at least 1");
    }
    if !(1..=30).contains(&pw.initial_password_ttl_days) {
        p.push(
            "passwords.initial_password_ttl_days",
            "must be between 1 and 30",
        );
    }

    if !(30..=36_500).contains(&raw.audit.retention_days) {
        p.push(
            "audit.retention_days",
            "must be between 30 and 36500 (default 730, two years)",
        );
    }

    if !(10..=86_400).contains(&raw.audit.anchor_interval_secs) {
        p.push(
            "audit.anchor_interval_secs",
            "must be between 10 and 86400 (default 300, five minutes)",
        );
    }

    let panel = &raw.panel;
    if !(1..=60).contains(&panel.idle_timeout_minutes) {
        p.push("panel.idle_timeout_minutes", "must be between 1 and 60");
    }
    if !(1..=24).contains(&panel.absolute_timeout_hours) {
        p.push("panel.absolute_timeout_hours", "must be between 1 and 24");
    }
    if !(1..=100).contains(&panel.max_failures_per_login) {
        p.push("panel.max_failures_per_login", "must be between 1 and 100");
    }
    if !(1..=1000).contains(&panel.max_failures_per_address) {
        p.push(
            "panel.max_failures_per_address",
            "must be between 1 and 1000",
        );
    }
    if !(1..=1440).contains(&panel.failure_window_minutes) {
        p.push("panel.failure_window_minutes", "must be between 1 and 1440");
    }
    if !(1..=1440).contains(&panel.block_minutes) {
        p.push("panel.block_minutes", "must be between 1 and 1440");
    }
    let panel = PanelConfig {
        idle_timeout: time::Duration::minutes(panel.idle_timeout_minutes as i64),
        absolute_timeout: time::Duration::hours(panel.absolute_timeout_hours as i64),
        max_failures_per_login: panel.max_failures_per_login,
        max_failures_per_address: panel.max_failures_per_address,
        failure_window: time::Duration::minutes(panel.failure_window_minutes as i64),
        block: time::Duration::minutes(panel.block_minutes as i64),
        require_second_factor: panel.require_second_factor,
        second_factor_key_file: panel.second_factor_key_file.clone().unwrap_or_else(|| {
            let dir = raw.state.path.parent().unwrap_or(Path::new(""));
            dir.join("panel-second-factor.key")
        }),
    };
    let (portal, portal_problems) = super::portal::validate(&raw.portal, &raw.state.path);
    for (key, message) in portal_problems {
        p.push(key, message);
    }
    let mail = validate_mail(&mut p, raw.mail);
    let guard = validate_guard(&mut p, &raw.scim.deprovisioning_guard);
    let operator_socket = raw.server.operator_socket.clone().unwrap_or_else(|| {
        let dir = raw.state.path.parent().unwrap_or(Path::new(""));
        dir.join("operator.sock")
    });
    let metrics_listen =
        raw.server
            .metrics_listen
            .as_deref()
            .and_then(|text| match text.parse::<SocketAddr>() {
                Ok(addr) if addr == listen => {
                    p.push(
                        "server.metrics_listen",
                        "must differ from server.listen (the metrics stay off the public listener)",
                    );
                    None
                }
                Ok(addr) => Some(addr),
                Err(_) => {
                    p.push(
                        "server.metrics_listen",
                        format!("{text:?} is not an address:port such as \"127.0.0.1:9464\""),
                    );
                    None
                }
            });
    let mut trusted_proxies = Vec::new();
    for text in &raw.server.trusted_proxies {
        // A bare address is a one-address network.
        let parsed = text
            .parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from));
        match parsed {
            Ok(net) => trusted_proxies.push(net),
            Err(_) => p.push(
                "server.trusted_proxies",
                format!("{text:?} is not an address or CIDR such as \"127.0.0.1/32\""),
            ),
        }
    }
    // sockaddr_un holds 108 bytes with the terminating NUL.
    if operator_socket.as_os_str().len() > 100 {
        p.push(
            "server.operator_socket",
            format!(
                "{} is longer than 100 bytes (a Unix socket path limit); choose a shorter path",
                operator_socket.display()
            ),
        );
    }

    if !p.0.is_empty() {
        return Err(ConfigError { problems: p.0 });
    }
    Ok(Config {
        server: ServerConfig {
            listen,
            public_base_url: base_url,
            request_body_limit_bytes: raw.server.request_body_limit_bytes,
            request_timeout: Duration::from_secs(raw.server.request_timeout_secs),
            operator_socket,
            metrics_listen,
            trusted_proxies,
        },
        log: LogConfig {
            format,
            level: raw.log.level,
        },
        ldap: LdapOptions {
            url: urls.first().cloned().unwrap_or_default(),
            standby_urls: urls.into_iter().skip(1).collect(),
            base_dn: l.base_dn,
            bind_dn: l.bind_dn,
            bind_password: bind_password.unwrap_or_else(|| SecretString::from("")),
            starttls: l.starttls,
            ca_file: l.ca_file,
            connect_timeout: Duration::from_millis(l.connect_timeout_ms),
            operation_timeout: Duration::from_millis(l.operation_timeout_ms),
            pool_size: l.pool_size,
            writes_in_flight: l.writes_in_flight,
            read_retries: l.read_retries,
            page_cache: l.page_cache,
            eppn_scope: l.eppn_scope,
        },
        audit: AuditConfig {
            path: raw.audit.path,
            hmac_key_file: raw.audit.hmac_key_file,
            retention: time::Duration::days(raw.audit.retention_days.into()),
            anchor_file: raw.audit.anchor_file.clone(),
            anchor_interval: std::time::Duration::from_secs(raw.audit.anchor_interval_secs),
        },
        passwords: PasswordConfig {
            argon2_memory_kib: pw.argon2_memory_kib,
            argon2_iterations: pw.argon2_iterations,
            argon2_parallelism: pw.argon2_parallelism,
            initial_password_ttl: time::Duration::days(pw.initial_password_ttl_days.into()),
            max_hashing_in_flight: pw.max_hashing_in_flight,
        },
        mail: mail.unwrap_or(MailConfig {
            from: String::new(),
            transport: MailTransport::File {
                dir: PathBuf::new(),
            },
        }),
        scim: ScimConfig {
            clients_file: raw.scim.clients_file,
            deprovisioning_guard: guard,
        },
        state: StateConfig {
            path: raw.state.path,
        },
        panel,
        portal,
    })
}

fn validate_guard(p: &mut Problems, g: &raw::RawDeprovisioningGuard) -> DeprovisioningGuardConfig {
    const KEY: &str = "scim.deprovisioning_guard";
    if !(1..=10_080).contains(&g.window_minutes) {
        p.push(
            &format!("{KEY}.window_minutes"),
            "must be between 1 and 10080 (a week)",
        );
    }
    for (name, share) in [
        ("max_share_of_school", g.max_share_of_school),
        ("max_share_of_city", g.max_share_of_city),
    ] {
        if !(share > 0.0 && share <= 1.0) {
            p.push(
                &format!("{KEY}.{name}"),
                format!("{share} is not a share above 0 and at most 1 (e.g. 0.10 for 10%)"),
            );
        }
    }
    if g.min_people == 0 {
        p.push(&format!("{KEY}.min_people"), "must be at least 1");
    }
    if !(1..=100_000).contains(&g.min_operations) {
        p.push(
            &format!("{KEY}.min_operations"),
            "must be between 1 and 100000",
        );
    }
    DeprovisioningGuardConfig {
        window: Duration::from_secs(g.window_minutes * 60),
        max_share_of_school: g.max_share_of_school,
        max_share_of_city: g.max_share_of_city,
        min_people: g.min_people,
        min_operations: g.min_operations,
    }
}
