//! The LDAP adapter: the only module that imports `ldap3`.
//!
//! - [`names`]: DNs of the fixed tree and search filters, every value escaped (RFC 4514/4515).
//! - [`pool`]: connections (TLS, StartTLS), the service-identity pool, timeouts, read retries.
//! - [`error`]: LDAP result codes and ldap3 errors → `DirectoryError`.
//! - [`mapping`]: entry attributes ↔ domain types.
//! - [`person_map`]: person entries ↔ `PersonProfile` (the attribute table).
//! - [`render`]: domain search filters → LDAP filters evaluated by slapd.
//! - [`schema`]: the directory's ZSZO schema compared with the binary's (`check-config`).
//! - [`directory`]: `LdapDirectory`, the `ports::Directory` implementation (people, groups,
//!   search and paging in the private modules `people`, `groups`, `search`), and
//!   `ports::SsoClients` (`sso_clients`: the SSO service accounts under `ou=sso,ou=system`).
//!
//! Invariant: nothing outside this module builds a DN or a filter string or sees an ldap3 type.

mod accounts;
pub mod directory;
pub mod error;
mod groups;
pub mod mapping;
pub mod names;
mod password_policy;
mod people;
pub mod person_map;
pub mod pool;
pub mod render;
pub mod schema;
mod search;
mod second_factor;
mod sso_clients;

pub use directory::LdapDirectory;
pub use names::{Filter, Layout};
pub use pool::{tls_config, LdapOptions};
