//! An opened snapshot waiting for its signature check: the binding owns the bytes from the moment they
//! are opened until they are accepted, so what JavaScript verified is exactly what Rust then checks and
//! decodes (the page cannot change a `Uint8Array` in between).

use crate::prelude::*;

use super::error::BindingError;
use crate::snapshot::{self, Opened, SignerSearch, SnapshotKind};
use wasm_bindgen::prelude::*;

/// A snapshot whose size and layout passed, signature not yet checked. Made by `EngineCore.open`,
/// consumed by `acceptRuleset` / `acceptProfile`.
#[wasm_bindgen]
pub struct Envelope {
    bytes: Box<[u8]>,
    kind: SnapshotKind,
    max_bytes: usize,
    search: SignerSearch,
}

impl Envelope {
    /// Opens `bytes` (size cap, layout, header rules) for a snapshot of `kind`; `search` is made from the
    /// header's key id hint.
    pub(crate) fn open(
        bytes: &[u8],
        kind: SnapshotKind,
        search: impl FnOnce(&Opened<'_>) -> SignerSearch,
    ) -> Result<Envelope, BindingError> {
        let max_bytes = kind.default_max_bytes();
        let opened = snapshot::open(bytes, max_bytes)?;
        let search = search(&opened);
        Ok(Envelope {
            bytes: bytes.into(),
            kind,
            max_bytes,
            search,
        })
    }

    /// The owned bytes opened again (they passed once and cannot have changed).
    pub(crate) fn opened(&self) -> Result<Opened<'_>, BindingError> {
        Ok(snapshot::open(&self.bytes, self.max_bytes)?)
    }

    /// The order of trusted keys to try, and the error when none verifies.
    pub(crate) fn search(&self) -> &SignerSearch {
        &self.search
    }

    /// The kind the caller expects.
    pub(crate) fn kind(&self) -> SnapshotKind {
        self.kind
    }

    /// The snapshot bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[wasm_bindgen]
impl Envelope {
    /// What the host verifies, in one copy: the 64 signature bytes, then the exact bytes the signature
    /// covers (one export instead of two).
    pub fn signed(&self) -> Result<Vec<u8>, BindingError> {
        let opened = self.opened()?;
        let mut out = opened.signature().to_vec();
        out.extend_from_slice(&opened.message());
        Ok(out)
    }

    /// The indexes of the trusted keys, in the order to try them (the key the header names first).
    pub fn order(&self) -> Vec<u32> {
        self.search.indexes().map(|i| i as u32).collect()
    }
}

/// The header as read, for `persona-edge/inspect` only (its own module, built with the `inspect` feature):
/// the main module, which never shows an unverified header, carries none of it.
#[cfg(feature = "inspect")]
#[wasm_bindgen]
impl Envelope {
    /// The header as read, NOT verified (for display and debugging): `[version, kind byte, sequence,
    /// issuedAt, expiresAt]`; see `audience`, `subject`, `keyId`.
    pub fn header(&self) -> Result<Vec<f64>, BindingError> {
        let h = self.opened()?.header;
        Ok(vec![
            f64::from(h.version),
            f64::from(h.kind.to_byte()),
            h.sequence as f64,
            h.issued_at as f64,
            h.expires_at as f64,
        ])
    }

    /// The audience in the header, NOT verified.
    #[wasm_bindgen(getter)]
    pub fn audience(&self) -> Result<String, BindingError> {
        Ok(self.opened()?.header.audience)
    }

    /// The subject in the header, NOT verified.
    #[wasm_bindgen(getter)]
    pub fn subject(&self) -> Result<String, BindingError> {
        Ok(self.opened()?.header.subject)
    }

    /// The key id hint in the header (16 hex digits), NOT verified.
    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> Result<String, BindingError> {
        Ok(self.opened()?.header.key_id.to_hex())
    }
}
