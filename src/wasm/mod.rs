//! The JavaScript binding, compiled only for wasm32: every `#[wasm_bindgen]` item of the crate lives here.
//!
//! It is the low layer under `pkg-config/src/engine.js`, which holds the public `Engine` API. The split of
//! work: Rust parses every snapshot, builds the exact message that was signed, keeps the bytes in an
//! [`Envelope`] while JavaScript checks the Ed25519 signature with WebCrypto, then runs every other check
//! (expiry, audience, subject, kind, rollback, size, trailing bytes) and decodes. Decisions are
//! synchronous. Nothing here formats text: failures leave as a `PersonaError` whose code and fields
//! `host.js` turns into a message.

mod convert;
mod engine;
mod envelope;
mod error;
pub mod host;
mod profile;
mod session;
mod shared;

pub use engine::{error_codes, input_names, persona_error, snapshot_limits, EngineCore};
pub use envelope::Envelope;
pub use error::BindingError;
pub use profile::VerifiedProfile;
pub use session::LiveSession;
