//! A verified profile snapshot held by JavaScript: verified once (signature and every check), decoded once,
//! then used by any number of decisions; the verify-once caches of the client and the worker hold these.

use crate::prelude::*;

use crate::profile::Profile;
use crate::snapshot::Verified;
use alloc::rc::Rc;
use wasm_bindgen::prelude::*;

/// A profile snapshot that passed every check, with its decoded profile.
#[wasm_bindgen]
pub struct VerifiedProfile {
    pub(crate) verified: Rc<Verified<Profile>>,
}

#[wasm_bindgen]
impl VerifiedProfile {
    /// Another handle to the same verified profile (a cache keeps one, each caller gets its own; the
    /// profile is freed with the last handle).
    pub fn share(&self) -> VerifiedProfile {
        VerifiedProfile {
            verified: Rc::clone(&self.verified),
        }
    }

    /// The pseudonymous subject.
    #[wasm_bindgen(getter)]
    pub fn subject(&self) -> String {
        self.verified.header.subject.clone()
    }

    /// The snapshot's sequence number.
    #[wasm_bindgen(getter)]
    pub fn sequence(&self) -> f64 {
        self.verified.header.sequence as f64
    }

    /// When it was issued, Unix seconds.
    #[wasm_bindgen(getter, js_name = issuedAt)]
    pub fn issued_at(&self) -> f64 {
        self.verified.header.issued_at as f64
    }

    /// When it expires, Unix seconds.
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> f64 {
        self.verified.header.expires_at as f64
    }
}
