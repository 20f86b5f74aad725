//! `zszo-connector dev`: the whole product on one machine with no setup.
//!
//! Starts its own slapd under `var/dev/slapd` (the system binary, generated configuration,
//! the repository's schema), creates the secrets it needs under `var/dev/secrets`, loads the
//! demo city from `config/demo-seed.toml`, serves with `config/dev.toml`, and writes mail to
//! `var/dev/mail/`. A second run reuses the data. Ctrl-C stops the daemon, then slapd.

use crate::audit::HmacKey;
use crate::bootstrap::{Bootstrap, Seed};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, MailTransport};
use crate::daemon;
use crate::slapd::{self, SlapdSpec};
use anyhow::{anyhow, Context};
use rand::RngCore;
use secrecy::SecretString;
use std::path::{Path, PathBuf};

pub struct DevOptions {
    /// Root of dev-mode state, `var/dev` by default.
    pub data_dir: PathBuf,
    pub config: PathBuf,
    pub seed: PathBuf,
    pub schema_dir: PathBuf,
}

impl Default for DevOptions {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("var/dev"),
            config: PathBuf::from("config/dev.toml"),
            seed: PathBuf::from("config/demo-seed.toml"),
            schema_dir: PathBuf::from("schemas/ldap"),
        }
    }
}

pub async fn run(opts: DevOptions) -> anyhow::Result<()> {
    slapd::is_installed().map_err(|e| anyhow!("{e}"))?;
    let secrets = opts.data_dir.join("secrets");
    std::fs::create_dir_all(&secrets)
        .with_context(|| format!("cannot create {}", secrets.display()))?;
    let service_password = ensure_password_file(&secrets.join("ldap-service.password"))?;
    let admin_password = ensure_password_file(&secrets.join("ldap-admin.password"))?;
    let key_file = secrets.join("audit-hmac.key");
    if !key_file.exists() {
        HmacKey::generate_to(&key_file).map_err(|e| anyhow!("{}: {e}", key_file.display()))?;
    }

    let config =
        Config::load(&opts.config).map_err(|e| anyhow!("{}\n{e}", opts.config.display()))?;
    ensure_dev_scim_client(&config, &secrets.join("scim-token"))?;
    let seed = Seed::load(&opts.seed, true)?;
    let port = port_of(&config.ldap.url)?;
    let spec = SlapdSpec {
        data_dir: opts.data_dir.join("slapd"),
        port: Some(port),
        base_dn: config.ldap.base_dn.clone(),
        schema_dir: opts.schema_dir.clone(),
        service_password,
        admin_password,
        replication: None,
    };
    let spec_for_restart = spec.clone();
    let instance = tokio::task::spawn_blocking(move || {
        let prepared = slapd::prepare(&spec)?;
        if !prepared.fresh {
            // A directory made by an earlier release gets this one's access rules.
            slapd::apply_access_rules(&spec)?;
        }
        slapd::start(&spec).map(|i| (i, prepared))
    })
    .await?
    .map_err(|e| anyhow!("slapd: {e}"))?;
    let (instance, prepared) = instance;
    tracing::info!(url = %instance.url(), fresh = prepared.fresh, "slapd started");

    let address = (instance.url(), instance.admin_dn());
    let supervised = Supervised::spawn(instance, spec_for_restart);
    let result = serve_with_demo(config, &opts, &address, seed).await;
    let stopped = supervised.stop().await;
    result?;
    stopped.map_err(|e| anyhow!("stopping slapd: {e}"))?;
    eprintln!("dev: stopped (data kept in {})", opts.data_dir.display());
    Ok(())
}

/// `slapd`: its URL and its admin DN, for the banner.
async fn serve_with_demo(
    config: Config,
    opts: &DevOptions,
    slapd: &(String, String),
    seed: Seed,
) -> anyhow::Result<()> {
    let state = daemon::open_state(config).await?;
    let report = Bootstrap {
        directory: state.directory.as_ref(),
        audit: state.audit.as_ref(),
        password_cost: state.config.passwords,
    }
    .run(&seed)
    .await?;
    eprint!("{report}");
    let logins =
        enrol_demo_administrators(state.directory.as_ref(), &state.second_factor_key, &seed)
            .await?;
    print_banner(&state.config, opts, slapd, &seed, &logins);
    daemon::serve(state).await?;
    Ok(())
}

