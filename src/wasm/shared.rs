//! Loaded rulesets shared between engines: every `Engine` of a page or isolate that loads the same ruleset
//! snapshot bytes uses one decoded copy (and one set of JS segment-name strings). Each engine still verifies
//! the snapshot with its own keys, audience and clock before it gets the shared copy, so sharing never
//! skips a check; identical bytes that verified decode to an identical ruleset.

use crate::ruleset::Ruleset;
use crate::snapshot::Verified;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;

/// A verified ruleset as the binding uses it.
pub struct LoadedRuleset {
    /// The verified snapshot.
    pub verified: Verified<Ruleset>,
    /// Its segment names as JS strings, in the ruleset's order.
    pub segment_names: js_sys::Array,
}

struct Last {
    bytes: Box<[u8]>,
    ruleset: Weak<LoadedRuleset>,
}

thread_local! {
    /// The most recently loaded ruleset, while some engine still holds it.
    static LAST: RefCell<Option<Last>> = const { RefCell::new(None) };
}

/// The shared copy of the ruleset in `bytes` if an engine holds one, else `verified` made shareable.
/// `verified` must be the result of verifying exactly `bytes`.
pub fn share(bytes: &[u8], verified: Verified<Ruleset>) -> Rc<LoadedRuleset> {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some(shared) = last
            .as_ref()
            .filter(|l| *l.bytes == *bytes)
            .and_then(|l| l.ruleset.upgrade())
        {
            return shared;
        }
        let segment_names = verified
            .document
            .segments
            .iter()
            .map(|s| JsValue::from_str(&s.name))
            .collect();
        let loaded = Rc::new(LoadedRuleset {
            verified,
            segment_names,
        });
        *last = Some(Last {
            bytes: bytes.into(),
            ruleset: Rc::downgrade(&loaded),
        });
        loaded
    })
}
