//! The `zszo-connector` command line: parses arguments and composes the library; nothing else.

mod main_dispatch;

use clap::{Args, Parser, Subcommand, ValueEnum};
use main_dispatch::run;
use std::path::PathBuf;
use std::process::ExitCode;
use zszo_connector::audit;

/// mimalloc instead of the C library's allocator (issue 17): allocation was 23 % of the
/// daemon's CPU on SCIM reads (`_int_malloc`, `malloc_consolidate` …, BENCHMARKS.md), and
/// mimalloc's thread-local free lists make most of it cheap. Its peak RSS is measured there
/// too (< 64 MiB in every scenario) — with transparent huge pages off, see `main`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Provisions the accounts of Kraków's municipal education system (ZSZO) into OpenLDAP:
/// a SCIM 2.0 server for HR systems, an admin panel and an Access Portal, with an audit
/// store of every provisioning action.
#[derive(Parser)]
#[command(name = "zszo-connector", version, propagate_version = true)]
struct Cli {
    /// Log as JSON lines instead of human-readable text (overrides log.format).
    #[arg(long, global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon with a configuration file (production).
    Serve(ConfigArg),
    /// Run everything on this machine: own slapd under var/dev, demo city, mail to files.
    ///
    /// Needs only the Debian packages slapd and ldap-utils. Data is kept between runs;
    /// delete var/dev to start over.
    Dev {
        /// Where dev mode keeps slapd's data, generated secrets, the audit store and mail.
        #[arg(long, default_value = "var/dev")]
        data_dir: PathBuf,
        #[arg(long, default_value = "config/dev.toml")]
        config: PathBuf,
        /// Schools and people loaded (idempotently) at start.
        #[arg(long, default_value = "config/demo-seed.toml")]
        seed: PathBuf,
    },
    /// Print a demo administrator's current second-factor code (TOTP), for `dev`: demo
    /// administrators are enrolled when `dev` starts, so no authenticator app is needed.
    DevCode {
        /// The administrator's login, e.g. from the dev banner.
        login: String,
        #[arg(long, default_value = "config/dev.toml")]
        config: PathBuf,
    },
    /// Validate a configuration, then bind to LDAP and open the audit store; say what is wrong.
    CheckConfig(ConfigArg),
    /// Read every provider in `ldap.urls` whole and compare its entries (id, DN, last change)
    /// with the first's; fails when any differs (after a provider crashed: README).
    CompareProviders {
        #[command(flatten)]
        config: ConfigArg,
        /// When some entries differ, read every provider again after this many seconds and
        /// report only what differs both times (a write still replicating differs once);
        /// 0 reports the first reading.
        #[arg(long, default_value_t = 30)]
        settle: u64,
    },
    /// Create the directory layout and the schools (and people) of a seed file; idempotent.
    Bootstrap {
        #[command(flatten)]
        config: ConfigArg,
        /// A TOML seed like config/demo-seed.toml (without demo passwords).
        #[arg(long)]
        seed: Option<PathBuf>,
    },
    /// Read, export and verify the audit store (stop the daemon first, or work on a copy).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage SCIM clients and their bearer tokens (takes effect while the daemon runs).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the SSO service accounts with which the schools' single sign-on reads the
    /// directory (read-only, scoped to schools; works while the daemon runs).
    #[command(subcommand)]
    SsoClient(SsoClientCommand),
    /// Review deactivations and deletions held by the mass-deprovisioning guard (asks the
    /// running daemon over its operator socket; run as the daemon's OS user).
    #[command(subcommand)]
    Held(HeldCommand),
    /// Online backup of the audit and state stores into a new folder while the daemon runs
    /// (asks it over its operator socket), then checks the copies.
    Backup {
        #[command(flatten)]
        config: ConfigArg,
        /// A new or empty folder.
        #[arg(long)]
        to: PathBuf,
        /// Your name, recorded next to the OS user.
        #[arg(long, env = "SUDO_USER")]
        operator: Option<String>,
    },
    /// Put a backup in place of the configured stores (daemon stopped; the current files are
    /// moved aside, never deleted).
    Restore {
        #[command(flatten)]
        config: ConfigArg,
        /// A folder written by `backup`.
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum HeldCommand {
    /// List the held operations, oldest first.
    List(ConfigArg),
    /// Apply a held operation (bypassing the guard); recorded with your OS user.
    Release(HeldArgs),
    /// Drop a held operation without applying it.
    Discard(HeldArgs),
}

#[derive(Args)]
struct HeldArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The held operation's id (from `held list` or the client's error message).
    id: u64,
    /// Your name, recorded next to the OS user (useful when acting through sudo).
    #[arg(long, env = "SUDO_USER")]
    operator: Option<String>,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Register a SCIM client and print its bearer token once (only its hash is stored).
    ///
    /// The name must be unique; the audit log shows the client as scim:NAME.
    Create {
        #[command(flatten)]
        account: NewAccountArgs,
        /// The client may only read.
        #[arg(long)]
        read_only: bool,
        /// Days until the token stops working (rotate before then).
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=1095))]
        expires_days: u32,
    },
    /// List the registered clients (never the tokens).
    List(ConfigArg),
    /// Revoke a client's token at once.
    Revoke(NameArgs),
}

