//! `zszo-connector sso-client create|list|revoke`: the SSO service accounts
//! (`crate::sso_clients`), straight in the directory (works while the daemon runs).

use crate::clock::Clock;
use crate::config::Config;
use crate::daemon;
use crate::domain::{SchoolCode, SsoClientName, SsoScope};
use crate::sso_clients;
use secrecy::ExposeSecret;
use std::process::ExitCode;

/// Creates the account and prints its bind DN and secret (the secret only now).
pub async fn create(
    config: &Config,
    name: &str,
    schools: &[String],
    all_schools: bool,
    clock: &dyn Clock,
) -> anyhow::Result<ExitCode> {
    let name = SsoClientName::parse(name)?;
    let scope = if all_schools {
        SsoScope::CityWide
    } else {
        SsoScope::Schools(
            schools
                .iter()
                .map(|s| SchoolCode::parse(s))
                .collect::<Result<_, _>>()?,
        )
    };
    let directory = daemon::connect_directory(config).await?;
    let operator = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".to_owned());
    let created = sso_clients::create(
        &directory,
        name,
        scope,
        format!("system:sso-client ({operator})"),
        config.passwords,
        clock.now(),
    )
    .await?;
    eprintln!(
        "created SSO client {} (reads {}); bind DN and secret, the secret shown only now:",
        created.client.name, created.client.scope
    );
    println!("{}", created.client.dn);
    println!("{}", created.secret.expose_secret());
    Ok(ExitCode::SUCCESS)
}

/// Lists the accounts (never their secrets).
pub async fn list(config: &Config) -> anyhow::Result<ExitCode> {
    let directory = daemon::connect_directory(config).await?;
    println!(
        "{:<24} {:<12} {:<40} SCOPE",
        "NAME", "CREATED", "CREATED BY"
    );
    for c in sso_clients::list(&directory).await? {
        println!(
            "{:<24} {:<12} {:<40} {}",
            c.name.as_str(),
            c.created_at
                .map(|t| t.date().to_string())
                .unwrap_or_default(),
            c.created_by.unwrap_or_default(),
            c.scope
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Deletes the account: its next bind fails.
pub async fn revoke(config: &Config, name: &str) -> anyhow::Result<ExitCode> {
    let name = SsoClientName::parse(name)?;
    let directory = daemon::connect_directory(config).await?;
    if !sso_clients::revoke(&directory, &name).await? {
        eprintln!("no SSO client named {name}");
        return Ok(ExitCode::FAILURE);
    }
    println!("revoked {name}: its next bind fails");
    Ok(ExitCode::SUCCESS)
}
