//! `spawn_app`: the daemon's app, in process, on real slapd, for one test.
//!
//! Every test that needs the app (SCIM, panel, portal, guard, backpressure, use cases over the
//! real adapters) starts it here, the way zero-to-production's `spawn_app` does: a fresh
//! folder with the configuration, the audit store and its key, the state store and the SCIM
//! client registry; its schools seeded by the real `Bootstrap`; the `AppState` composed by
//! [`assemble`] (the daemon's own `AppState::new`, the one place in the tests that builds it);
//! the real router served on a free loopback port. What differs between tests is in
//! [`AppOptions`]. The use cases a test drives directly come from the same state
//! ([`TestApp::provisioning`], [`TestApp::onboarding`]), so a change to how `AppState` or a
//! use case is constructed changes this file only.

use super::{config_toml_with_mail, ldap, unique_school_code};
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::sync::Arc;
use zszo_connector::app::{self, AppState};
use zszo_connector::audit::{HmacKey, RedbAuditLog};
use zszo_connector::bootstrap::{Bootstrap, Seed};
use zszo_connector::clients::{Access, ClientFile};
use zszo_connector::clock::{Clock, SystemClock};
use zszo_connector::config::Config;
use zszo_connector::domain::audit::{AuditQuery, AuditRecord};
use zszo_connector::ldap::LdapDirectory;
use zszo_connector::ports::AuditLog;
use zszo_connector::provisioning::Provisioning;
use zszo_connector::store::StateStore;

/// How the app serves its `AppState` on the listener (`app::serve` unless a test needs a
/// shutdown signal or the metrics listener); returns the serving task.
pub type Serve = Box<
    dyn FnOnce(AppState, tokio::net::TcpListener) -> tokio::task::JoinHandle<std::io::Result<()>>
        + Send,
>;

/// A SCIM client registered before the app starts: its name, its schools (codes, or `"*"`)
/// and its access. The token is in [`TestApp::tokens`] under the name.
pub struct ClientSpec {
    pub name: String,
    pub schools: Vec<String>,
    pub access: Access,
}

impl ClientSpec {
    pub fn new(name: &str, schools: Vec<String>, access: Access) -> Self {
        Self {
            name: name.to_owned(),
            schools,
            access,
        }
    }
}

/// The SCIM clients to register, made from the seeded schools' codes.
pub type Clients = Box<dyn FnOnce(&[String]) -> Vec<ClientSpec> + Send>;

/// What differs between the tests' apps. `AppOptions::default()` is two fresh schools on the
/// shared test slapd, mail as `.eml` files, the system clock, no SCIM client, `app::serve`.
pub struct AppOptions {
    /// TOML appended to the configuration (e.g. `[panel]` or `[scim.deprovisioning_guard]`).
    pub extra_toml: String,
    /// The `[mail]` tables (e.g. `SmtpSink::mail_toml`); `None`: `.eml` files in `<dir>/mail`.
    pub mail_toml: Option<String>,
    /// The whole configuration instead (its files must lie in the app's folder, see
    /// [`AppOptions::in_dir`]); the options above are then unused.
    pub toml: Option<String>,
    /// The directory's URL, service DN and password; `None`: the shared test slapd.
    pub ldap: Option<(String, String, String)>,
    pub public_base_url: String,
    /// Codes of the schools seeded by `Bootstrap`; empty: two fresh codes.
    pub schools: Vec<String>,
    /// SCIM clients; built from the school codes chosen.
    pub clients: Clients,
    /// The app's clock (sessions, throttling, guard windows, expiries).
    pub clock: Arc<dyn Clock>,
    /// `panel.require_second_factor` (on by default in the product); `None`: as configured.
    pub second_factor: Option<bool>,
    /// A last change to the parsed configuration (keys the shared TOML already sets).
    pub edit: Box<dyn FnOnce(&mut Config) + Send>,
    pub serve: Serve,
    /// The app's folder; `None`: a fresh temporary one owned by the [`TestApp`].
    pub dir: Option<std::path::PathBuf>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            extra_toml: String::new(),
            mail_toml: None,
            toml: None,
            ldap: None,
            public_base_url: "http://127.0.0.1".to_owned(),
            schools: Vec::new(),
            clients: Box::new(|_| Vec::new()),
            clock: Arc::new(SystemClock),
            second_factor: None,
            edit: Box::new(|_| {}),
            serve: Box::new(|state, listener| {
                tokio::spawn(app::serve(state, listener, std::future::pending()))
            }),
            dir: None,
        }
    }
}

