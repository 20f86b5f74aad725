//! What the web edge's handlers reach, one narrow state per area (like `scim::http::ScimState`).
//! `app.rs` builds them; nothing here knows the whole daemon.
//!
//! - [`WebState`]: what the request middleware (`web::context`) needs, for both areas.
//! - [`PanelState`]: the panel's handlers: its use cases, its throttle, two settings.
//! - [`PortalState`]: the portal's handlers: the portal's use cases and its throttle.
//!
//! Handlers call use cases; the sessions they start and end go through
//! [`Sessions`](super::session::Sessions), never the state store itself.

use super::session::Sessions;
use super::throttle::Throttle;
use crate::clock::Clock;
use crate::forms::Forms;
use crate::history::History;
use crate::onboarding::Onboarding;
use crate::ports::{AuditLog, Directory};
use crate::provisioning::refusals::RefusalAudit;
use crate::provisioning::Provisioning;
use crate::staff::Staff;
use ipnet::IpNet;
use std::sync::Arc;

/// Shared by the panel and the portal: sessions, the fail-closed check of every POST, and
/// what the middleware needs to read a request.
#[derive(Clone)]
pub struct WebState {
    pub sessions: Sessions,
    /// Asked before every POST whether it can append (fail closed).
    pub audit: Arc<dyn AuditLog>,
    /// `server.trusted_proxies`: whose `X-Forwarded-For` is believed (`client_address`).
    pub trusted_proxies: Arc<Vec<IpNet>>,
    /// `server.request_body_limit_bytes`: the most a form may carry.
    pub body_limit: usize,
}

/// The Central Administration Panel's handlers.
#[derive(Clone)]
pub struct PanelState {
    pub web: WebState,
    /// Accounts, locks, staff, held operations.
    pub provisioning: Provisioning,
    /// Administrators' sign-in and second factor.
    pub onboarding: Onboarding,
    /// F-02, F-03, F-04.
    pub forms: Forms,
    /// Reading the audit records (each view and export audited).
    pub history: History,
    /// Reading a school's staff (searches within the administrator's scope).
    pub staff: Staff,
    /// Reads for pages (schools, people in scope, local administrators).
    pub directory: Arc<dyn Directory>,
    /// Audits a look at a person outside the administrator's scope (rate-limited).
    pub refusals: Arc<RefusalAudit>,
    pub clock: Arc<dyn Clock>,
    /// Failed panel sign-ins.
    pub throttle: Arc<Throttle>,
    /// `panel.require_second_factor`.
    pub require_second_factor: bool,
    /// `server.public_base_url`, for links printed on slips and the start page.
    pub public_base_url: String,
}

/// The Access Portal's handlers.
#[derive(Clone)]
pub struct PortalState {
    pub web: WebState,
    pub onboarding: Onboarding,
    pub clock: Arc<dyn Clock>,
    /// Failed portal sign-ins and reset requests, counted apart from the panel's.
    pub throttle: Arc<Throttle>,
}
