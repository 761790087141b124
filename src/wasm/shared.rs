//! Loaded rulesets shared between engines: every engine of a page or isolate that loads the same ruleset
//! snapshot bytes uses one decoded copy (and one set of JS segment-name strings). Each engine still verifies
//! the snapshot with its own keys, audience and clock before it gets the shared copy, so sharing never
//! skips a check; identical bytes that verified decode to an identical ruleset.

use crate::prelude::*;

use crate::ruleset::Ruleset;
use crate::snapshot::Verified;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;
use wasm_bindgen::JsValue;

/// A verified ruleset as the binding uses it.
pub struct LoadedRuleset {
    /// The verified snapshot.
    pub verified: Verified<Ruleset>,
    /// Its segment names as a JS array of strings, in the ruleset's order.
    pub segment_names: JsValue,
}

struct Last {
    bytes: Box<[u8]>,
    ruleset: Weak<LoadedRuleset>,
}

/// The most recently loaded ruleset, while some engine still holds it. A wasm32 module without the
/// atomics feature runs on one thread, so a plain cell is enough.
struct LastCell(RefCell<Option<Last>>);

// SAFETY: wasm32-unknown-unknown without atomics has exactly one thread.
unsafe impl Sync for LastCell {}

static LAST: LastCell = LastCell(RefCell::new(None));

/// The shared copy of the ruleset in `bytes` if an engine holds one, else `verified` made shareable.
/// `verified` must be the result of verifying exactly `bytes`.
pub fn share(bytes: &[u8], verified: Verified<Ruleset>) -> Rc<LoadedRuleset> {
    let mut last = LAST.0.borrow_mut();
    if let Some(shared) = last
        .as_ref()
        .filter(|l| *l.bytes == *bytes)
        .and_then(|l| l.ruleset.upgrade())
    {
        return shared;
    }
    // Segment names are [a-z0-9_-]: one per line.
    let mut text = String::new();
    for (i, segment) in verified.document.segments.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&segment.name);
    }
    let segment_names = super::host::lines(&text);
    let loaded = Rc::new(LoadedRuleset {
        verified,
        segment_names,
    });
    *last = Some(Last {
        bytes: bytes.into(),
        ruleset: Rc::downgrade(&loaded),
    });
    loaded
}
