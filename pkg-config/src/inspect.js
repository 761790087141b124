// persona-edge/inspect: debugging helpers the main entries leave out, with their own module
// (persona_edge_inspect_bg.wasm: the core built with the `inspect` feature, which adds the unverified header
// getters; call `await init()` of this entry first in browsers; Node initializes at import).
import initWasm, { EngineCore } from "./wasm-inspect/persona_edge_inspect.js";

const KINDS = { 1: "profile", 2: "ruleset" };
let core;
let ready;

/** Loads this entry's instance of the module (once). */
export function init(source) {
  ready ??= initWasm(source === undefined ? undefined : { module_or_path: source }).then(() => undefined);
  return ready;
}

/** Reads a snapshot's header WITHOUT verifying it (for display and debugging; never trust it). Throws a
 * PersonaError when the layout is broken. */
export function inspectSnapshot(bytes) {
  core ??= new EngineCore("inspect", 0);
  const envelope = core.open(bytes, 2);
  try {
    const [version, kind, sequence, issuedAt, expiresAt] = envelope.header();
    return {
      kind: KINDS[kind],
      subject: envelope.subject,
      sequence,
      issuedAt,
      expiresAt,
      audience: envelope.audience,
      keyId: envelope.keyId,
      version,
    };
  } finally {
    envelope.free();
  }
}
