//! persona-edge: an edge personalization engine.
//!
//! From a compact, signed snapshot of one customer's profile, it scores segments and chooses the channel and
//! the time to reach that customer, without calling home. This crate is plain Rust: it builds and tests
//! natively and for `wasm32-unknown-unknown`; the JavaScript binding lives in one module compiled only for wasm.
#![deny(missing_docs)]

pub mod channel;
pub mod codec;
pub mod context;
pub mod decide;
pub mod fields;
pub mod profile;
pub mod rules;
pub mod ruleset;
pub mod session;
pub mod snapshot;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