impl AppOptions {
    /// The app's files in `dir` (a folder the test owns and keeps).
    pub fn in_dir(dir: &std::path::Path) -> Self {
        Self {
            dir: Some(dir.to_owned()),
            ..Self::default()
        }
    }
}

/// A running app and the adapters under it, for the test to look behind the HTTP answers.
pub struct TestApp {
    /// `http://127.0.0.1:<port>` (no path).
    pub origin: String,
    /// The seeded schools' codes, in the order asked (two fresh ones by default).
    pub schools: Vec<String>,
    /// SCIM tokens by client name.
    pub tokens: BTreeMap<String, String>,
    pub config: Config,
    pub audit: Arc<RedbAuditLog>,
    pub directory: Arc<LdapDirectory>,
    pub store: StateStore,
    /// The composed state the server runs on (a clone: same stores, guard, throttles).
    pub state: AppState,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The app's folder (configuration files, stores, key, mail).
    pub path: std::path::PathBuf,
    /// Holds the temporary folder while the app runs (none when the test gave its own).
    pub tempdir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// The provisioning use cases, exactly as the app's handlers get them.
    pub fn provisioning(&self) -> Provisioning {
        self.state.provisioning()
    }

    /// The provisioning use cases without the session store: a lock or a withdrawn role does
    /// not end sessions itself, so a test sees whether the edge re-checks the directory.
    pub fn provisioning_without_session_store(&self) -> Provisioning {
        Provisioning {
            sessions: None,
            ..self.state.provisioning()
        }
    }

    /// The portal's use cases, exactly as the portal's handlers get them.
    pub fn onboarding(&self) -> zszo_connector::onboarding::Onboarding {
        self.state.onboarding()
    }
}

/// The one place the tests compose an `AppState`: the daemon's own constructor over adapters
/// the test opened (`daemon::open_state` does the same after opening them from the config).
pub fn assemble(
    config: Config,
    directory: Arc<LdapDirectory>,
    audit: Arc<RedbAuditLog>,
    store: StateStore,
    clock: Arc<dyn Clock>,
) -> AppState {
    AppState::new(config, directory, audit, store, clock).expect("compose the app state")
}

/// Opens the audit store where the configuration says (`audit.path`), creating its key
/// (`audit.hmac_key_file`) on first use; audit timestamps come from the system clock.
pub fn open_audit(config: &Config) -> Arc<RedbAuditLog> {
    let key_path = &config.audit.hmac_key_file;
    let key = if key_path.exists() {
        HmacKey::load(key_path).unwrap()
    } else {
        HmacKey::generate_to(key_path).unwrap()
    };
    let clock = Arc::new(SystemClock);
    Arc::new(RedbAuditLog::open(&config.audit.path, key, clock).unwrap())
}

/// Every audit record with `action`, newest first.
pub async fn records_of(
    audit: &RedbAuditLog,
    action: &str,
) -> Vec<zszo_connector::domain::audit::AuditRecord> {
    use zszo_connector::ports::AuditLog;
    let all = audit.query(Default::default()).await.unwrap();
    all.into_iter()
        .filter(|r| r.record.action == action)
        .collect()
}

/// Every audit record about the entry `id`, newest first.
pub async fn records_about(audit: &RedbAuditLog, id: &str) -> Vec<AuditRecord> {
    records_where(audit, |q| q.target_uuid = Some(id.to_owned())).await
}

