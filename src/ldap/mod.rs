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
//!   search and paging in the private modules `people`, `groups` (over `group_entries`),
//!   `search`), and `ports::SsoClients` (`sso_clients`: the SSO service accounts under `ou=sso,ou=system`).
//!
//! Invariant: nothing outside this module builds a DN or a filter string or sees an ldap3 type.

mod accounts;
mod contacts;
pub mod directory;
mod directory_accounts;
mod directory_people;
mod directory_roles;
pub mod error;
mod group_entries;
mod groups;
mod login_probe;
pub mod mapping;
pub mod names;
mod page_cache;
mod password_policy;
mod people;
mod people_update;
pub mod person_map;
pub mod pool;
mod provider_compare;
mod providers;
pub mod render;
pub mod schema;
mod search;
mod second_factor;
mod sort_controls;
mod sorted_pages;
mod sso_clients;

pub use directory::LdapDirectory;
pub use names::{Filter, Layout};
pub use pool::{tls_config, LdapOptions};
pub use provider_compare::{differences, read_inventory, Differences, Inventory};

#[cfg(test)]
mod test_fixtures;

#[cfg(test)]
mod schema_bounds {
    //! The domain's limits on values stored in ZSZO attributes fit the bounds the directory
    //! schema declares for them (`schemas/ldap/zszo.ldif`, `SYNTAX …{N}`).

    const SCHEMA: &str = include_str!("../../schemas/ldap/zszo.ldif");

    /// The `{N}` bound of attribute `name`'s syntax, `None` when unbounded.
    fn bound(name: &str) -> Option<usize> {
        let start = SCHEMA
            .find(&format!("NAME '{name}'"))
            .unwrap_or_else(|| panic!("{name} not in the schema"));
        let def = &SCHEMA[start..];
        let def = &def[..def.find("olcAttributeTypes:").unwrap_or(def.len())];
        let syntax = &def[def.find("SYNTAX").unwrap()..];
        let line = syntax.lines().next().unwrap();
        let open = line.find('{')?;
        let close = line.find('}').unwrap();
        Some(line[open + 1..close].parse().unwrap())
    }

    #[test]
    fn school_codes_fit_the_bound_of_the_attributes_that_hold_them() {
        use crate::domain::SchoolCode;
        for attr in ["zszoSchoolCode", "zszoPrimarySchoolCode"] {
            let b = bound(attr).expect("a bound");
            assert!(b >= SchoolCode::MAX_LEN, "{attr}: {b}");
        }
        const { assert!(SchoolCode::MAX_LEN >= 64, "generated identifiers must fit") };
    }

    #[test]
    fn external_identifiers_are_unbounded_in_the_schema() {
        for attr in ["zszoExternalId", "zszoExternalUserName"] {
            assert_eq!(bound(attr), None, "{attr}");
        }
    }
}

#[cfg(test)]
mod unique_attributes {
    #[test]
    fn the_adapter_knows_the_attributes_slapd_keeps_unique() {
        assert_eq!(
            super::people_update::UNIQUE_ATTRIBUTES,
            crate::slapd::config::UNIQUE_ATTRIBUTES
        );
    }
}
