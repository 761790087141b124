// persona-edge for Workers runtimes (workerd / Cloudflare Workers): they accept only precompiled modules,
// so the .wasm is imported as a WebAssembly.Module and instantiated synchronously at import.
import wasmModule from "./wasm/persona_edge_bg.wasm";
import { initSync } from "./wasm/persona_edge.js";

initSync({ module: wasmModule });

import { clientFor } from "./api.js";

export { initSync, Engine, inspectSnapshot, errorCodes, isPersonaError } from "./api.js";

/** Already initialized in Workers; kept so the same code can `await init()` everywhere. */
export const init = () => Promise.resolve();

/** The high-level client: sync from the central store, fallbacks, feedback (see client.d.ts). */
export const PersonaClient = clientFor(init);
