//! Identity resolution: one customer from many identifiers.
//!
//! - [`kind`]: what a customer can be known by;
//! - [`normalize`]: one spelling per identifier;
//! - [`vault`]: raw identifiers sealed, looked up by keyed hash;
//! - [`policy`]: thresholds and the guards against over-merging;
//! - [`matcher`]: the Fellegi–Sunter model that scores imported records.

pub mod graph;
pub mod kind;
pub mod matcher;
pub mod normalize;
pub mod policy;
pub mod priors;
pub mod rotation;
pub mod vault;

pub use graph::{Identities, IdentityError};
pub use kind::IdentifierKind;
pub use policy::IdentityPolicy;
pub use vault::{Vault, VaultError};
