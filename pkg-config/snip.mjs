// Post-link "immediate abort" for the shipped wasm module (stable Rust has no `-Cpanic=immediate-abort`):
// the module's panic handler already traps without reading the message, but the precompiled `core` still
// builds each panic message (bounds, slicing, unwrap, RefCell) before calling it, which keeps the whole
// formatting machinery alive. Replacing the body of every function that only builds a panic message or
// formats (core::panicking, the *_fail functions, core::fmt and the Debug/Display/fmt::Write impls) with
// `unreachable` traps at the same point with no observable difference, and lets wasm-opt drop what they
// called. The names come from the name section wasm-bindgen keeps (`--keep-debug`); wasm-opt strips it.
//
// The package's tests (golden decisions and every refusal, in Node, Chromium and workerd) run on the
// snipped module: a legitimate path through a snipped function would trap there.

/** Whether a function (by its demangled name) only builds a panic message or formats text. */
export function isPanicOrFormatting(name) {
  const n = name.replace(/\[[0-9a-f]{16}\]/g, "");
  return (
    /^core::panicking::/.test(n) ||
    /^core::(option|result)::(unwrap|expect)_failed/.test(n) ||
    /^core::slice::index::slice_(start_index_len|end_index_len|index_order|index)_fail/.test(n) ||
    /^core::str::slice_error_fail/.test(n) ||
    /^core::cell::panic_already_(mutably_)?borrowed/.test(n) ||
    /len_mismatch_fail/.test(n) ||
    /^<?core::fmt::/.test(n) ||
    / as core::fmt::(Debug|Display|Write|LowerHex|UpperHex)>::/.test(n) ||
    /^core::unicode::printable::/.test(n) ||
    /^<char>::escape_debug_ext/.test(n)
  );
}

/**
 * The wasm instruction that computes exactly what a software float function of libm computes, by its
 * demangled name: floor, ceil, trunc and sqrt are exact (correctly rounded) in IEEE 754 and in wasm, so
 * `f64.floor` and the others return the same bits (NaN stays NaN). Stable Rust cannot ask libm for them
 * (its wasm intrinsics need a nightly feature). `round` (halves away from zero) has no wasm instruction.
 */
export function nativeFloatOp(name) {
  const m = /^libm::math::(floor|ceil|trunc|sqrt)::(floor|ceil|trunc|sqrt)::h[0-9a-f]{16}$/.exec(name);
  return m && m[1] === m[2] ? m[1] : null;
}

/**
 * Replaces the bodies of those functions with `unreachable`, and libm's exact float functions with their
 * instructions (`nativeFloatOp`). `binaryen` is the binaryen.js module.
 * Returns the new module bytes (names kept), the names snipped and the names given an instruction.
 */
export function snipPanics(binaryen, bytes) {
  // The features rustc's wasm32 target emits (as wasm-opt is told in build.mjs); no newer encodings.
  const F = binaryen.Features;
  const features = F.MutableGlobals | F.NontrappingFPToInt | F.BulkMemory | F.SignExt | F.ReferenceTypes | F.Multivalue;
  const module = binaryen.readBinary(bytes);
  module.setFeatures(features);
  const snipped = [];
  const native = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const fn = module.getFunctionByIndex(i);
    const info = binaryen.getFunctionInfo(fn);
    if (info.base) continue; // imports have no body
    const op = nativeFloatOp(info.name);
    if (op && info.params === binaryen.f64 && info.results === binaryen.f64) {
      binaryen.Function.setBody(fn, module.f64[op](module.local.get(0, binaryen.f64)));
      native.push(info.name);
      continue;
    }
    if (!isPanicOrFormatting(info.name)) continue;
    binaryen.Function.setBody(fn, module.unreachable());
    snipped.push(info.name);
  }
  const out = module.emitBinary();
  module.dispose();
  return { bytes: out, snipped, native };
}
