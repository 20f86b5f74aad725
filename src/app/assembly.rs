//! `AppState`, the assembly: every opened adapter and shared piece of working state, and the
//! one place each edge's own narrow state is cut from it (`ScimState`, `PanelState`,
//! `PortalState`, `OperatorState`, `MetricsState`, the retention job). Apart from `app.rs`,
//! which routes and serves, so that what the daemon is made of reads on its own.

use crate::clients::{ClientFile, ClientFileError, ClientRegistry};
use crate::clock::Clock;
use crate::config::Config;
use crate::onboarding::links::FileKey;
use crate::ports::{AuditLog, Directory};
use crate::provisioning::{DeprovisioningGuard, Provisioning};
use crate::scim::http::{self as scim_http, ScimState};
use crate::store::held::HeldStore;
use crate::store::sessions::SessionLimits;
use crate::store::StateStore;
use std::sync::Arc;

/// Every opened adapter and shared piece of working state; the edges' states are cut from it.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub directory: Arc<dyn Directory>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    pub scim_clients: Arc<ClientRegistry>,
    /// The daemon's working state (idempotency records, held operations).
    pub state: StateStore,
    /// The mass-deprovisioning guard, shared by every use-case call.
    pub guard: Arc<DeprovisioningGuard>,
    /// Failed panel sign-ins per login and per address (`crate::web::throttle`).
    pub panel_throttle: Arc<crate::web::throttle::Throttle>,
    /// Failed portal sign-ins, counted apart from the panel's.
    pub portal_throttle: Arc<crate::web::throttle::Throttle>,
    /// SMTP or `.eml` files (`crate::mail`); used by the outbox sender only.
    pub mailer: Arc<dyn crate::ports::Mailer>,
    /// Wakes the outbox sender when a use case queued mail.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// The key confirmation links are derived with (`portal.link_key_file`).
    pub link_key: Arc<crate::onboarding::links::LinkKey>,
    /// The key administrators' TOTP secrets are encrypted with (`panel.second_factor_key_file`).
    pub second_factor_key: Arc<crate::second_factor::SecretBox>,
    /// Admits password checks and hashes (`passwords.max_hashing_in_flight`).
    pub hashing: Arc<crate::credentials::HashingGate>,
    /// Audit of refused tokens and out-of-scope attempts, rate-limited.
    pub refusals: Arc<crate::provisioning::refusals::RefusalAudit>,
    /// The logins being added right now, shared by every `Provisioning` made here.
    pub logins_in_flight: Arc<crate::provisioning::logins_in_flight::LoginsInFlight>,
}

