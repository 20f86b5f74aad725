//! The work behind the command line's subcommands, each given its parsed arguments by
//! `main.rs` (which only parses and dispatches). Every "now" comes from the `Clock` it is
//! given; nothing here reads arguments or the environment's clock itself.
//!
//! | module | subcommands |
//! |---|---|
//! | `check.rs` | `check-config` (bind, schema version, audit store writable) |
//! | `providers.rs` | `compare-providers` (every provider's entries against the first's) |
//! | `held.rs` | `held list\|release\|discard` through the daemon's operator socket |
//! | `stores.rs` | `backup` (through the daemon), `restore`, `audit prune` |
//! | `tokens.rs` | `token create\|list\|revoke` (SCIM clients) |
//! | `sso.rs` | `sso-client create\|list\|revoke` |

pub mod check;
pub mod held;
pub mod providers;
pub mod sso;
pub mod stores;
pub mod tokens;
