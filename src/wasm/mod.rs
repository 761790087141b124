//! The JavaScript binding, compiled only for wasm32: every `#[wasm_bindgen]` item of the crate lives here.
//!
//! Bytes come in as `Uint8Array`, plain objects go out (camelCase keys). Failures are thrown as a real
//! `Error` named `PersonaError` with a stable `code` (the snapshot error codes of `docs/FORMAT.md`, plus
//! `invalid_argument` and `no_ruleset`). Times are Unix seconds; a missing `now` is `Date.now()`.

mod convert;
mod engine;
mod error;
mod shared;
mod types;

pub use engine::{error_codes, inspect_snapshot, Engine};