/// Why the state could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("SCIM clients: {0}")]
    Clients(#[from] ClientFileError),
    #[error("mail: {0}")]
    Mail(#[from] crate::ports::MailError),
    #[error("portal.link_key_file: {0}")]
    LinkKey(String),
    #[error("panel.second_factor_key_file: {0}")]
    SecondFactorKey(String),
}

impl AppState {
    /// Composes the state from opened adapters; reads the SCIM client registry.
    pub fn new(
        config: Config,
        directory: Arc<dyn Directory>,
        audit: Arc<dyn AuditLog>,
        state: StateStore,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StateError> {
        let scim_clients = Arc::new(ClientRegistry::open(
            ClientFile::new(&config.scim.clients_file),
            clock.clone(),
        )?);
        let guard = Arc::new(DeprovisioningGuard::new(
            config.scim.deprovisioning_guard,
            Arc::new(HeldStore::new(state.clone())),
            clock.clone(),
        ));
        let panel_throttle = Arc::new(crate::web::throttle::Throttle::new(
            config.panel.clone(),
            state.clone(),
            "panel",
        ));
        let portal_throttle = Arc::new(crate::web::throttle::Throttle::new(
            config.panel.clone(),
            state.clone(),
            "portal",
        ));
        let mailer: Arc<dyn crate::ports::Mailer> =
            Arc::new(crate::mail::LettreMailer::new(&config.mail)?);
        let link_key = crate::onboarding::links::LinkKey::new(
            FileKey::load_or_create(&config.portal.link_key_file).map_err(StateError::LinkKey)?,
        );
        let second_factor_key = crate::second_factor::SecretBox::new(
            FileKey::load_or_create(&config.panel.second_factor_key_file)
                .map_err(StateError::SecondFactorKey)?,
        );
        let refusals = Arc::new(crate::provisioning::refusals::RefusalAudit::new(
            audit.clone(),
            directory.clone(),
            clock.clone(),
        ));
        Ok(Self {
            guard,
            refusals,
            panel_throttle,
            portal_throttle,
            mailer,
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            link_key: Arc::new(link_key),
            second_factor_key: Arc::new(second_factor_key),
            hashing: crate::credentials::HashingGate::new(config.passwords.max_hashing_in_flight),
            logins_in_flight: Arc::default(),
            config: Arc::new(config),
            directory,
            audit,
            clock,
            scim_clients,
            state,
        })
    }

    /// The use cases, with the guard.
    pub fn provisioning(&self) -> Provisioning {
        Provisioning {
            directory: self.directory.clone(),
            audit: self.audit.clone(),
            guard: Some(self.guard.clone()),
            clock: self.clock.clone(),
            password_cost: self.config.passwords,
            retired_logins: Some(Arc::new(crate::store::retired_logins::RetiredLogins::new(
                self.state.clone(),
            ))),
            intents: Some(Arc::new(self.state.clone())),
            sessions: Some(Arc::new(self.state.clone())),
            logins_in_flight: self.logins_in_flight.clone(),
        }
    }

    /// The portal's use cases.
    pub fn onboarding(&self) -> crate::onboarding::Onboarding {
        crate::onboarding::Onboarding {
            directory: self.directory.clone(),
            audit: self.audit.clone(),
            clock: self.clock.clone(),
            state: Arc::new(self.state.clone()),
            outbox: self.outbox_wake.clone(),
            link_key: self.link_key.clone(),
            second_factor_key: self.second_factor_key.clone(),
            hashing: self.hashing.clone(),
            portal: self.config.portal.clone(),
            password_cost: self.config.passwords,
            public_base_url: self.config.server.public_base_url.clone(),
        }
    }

    /// The mail sender over this state's outbox.
    pub fn outbox_sender(&self) -> crate::outbox::OutboxSender {
        crate::outbox::OutboxSender {
            state: self.state.clone(),
            mailer: self.mailer.clone(),
            audit: self.audit.clone(),
            clock: self.clock.clone(),
            link_key: self.link_key.clone(),
            public_base_url: self.config.server.public_base_url.clone(),
            confirmation_ttl: self.config.portal.confirmation_ttl,
            wake: self.outbox_wake.clone(),
        }
    }

    /// The F-02/F-03/F-04 forms' use cases.
    pub fn forms(&self) -> crate::forms::Forms {
        crate::forms::Forms::new(self.audit.clone(), self.state.clone(), self.clock.clone())
    }

    /// The hourly audit retention job (F-03 registers synced first).
    pub fn retention_job(&self) -> crate::forms::retention::RetentionJob {
        crate::forms::retention::RetentionJob {
            forms: self.forms(),
            audit: self.audit.clone(),
            directory: self.directory.clone(),
            clock: self.clock.clone(),
            keep: self.config.audit.retention,
        }
    }

    /// What the request middleware of both web areas needs.
    fn web(&self) -> crate::web::state::WebState {
        let config = &self.config;
        crate::web::state::WebState {
            sessions: crate::web::session::Sessions {
                store: self.state.clone(),
                directory: self.directory.clone(),
                clock: self.clock.clone(),
                panel_limits: SessionLimits {
                    idle: config.panel.idle_timeout,
                    absolute: config.panel.absolute_timeout,
                },
                portal_limits: SessionLimits {
                    idle: config.portal.idle_timeout,
                    absolute: config.portal.absolute_timeout,
                },
            },
            audit: self.audit.clone(),
            trusted_proxies: Arc::new(config.server.trusted_proxies.clone()),
            body_limit: config.server.request_body_limit_bytes,
        }
    }

    pub(super) fn panel(&self) -> crate::web::state::PanelState {
        crate::web::state::PanelState {
            web: self.web(),
            provisioning: self.provisioning(),
            onboarding: self.onboarding(),
            forms: self.forms(),
            history: crate::history::History {
                audit: self.audit.clone(),
            },
            staff: crate::staff::Staff {
                directory: self.directory.clone(),
            },
            directory: self.directory.clone(),
            refusals: self.refusals.clone(),
            clock: self.clock.clone(),
            throttle: self.panel_throttle.clone(),
            require_second_factor: self.config.panel.require_second_factor,
            public_base_url: self.config.server.public_base_url.clone(),
        }
    }

    pub(super) fn portal(&self) -> crate::web::state::PortalState {
        crate::web::state::PortalState {
            web: self.web(),
            onboarding: self.onboarding(),
            clock: self.clock.clone(),
            throttle: self.portal_throttle.clone(),
        }
    }

    pub(super) fn operator(&self) -> crate::operator::OperatorState {
        crate::operator::OperatorState {
            provisioning: self.provisioning(),
            audit: self.audit.clone(),
            state_store: self.state.clone(),
        }
    }

    pub(super) fn metrics(&self) -> crate::monitoring::MetricsState {
        crate::monitoring::MetricsState {
            held: HeldStore::new(self.state.clone()),
            outbox: self.state.clone(),
        }
    }

    pub(super) fn scim(&self) -> ScimState {
        ScimState::new(scim_http::ScimParts {
            provisioning: self.provisioning(),
            directory: self.directory.clone(),
            clients: self.scim_clients.clone(),
            refusals: self.refusals.clone(),
            base_url: format!("{}/scim/v2", self.config.server.public_base_url),
            body_limit: self.config.server.request_body_limit_bytes,
            idempotency: scim_http::idempotency::Idempotency::new(
                self.state.clone(),
                self.clock.clone(),
                self.config.server.request_timeout,
            ),
        })
    }
}
