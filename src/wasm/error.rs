//! Errors crossing into JavaScript: a real `Error` named `PersonaError` with a stable `code`.

use crate::snapshot::SnapshotError;
use wasm_bindgen::JsValue;

/// Code for a JavaScript argument that does not have the documented shape.
pub const INVALID_ARGUMENT: &str = "invalid_argument";
/// Code for `decide` before a ruleset was loaded.
pub const NO_RULESET: &str = "no_ruleset";
/// Code for a result that could not be handed to JavaScript (not expected to happen).
pub const INTERNAL: &str = "internal";

/// A `PersonaError`: `instanceof Error`, `name === "PersonaError"`, with `code` and `message`.
pub fn persona_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("PersonaError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

/// The error for a refused snapshot, with the snapshot error's code.
pub fn snapshot_error(error: &SnapshotError) -> JsValue {
    persona_error(error.code(), &error.to_string())
}

/// The error for an argument that does not deserialize.
pub fn invalid_argument(what: &str, error: impl std::fmt::Display) -> JsValue {
    persona_error(INVALID_ARGUMENT, &format!("{what}: {error}"))
}
