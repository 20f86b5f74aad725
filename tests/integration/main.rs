mod audit_store;
mod bootstrap;
mod cli;
mod common;
mod ldap_directory;
mod slapd_directory;
mod dev_mode;
