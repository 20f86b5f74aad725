//! The stores from the command line: `backup` (the running daemon copies them), `restore`
//! (daemon stopped) and `audit prune` (daemon stopped).

use crate::clock::Clock;
use crate::config::Config;
use crate::daemon;
use std::path::Path;
use std::process::ExitCode;

/// `backup --to DIR`: the daemon copies both stores over its operator socket; the copies are
/// then checked here.
pub async fn backup(
    config: &Path,
    to: &Path,
    operator: Option<String>,
    clock: &dyn Clock,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    let now = clock
        .now()
        .format(&time::format_description::well_known::Rfc3339)?;
    let m = crate::backup::take_through_daemon(&config, to, operator, now).await?;
    println!(
        "backup in {}: {} audit records verified, chain head {}, store format {}",
        to.display(),
        m.audit_records,
        m.audit_head.as_deref().unwrap_or("(empty)"),
        m.store_format
    );
    Ok(ExitCode::SUCCESS)
}

/// `restore --from DIR`: the backup in place of the configured stores (the current files are
/// kept aside).
pub async fn restore(config: &Path, from: &Path, clock: &dyn Clock) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    let r = crate::backup::restore(&config, from, clock.now().unix_timestamp()).await?;
    println!(
        "restored from {}: {} audit records verified",
        from.display(),
        r.audit_records
    );
    for kept in r.kept {
        println!("  the previous file is kept as {}", kept.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `audit prune`: the daemon's hourly retention job, run once (the daemon must be stopped:
/// redb admits one process per file).
pub async fn prune(config: Config) -> anyhow::Result<ExitCode> {
    let state = daemon::open_state(config).await?;
    let (removed, before) = state
        .retention_job()
        .once()
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    println!("audit prune: {removed} record(s) older than {before} removed");
    Ok(ExitCode::SUCCESS)
}
