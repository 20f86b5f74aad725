//! zszo-connector: provisions the accounts of Kraków's municipal education system (ZSZO)
//! into an OpenLDAP directory. See `ARCHITECTURE.md` for the map of this crate.
#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod backup;
pub mod bootstrap;
pub mod citygen;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod daemon;
pub mod dev;
pub mod domain;
pub mod forms;
pub mod history;
pub mod ldap;
pub mod mail;
pub mod metric_names;
pub mod monitoring;
pub mod onboarding;
pub mod operator;
pub mod outbox;
pub mod ports;
pub mod provisioning;
pub mod scim;
pub mod second_factor;
pub mod session_end;
pub mod slapd;
pub mod sso_clients;
pub mod staff;
pub mod store;
pub mod telemetry;
pub mod web;
