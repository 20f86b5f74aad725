//! The SCIM 2.0 edge (RFC 7643, RFC 7644), I/O-free half: filter text → domain filters,
//! resource JSON ⇄ domain drafts and views, PATCH, discovery documents and RFC errors.
//! The HTTP routes and the directory adapter only glue these together.
//!
//! Invariant: SCIM JSON never leaves this module; the rest of the crate sees
//! `crate::domain::query` filters, [`draft`] values and [`ScimError`]s.

pub mod attrs;
pub mod bulk;
pub mod discovery;
pub mod document;
pub mod draft;
pub mod error;
pub mod filter;
pub mod group;
pub mod http;
pub mod list;
pub mod patch;
mod patch_values;
pub mod render;
pub mod syntax;
pub mod user;
mod user_values;

pub use error::{ScimError, ScimType, SCIM_CONTENT_TYPE};
