// persona-edge for browsers and bundlers (ESM). Call `await init()` once before creating an Engine
// (PersonaClient does it itself, while its first requests are in flight).
import initWasm from "./wasm/persona_edge.js";

import { clientFor } from "./api.js";

export { initSync, Engine, Session, errorCodes, isPersonaError } from "./api.js";

let ready;

/**
 * Fetches, compiles (streaming) and instantiates the WebAssembly module, once; later calls return the same
 * promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source] where the .wasm is;
 *   defaults to the file next to the generated glue.
 */
export function init(source) {
  ready ??= initWasm(source === undefined ? undefined : { module_or_path: source }).then(() => undefined);
  return ready;
}

/** The high-level client: sync from the central store, fallbacks, feedback (see client.d.ts). */
export const PersonaClient = clientFor(init);
