//! `zszo-connector token create|list|revoke`: the SCIM clients' file (`crate::clients`);
//! takes effect while the daemon runs.

use crate::clients::{Access, ClientFile};
use crate::clock::Clock;
use secrecy::ExposeSecret;
use std::process::ExitCode;

/// What a new client may do.
pub struct NewClient {
    pub name: String,
    /// School codes, or `*` for every school.
    pub schools: Vec<String>,
    pub read_only: bool,
    pub expires_days: u32,
}

/// Registers the client and prints its bearer token once (only its hash is stored).
pub fn create(file: &ClientFile, new: NewClient, clock: &dyn Clock) -> anyhow::Result<ExitCode> {
    let access = if new.read_only {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    let (record, token) = file.create(
        &new.name,
        new.schools,
        access,
        time::Duration::days(new.expires_days.into()),
        clock.now(),
    )?;
    eprintln!(
        "created SCIM client {} ({:?}, schools {}), valid until {}; the token is shown \
         only now:",
        record.name,
        record.access,
        record.schools.join(","),
        record.expires_at.date()
    );
    println!("{}", token.expose_secret());
    Ok(ExitCode::SUCCESS)
}

/// The registered clients (never the tokens), with their state and last use.
pub fn list(file: &ClientFile, clock: &dyn Clock) -> anyhow::Result<ExitCode> {
    let now = clock.now();
    let last_used =
        crate::clients::last_used::read(&crate::clients::last_used::path_for(file.path()));
    println!(
        "{:<24} {:<10} {:<10} {:<12} {:<12} {:<18} SCHOOLS",
        "NAME", "ACCESS", "STATUS", "CREATED", "EXPIRES", "LAST USED (UTC)"
    );
    for c in file.read()? {
        let status = if c.revoked_at.is_some() {
            "revoked"
        } else if c.expires_at <= now {
            "expired"
        } else {
            "active"
        };
        let access = match c.access {
            Access::ReadOnly => "read-only",
            Access::ReadWrite => "read-write",
        };
        let used = last_used.get(&c.name).map_or_else(
            || "never".to_owned(),
            |t| {
                let t = t.to_offset(time::UtcOffset::UTC);
                format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
            },
        );
        println!(
            "{:<24} {:<10} {:<10} {:<12} {:<12} {:<18} {}",
            c.name,
            access,
            status,
            c.created_at.date().to_string(),
            c.expires_at.date().to_string(),
            used,
            c.schools.join(",")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Revokes the client's token at once.
pub fn revoke(file: &ClientFile, name: &str, clock: &dyn Clock) -> anyhow::Result<ExitCode> {
    if !file.revoke(name, clock.now())? {
        eprintln!("no active client named {name}");
        return Ok(ExitCode::FAILURE);
    }
    println!("revoked {name}: its token is refused from the next request on");
    Ok(ExitCode::SUCCESS)
}