/// Every audit record about `school`, newest first.
pub async fn records_of_school(audit: &RedbAuditLog, school: &str) -> Vec<AuditRecord> {
    records_where(audit, |q| q.school = Some(school.to_owned())).await
}

/// The audit records of the query `choose` narrows, newest first.
async fn records_where(
    audit: &RedbAuditLog,
    choose: impl FnOnce(&mut AuditQuery),
) -> Vec<AuditRecord> {
    let mut query = AuditQuery::default();
    choose(&mut query);
    audit.query(query).await.unwrap()
}

/// Connects the LDAP adapter the way the daemon does (`daemon::ldap_options`).
pub async fn connect_directory(config: &Config) -> Arc<LdapDirectory> {
    Arc::new(
        LdapDirectory::connect(zszo_connector::daemon::ldap_options(config))
            .await
            .expect("connect the LDAP adapter"),
    )
}

/// Creates the schools `codes` ("Szkoła <code>") with the real `Bootstrap`, as the daemon's
/// `bootstrap` command does.
pub async fn seed_schools(
    directory: &LdapDirectory,
    audit: &RedbAuditLog,
    config: &Config,
    codes: &[String],
) {
    let seed: String = codes
        .iter()
        .map(|c| format!("[[school]]\ncode = \"{c}\"\nname = \"Szkoła {c}\"\n"))
        .collect();
    Bootstrap {
        directory,
        audit,
        password_cost: config.passwords,
    }
    .run(&Seed::parse(&seed, false).unwrap())
    .await
    .unwrap();
}

/// Starts the app for one test (see the module comment).
pub async fn spawn_app(options: AppOptions) -> TestApp {
    let (owned, path) = match &options.dir {
        Some(d) => (None, d.clone()),
        None => {
            let t = tempfile::tempdir().unwrap();
            let p = t.path().to_owned();
            (Some(t), p)
        }
    };
    let toml = match options.toml {
        Some(t) => t,
        None => {
            let shared = ldap();
            let (url, dn, pw) = options.ldap.unwrap_or_else(|| {
                (
                    shared.url.clone(),
                    shared.service_dn.clone(),
                    shared.service_password.clone(),
                )
            });
            let mail = options.mail_toml.unwrap_or_else(|| {
                format!(
                    "[mail]\ntransport = \"file\"\nfrom = \"ZSZO <no-reply@zszo.krakow.pl>\"\n\
                     file_dir = \"{}/mail\"\n",
                    path.display()
                )
            });
            config_toml_with_mail(
                &path,
                &url,
                &dn,
                &pw,
                &options.public_base_url,
                &mail,
                &options.extra_toml,
            )
        }
    };
    let mut config = Config::from_toml_str(&toml).unwrap();
    if let Some(required) = options.second_factor {
        config.panel.require_second_factor = required;
    }
    (options.edit)(&mut config);

    let audit = open_audit(&config);
    let directory = connect_directory(&config).await;
    let schools = if options.schools.is_empty() {
        vec![unique_school_code(), unique_school_code()]
    } else {
        options.schools
    };
    seed_schools(&directory, &audit, &config, &schools).await;

    // Clients before the registry opens, so the app knows them from its first request.
    let file = ClientFile::new(&config.scim.clients_file);
    let mut tokens = BTreeMap::new();
    for c in (options.clients)(&schools) {
        let (_, token) = file
            .create(
                &c.name,
                c.schools,
                c.access,
                time::Duration::days(1),
                time::OffsetDateTime::now_utc(),
            )
            .unwrap();
        tokens.insert(c.name, token.expose_secret().to_owned());
    }

    let store = StateStore::open(&config.state.path).unwrap();
    let state = assemble(
        config.clone(),
        directory.clone(),
        audit.clone(),
        store.clone(),
        options.clock,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = (options.serve)(state.clone(), listener);
    TestApp {
        origin: format!("http://127.0.0.1:{port}"),
        schools,
        tokens,
        config,
        audit,
        directory,
        store,
        state,
        server,
        path,
        tempdir: owned,
    }
}
