//! What the module imports from its JavaScript host (`host.js`): number text both ways (so the module
//! carries no float formatting or parsing), the float remainder (no software `fmod`), and the
//! `PersonaError` built from a code and its fields (so it carries no text formatting). A leaf: it uses
//! nothing else of the crate.

use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/host.js")]
extern "C" {
    /// The shortest round-trip digits of a finite positive number as `d.ddde±x` (`toExponential()`).
    #[wasm_bindgen(js_name = toExponential)]
    pub fn to_exponential(n: f64) -> String;

    /// A decimal literal (checked by the caller) as a number (`Number(literal)`).
    #[wasm_bindgen(js_name = toNumber)]
    pub fn to_number(literal: &str) -> f64;

    /// `x % y` (IEEE 754's exact remainder, sign of `x`): the module carries no software `fmod`.
    pub fn remainder(x: f64, y: f64) -> f64;

    /// The lines of `text` as a JS array of strings (`[]` for the empty text): how the module hands over a
    /// list of names without `js-sys`.
    pub fn lines(text: &str) -> JsValue;

    /// Name tables: the blocks of `text` separated by an empty line, each as [`lines`].
    pub fn tables(text: &str) -> JsValue;

    /// A `PersonaError` with `code`, its message built in JS from texts `s`, `t` and numbers `a`, `b`.
    #[wasm_bindgen(js_name = personaError)]
    pub fn persona_error(code: &str, s: &str, t: &str, a: f64, b: f64) -> JsValue;
}