fn print_banner(
    config: &Config,
    opts: &DevOptions,
    slapd: &(String, String),
    seed: &Seed,
    logins: &[String],
) {
    let base = &config.server.public_base_url;
    let mail_dir = match &config.mail.transport {
        MailTransport::File { dir } => dir.display().to_string(),
        MailTransport::Smtp(s) => format!("SMTP {}:{}", s.host, s.port),
    };
    let admin_pw = opts.data_dir.join("secrets/ldap-admin.password");
    let admins: Vec<String> = seed
        .people
        .iter()
        .filter(|p| p.role.is_some() && p.demo_password.is_some())
        .map(|p| format!("{} ({})", p.name.full(), p.employment.primary))
        .collect();
    eprintln!(
        "\nzszo-connector dev is running (Ctrl-C stops it and slapd)\n\
         \n  admin panel   {base}/panel   (sign in as a demo administrator below)\
         \n  portal        {base}/portal  (employees: login and one-time password from a slip)\
         \n  health        {base}/healthz    readiness {base}/readyz\
         \n  directory     {url}  base {base_dn}\
         \n  browse it     ldapsearch -x -H {url} -D {admin_dn} -y {admin_pw} -b {base_dn} -LLL\
         \n  demo admins   {admins}\
         \n                password for each: demo-haslo-administratora (demo data only)\
         \n                logins: {logins}\
         \n                second factor: zszo-connector dev-code <login>  (prints the current code)\
         \n  SCIM API      {base}/scim/v2   (client \"dev\", all schools)\
         \n                curl -H \"Authorization: Bearer $(cat {token})\" {base}/scim/v2/Users\
         \n  mail          {mail_dir}   (.eml files: confirmation links, notices)\
         \n  audit store   {audit}\n",
        url = slapd.0,
        base_dn = config.ldap.base_dn,
        admin_dn = slapd.1,
        admin_pw = admin_pw.display(),
        admins = admins.join(", "),
        logins = logins.join(", "),
        audit = config.audit.path.display(),
        token = opts.data_dir.join("secrets/scim-token").display(),
    );
}

/// The demo administrators of the seed get a second factor at start (a fresh secret, no
/// recovery codes) unless they have one: `dev-code` prints their current code, so trying the
/// panel needs no authenticator app. Dev only: a real enrolment shows the secret to its owner.
/// Returns the demo administrators' logins.
async fn enrol_demo_administrators(
    directory: &dyn crate::ports::Directory,
    key: &crate::second_factor::SecretBox,
    seed: &Seed,
) -> anyhow::Result<Vec<String>> {
    use crate::ports::StoredSecondFactor;
    use crate::second_factor::TotpSecret;
    let mut logins = Vec::new();
    for person in seed
        .people
        .iter()
        .filter(|p| p.role.is_some() && p.demo_password.is_some())
    {
        let Some(entry) = directory
            .find_person_by_employee_number(&person.employee_number)
            .await?
        else {
            continue;
        };
        logins.push(entry.login.as_str().to_owned());
        if directory.second_factor(&entry.entry.id).await?.is_some() {
            continue;
        }
        let sealed = key.seal(&entry.entry.id, &TotpSecret::generate());
        let factor = StoredSecondFactor {
            secret: sealed,
            recovery: Vec::new(),
            last_step: None,
        };
        directory
            .set_second_factor(&entry.entry.id, Some(&factor))
            .await?;
    }
    Ok(logins)
}

/// `zszo-connector dev-code <login>`: the administrator's current TOTP code, read from the
/// directory as the service identity and opened with the key file of `config_path`.
pub async fn print_code(config_path: &Path, login: &str) -> anyhow::Result<()> {
    use crate::ports::{PeopleDirectory, SecondFactorDirectory};
    let config =
        Config::load(config_path).map_err(|e| anyhow!("{}\n{e}", config_path.display()))?;
    let login = crate::domain::LoginName::parse(login).map_err(|e| anyhow!("{login:?}: {e}"))?;
    let directory = crate::ldap::LdapDirectory::connect(daemon::ldap_options(&config))
        .await
        .map_err(|e| anyhow!("{e} (is `zszo-connector dev` running?)"))?;
    let person = directory
        .find_person_by_login(&login)
        .await?
        .ok_or_else(|| anyhow!("no person with the login {login}"))?;
    let stored = directory
        .second_factor(&person.entry.id)
        .await?
        .ok_or_else(|| {
            anyhow!("{login} has no second factor (only demo administrators are enrolled by dev)")
        })?;
    let key = crate::second_factor::SecretBox::new(
        crate::onboarding::links::FileKey::load_or_create(&config.panel.second_factor_key_file)
            .map_err(|e| anyhow!("{e}"))?,
    );
    let secret = key.open(&person.entry.id, &stored.secret).ok_or_else(|| {
        anyhow!(
            "the secret does not open with {}",
            config.panel.second_factor_key_file.display()
        )
    })?;
    let now = SystemClock.now().unix_timestamp() as u64;
    let left = crate::second_factor::STEP_SECS - now % crate::second_factor::STEP_SECS;
    println!("{}", secret.code_at(now));
    eprintln!("(valid for about {left} more seconds; a code is accepted once)");
    Ok(())
}

