//! The LDAP adapter: the only module that imports `ldap3`.
//!
//! - [`names`]: DNs of the fixed tree and search filters, every value escaped (RFC 4514/4515).
//! - [`pool`]: connections (TLS, StartTLS), the service-identity pool, timeouts, read retries.
//! - [`error`]: LDAP result codes and ldap3 errors → `DirectoryError`.
//! - [`mapping`]: entry attributes ↔ domain types.
//! - [`directory`]: `LdapDirectory`, the `ports::Directory` implementation.
//!
//! Invariant: nothing outside this module builds a DN or a filter string or sees an ldap3 type.

pub mod directory;
pub mod error;
pub mod mapping;
pub mod names;
pub mod pool;

pub use directory::LdapDirectory;
pub use names::{Filter, Layout};
pub use pool::{tls_config, LdapOptions};
