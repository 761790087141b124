//! Signed snapshots: the binary envelope that carries a customer profile (or a ruleset) from the central
//! store to the edge.
//!
//! A snapshot is a compact header (audience, subject, validity window, sequence number, signing key id),
//! a bincode payload and an Ed25519 signature over a domain-separated encoding of both. The byte layout is
//! specified in `docs/FORMAT.md` so that other languages can read and write it.
//!
//! - [`sign`] / [`sign_profile`] build a snapshot with a signing key;
//! - [`verify`] / [`verify_profile`] check one against a [`Keyring`] and [`VerifyOptions`], in a fixed
//!   order, and decode the payload only when every check passed;
//! - [`inspect`] parses one without verifying anything (for display only).
//!
//! Nothing here reads a clock, a file or spawns a thread: time is [`VerifyOptions::now`].

mod error;
mod header;
mod keyring;
mod sign;
mod verify;

#[cfg(test)]
mod tests;

pub use error::SnapshotError;
pub use header::{
    is_valid_audience, SnapshotHeader, SnapshotKind, FIXED_HEADER_LEN, FORMAT_VERSION, MAGIC,
    MAX_AUDIENCE_LEN, SIGNATURE_LEN,
};
pub use keyring::{
    parse_public_key, public_key_from_bytes, public_key_to_base64url, public_key_to_hex, KeyId,
    Keyring, KEY_ID_LEN,
};
pub use sign::{sign, sign_encoded, sign_profile, signing_message, SignParams, SIGNING_CONTEXT};
pub use verify::{inspect, verify, verify_profile, Verified, VerifyOptions, DECODE_BUDGET_FACTOR};
