//! The binary's dispatch: each parsed subcommand (the clap types in `main.rs`) handed to its
//! work in the library (`daemon`, `dev`, `bootstrap`, `cli`, `audit::cli`). Apart from
//! `main.rs` so the argument definitions and the process setup read on their own.

use super::{
    AuditCommand, Cli, Command, ConfigArg, ExportFormat, HeldCommand, SsoClientCommand,
    TokenCommand,
};
use std::process::ExitCode;
use zszo_connector::clock::SystemClock;
use zszo_connector::config::{Config, LogFormat};
use zszo_connector::{audit, bootstrap, cli, daemon, dev, telemetry};

fn load(path: &std::path::Path, log_json: bool) -> anyhow::Result<Config> {
    let config = Config::load(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let format = if log_json {
        LogFormat::Json
    } else {
        config.log.format
    };
    telemetry::init(format, &config.log.level);
    Ok(config)
}

pub(super) async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let config = load(&args.config, cli.log_json)?;
            let state = daemon::open_state(config).await?;
            daemon::serve(state).await?;
        }
        Command::Dev {
            data_dir,
            config,
            seed,
        } => {
            let format = if cli.log_json {
                LogFormat::Json
            } else {
                LogFormat::Text
            };
            telemetry::init(format, "info,zszo_connector=debug");
            dev::run(dev::DevOptions {
                data_dir,
                config,
                seed,
                ..Default::default()
            })
            .await?;
        }
        Command::DevCode { login, config } => dev::print_code(&config, &login).await?,
        Command::CheckConfig(args) => return cli::check::check_config(&args.config).await,
        Command::CompareProviders { config, settle } => {
            let settle = std::time::Duration::from_secs(settle);
            return cli::providers::compare_providers(&Config::load(&config.config)?, settle).await;
        }
        Command::Bootstrap { config, seed } => {
            let config = load(&config.config, cli.log_json)?;
            let seed = match seed {
                Some(path) => bootstrap::Seed::load(&path, false)?,
                None => bootstrap::Seed::default(),
            };
            let state = daemon::open_state(config).await?;
            let report = bootstrap::Bootstrap {
                directory: state.directory.as_ref(),
                audit: state.audit.as_ref(),
                password_cost: state.config.passwords,
            }
            .run(&seed)
            .await?;
            print!("{report}");
        }
        Command::Audit(AuditCommand::Prune { config }) => {
            // Same work as the daemon's hourly retention job; the daemon must be stopped.
            return cli::stores::prune(load(&config.config, false)?).await;
        }
        Command::Audit(cmd) => return audit_command(cmd),
        Command::Token(cmd) => return token_command(cmd),
        Command::Held(cmd) => return held_command(cmd).await,
        Command::Backup {
            config,
            to,
            operator,
        } => return cli::stores::backup(&config.config, &to, operator, &SystemClock).await,
        Command::Restore { config, from } => {
            return cli::stores::restore(&config.config, &from, &SystemClock).await
        }
        Command::SsoClient(cmd) => return sso_client_command(cmd).await,
    }
    Ok(ExitCode::SUCCESS)
}

fn audit_command(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        AuditCommand::Prune { .. } => unreachable!("handled in run (needs the runtime)"),
        AuditCommand::InitKey { out: path } => {
            audit::cli::init_key(&path, &mut out)?;
        }
        AuditCommand::List { config, filter } => {
            let config = Config::load(&config.config)?;
            audit::cli::list(&config.audit.path, &filter.to_query()?, &mut out)?;
        }
        AuditCommand::Export {
            config,
            format,
            filter,
        } => {
            let config = Config::load(&config.config)?;
            let format = match format {
                ExportFormat::Jsonl => audit::ExportFormat::Jsonl,
                ExportFormat::Csv => audit::ExportFormat::Csv,
            };
            audit::cli::export(&config.audit.path, &filter.to_query()?, format, &mut out)?;
        }
        AuditCommand::Verify {
            config,
            expect_head,
            anchors,
            store,
        } => {
            let config = Config::load(&config.config)?;
            let key = audit::HmacKey::load(&config.audit.hmac_key_file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", config.audit.hmac_key_file.display()))?;
            let expect_head = match anchors {
                Some(file) => audit::anchor::last_anchor(&file)
                    .map_err(|e| anyhow::anyhow!("--anchors {}: {e}", file.display()))?,
                None => expect_head,
            };
            let expect_head = expect_head
                .map(|h| h.parse::<audit::ChainHead>())
                .transpose()
                .map_err(|e| anyhow::anyhow!("--expect-head: {e}"))?;
            let path = store.unwrap_or(config.audit.path);
            if !audit::cli::verify(&path, &key, expect_head, &mut out)? {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn held_command(cmd: HeldCommand) -> anyhow::Result<ExitCode> {
    use cli::held::HeldAction;
    let (config, action) = match cmd {
        HeldCommand::List(c) => (c, HeldAction::List),
        HeldCommand::Release(a) => (
            a.config,
            HeldAction::Release {
                id: a.id,
                operator: a.operator,
            },
        ),
        HeldCommand::Discard(a) => (
            a.config,
            HeldAction::Discard {
                id: a.id,
                operator: a.operator,
            },
        ),
    };
    cli::held::held(&Config::load(&config.config)?, action).await
}

async fn sso_client_command(cmd: SsoClientCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SsoClientCommand::Create(account) => {
            let config = Config::load(&account.named.config.config)?;
            cli::sso::create(
                &config,
                &account.named.name,
                &account.schools,
                account.all_schools,
                &SystemClock,
            )
            .await
        }
        SsoClientCommand::List(config) => cli::sso::list(&Config::load(&config.config)?).await,
        SsoClientCommand::Revoke(client) => {
            cli::sso::revoke(&Config::load(&client.config.config)?, &client.name).await
        }
    }
}

fn token_command(cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    use zszo_connector::clients::ClientFile;
    let file = |config: &ConfigArg| -> anyhow::Result<ClientFile> {
        Ok(ClientFile::new(
            Config::load(&config.config)?.scim.clients_file,
        ))
    };
    match cmd {
        TokenCommand::Create {
            account,
            read_only,
            expires_days,
        } => {
            let file = file(&account.named.config)?;
            let new = cli::tokens::NewClient {
                name: account.named.name,
                schools: if account.all_schools {
                    vec!["*".to_owned()]
                } else {
                    account.schools
                },
                read_only,
                expires_days,
            };
            cli::tokens::create(&file, new, &SystemClock)
        }
        TokenCommand::List(config) => cli::tokens::list(&file(&config)?, &SystemClock),
        TokenCommand::Revoke(client) => {
            cli::tokens::revoke(&file(&client.config)?, &client.name, &SystemClock)
        }
    }
}
