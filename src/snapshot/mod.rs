//! Signed snapshots: the binary envelope that carries a customer profile (or a ruleset) from the central
//! store to the edge.
//!
//! A snapshot is a compact header (audience, subject, validity window, sequence number, signing key id),
//! a bincode payload and an Ed25519 signature over a domain-separated encoding of both. The byte layout is
//! specified in `docs/FORMAT.md` so that other languages can read and write it.
//!
//! - `sign` builds a snapshot with a signing key (native builds);
//! - `verify` checks one against a `Keyring` and [`VerifyOptions`], in a fixed order, and decodes the
//!   payload only when every check passed (native builds, ed25519-dalek);
//! - [`open`], then a signature check by the host, then [`Opened::accept`] do the same in three steps
//!   where the host has the curve arithmetic (WebCrypto in JavaScript hosts);
//! - [`inspect`] parses one without verifying anything (for display only).
//!
//! Each document kind signs and verifies itself on top of this: `profile::{sign_profile,
//! verify_profile, accept_profile}` and `ruleset::{sign_ruleset, verify_ruleset, accept_ruleset}`;
//! this module knows neither.
//!
//! Nothing here reads a clock, a file or spawns a thread: time is [`VerifyOptions::now`].

mod error;
mod header;
mod key;
#[cfg(not(target_arch = "wasm32"))]
mod keyring;
mod message;
#[cfg(not(target_arch = "wasm32"))]
mod sign;
mod verify;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use error::SnapshotError;
pub use header::{
    is_valid_audience, SnapshotHeader, SnapshotKind, FIXED_HEADER_LEN, FORMAT_VERSION, MAGIC,
    MAX_AUDIENCE_LEN, SIGNATURE_LEN,
};
pub use key::{KeyId, PublicKey, SignerSearch, KEY_ID_LEN, PUBLIC_KEY_LEN};
#[cfg(not(target_arch = "wasm32"))]
pub use keyring::{
    parse_public_key, public_key_from_bytes, public_key_to_base64url, public_key_to_hex, Keyring,
};
pub use message::{signing_message, SIGNING_CONTEXT};
#[cfg(not(target_arch = "wasm32"))]
pub use sign::{sign, sign_encoded, SignParams};
pub use verify::{
    check_header, inspect, open, Opened, Verified, VerifyOptions, DECODE_BUDGET_FACTOR,
};
#[cfg(not(target_arch = "wasm32"))]
pub use verify::{open_signed, verify};