/// Registers a city-wide read-write SCIM client `dev` on the first run and keeps its token in
/// a file (dev only: production tokens are shown once and never stored).
fn ensure_dev_scim_client(config: &Config, token_file: &Path) -> anyhow::Result<()> {
    use crate::clients::{Access, ClientFile};
    use secrecy::ExposeSecret;
    let file = ClientFile::new(&config.scim.clients_file);
    if token_file.exists() && file.read()?.iter().any(|c| c.name == "dev") {
        return Ok(());
    }
    let now = SystemClock.now();
    let _ = file.revoke("dev", now);
    let clients = file.read()?;
    let name = if clients.iter().any(|c| c.name == "dev") {
        format!("dev-{}", now.unix_timestamp())
    } else {
        "dev".to_owned()
    };
    let (_, token) = file.create(
        &name,
        vec!["*".into()],
        Access::ReadWrite,
        time::Duration::days(365),
        now,
    )?;
    let _ = std::fs::remove_file(token_file);
    write_private(token_file, token.expose_secret())
}

/// Reads a generated secret, creating it (32 random bytes, hex, mode 0600) on first run.
fn ensure_password_file(path: &Path) -> anyhow::Result<SecretString> {
    if !path.exists() {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        write_private(path, &hex::encode(bytes))?;
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(SecretString::from(text.trim().to_owned()))
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

fn port_of(url: &str) -> anyhow::Result<u16> {
    url.rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .ok_or_else(|| anyhow!("ldap.url {url:?} in the dev config must name a port"))
}

/// dev's slapd, restarted (same data, same port) when it dies, so a crash of slapd during a
/// demo heals by itself like a systemd unit would (issue 14 finding 6). The daemon meanwhile
/// answers 503 and reconnects on its own.
struct Supervised {
    instance: std::sync::Arc<std::sync::Mutex<Option<slapd::SlapdInstance>>>,
    watcher: tokio::task::JoinHandle<()>,
}

impl Supervised {
    const CHECK_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

    fn spawn(instance: slapd::SlapdInstance, spec: SlapdSpec) -> Self {
        let instance = std::sync::Arc::new(std::sync::Mutex::new(Some(instance)));
        let watched = instance.clone();
        let watcher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Self::CHECK_EVERY);
            loop {
                tick.tick().await;
                let (watched, spec) = (watched.clone(), spec.clone());
                let restarted =
                    tokio::task::spawn_blocking(move || Self::restart_if_dead(&watched, &spec));
                match restarted.await {
                    Ok(Ok(true)) => tracing::warn!("dev: slapd had died; restarted it"),
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "dev: slapd died and did not restart; trying again")
                    }
                    Err(e) => tracing::error!(error = %e, "dev: slapd watcher failed"),
                }
            }
        });
        Self { instance, watcher }
    }

    fn restart_if_dead(
        instance: &std::sync::Mutex<Option<slapd::SlapdInstance>>,
        spec: &SlapdSpec,
    ) -> Result<bool, slapd::SlapdError> {
        let mut guard = instance.lock().unwrap_or_else(|p| p.into_inner());
        let dead = guard.as_mut().is_none_or(slapd::SlapdInstance::has_exited);
        if !dead {
            return Ok(false);
        }
        if let Some(dead) = guard.take() {
            let _ = dead.stop();
        }
        *guard = Some(slapd::start(spec)?);
        Ok(true)
    }

    async fn stop(self) -> Result<(), slapd::SlapdError> {
        self.watcher.abort();
        let _ = self.watcher.await;
        let instance = self.instance;
        tokio::task::spawn_blocking(move || {
            let taken = instance.lock().unwrap_or_else(|p| p.into_inner()).take();
            taken.map_or(Ok(()), slapd::SlapdInstance::stop)
        })
        .await
        .unwrap_or(Ok(()))
    }
}