#[derive(Subcommand)]
enum SsoClientCommand {
    /// Create an SSO service account and print its bind DN and secret (the secret only now;
    /// the directory keeps its {ARGON2} hash).
    ///
    /// The name must be unique: lowercase letters, digits and '-' (e.g. sso-sp12).
    Create(NewAccountArgs),
    /// List the SSO service accounts (never their secrets).
    List(ConfigArg),
    /// Delete an SSO service account: its next bind fails.
    Revoke(NameArgs),
}

/// A registered SCIM client or SSO service account, by name.
#[derive(Args)]
struct NameArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The client's or service account's name.
    #[arg(long)]
    name: String,
}

/// A new SCIM client or SSO service account: its name, and the schools it reaches (some by
/// code, or all of them).
#[derive(Args)]
struct NewAccountArgs {
    #[command(flatten)]
    named: NameArgs,
    /// A school (code) whose people and groups it reaches; repeat for several.
    #[arg(long = "school", required_unless_present = "all_schools")]
    schools: Vec<String>,
    /// It reaches every school (e.g. the city's HR system or its own single sign-on).
    #[arg(long, conflicts_with = "schools")]
    all_schools: bool,
}

#[derive(Args)]
struct ConfigArg {
    /// The TOML configuration file (see config/zszo.example.toml).
    #[arg(long, short)]
    config: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Print records as a table, newest first.
    List {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        filter: audit::AuditFilter,
    },
    /// Write records to standard output as JSON lines or CSV (safe to open in a spreadsheet).
    Export {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        #[command(flatten)]
        filter: audit::AuditFilter,
    },
    /// Check the HMAC chain: exits non-zero and names the first edited or missing record.
    Verify {
        #[command(flatten)]
        config: ConfigArg,
        /// The head printed by an earlier verify (SEQ:MAC), to detect a truncated tail.
        #[arg(long, conflicts_with = "anchors")]
        expect_head: Option<String>,
        /// The anchor file the daemon appends chain heads to (audit.anchor_file, or a copy
        /// shipped elsewhere): its last head must still be in the store.
        #[arg(long)]
        anchors: Option<PathBuf>,
        /// Verify this store file (e.g. a backup copy) instead of audit.path.
        #[arg(long)]
        store: Option<PathBuf>,
    },
    /// Remove records older than audit.retention_days (after syncing the F-03 registers),
    /// leaving a signed checkpoint so `verify` still passes. Run with the daemon stopped.
    Prune {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Create a new random HMAC key file (mode 0600) for audit.hmac_key_file.
    InitKey {
        /// Where to write the key; refuses to overwrite.
        #[arg(long)]
        out: PathBuf,
    },
}

/// mimalloc's `purge_delay` option: `mi_option_purge_delay` in the `mimalloc.h` the sys crate
/// builds (mimalloc 3), the option right before `mi_option_use_numa_nodes` (16 in the sys
/// crate); the sys crate names no constant for it (checked by the test below).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc give memory it no longer uses back to the kernel at once instead of after
/// its default of one second (issue 17): over a 25,000-person Bulk the daemon's peak RSS was 64.0 MiB
/// with the delay and 46.8 MiB without it, for 3–6 % more CPU in that load and no measured
/// change in SCIM reads or creations (BENCHMARKS.md). The library crate forbids `unsafe`; this
/// one call is the binary's.
fn return_freed_memory_at_once() {
    // SAFETY: `mi_option_set` only stores an option value (thread-safe, no pointers); it is
    // called before any thread of this process is started.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages on its memory (`madvise`); each thread's
    // first page then costs 2 MiB resident: peak RSS 72 MiB instead of 48 MiB during panel
    // account creations at 1,000 people (BENCHMARKS.md, "Read path"). Small pages keep the
    // daemon under its 64 MiB; if the kernel refuses, it only costs memory.
    if let Err(e) = nix::sys::prctl::set_thp_disable(true) {
        eprintln!("warning: transparent huge pages stay on for the daemon: {e}");
    }
    return_freed_memory_at_once();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MI_OPTION_PURGE_DELAY;
    use libmimalloc_sys::{mi_option_get, mi_option_use_numa_nodes};

    /// The option at `MI_OPTION_PURGE_DELAY` has the purge delay's default (1,000 ms in
    /// mimalloc 3's `options.c`; a neighbour with that default is unlikely) while the
    /// binary's own setting is not applied (tests do not run `main`), and it is the one
    /// before `use_numa_nodes`.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        assert_eq!(MI_OPTION_PURGE_DELAY + 1, mi_option_use_numa_nodes);
        // SAFETY: reading an option's value (thread-safe, no pointers).
        let (delay, numa) = unsafe {
            (
                mi_option_get(MI_OPTION_PURGE_DELAY),
                mi_option_get(mi_option_use_numa_nodes),
            )
        };
        assert_eq!((delay, numa), (1000, 0));
    }
}
