// persona-edge for Workers runtimes (workerd / Cloudflare Workers): they accept only precompiled modules,
// so the .wasm is imported as a WebAssembly.Module and instantiated synchronously at import. The worker
// needs the Engine and the store access, not the browser client.
import wasmModule from "./persona_edge_bg.wasm";
import { initSync } from "./wasm/persona_edge.js";

initSync({ module: wasmModule });

export { Engine } from "./engine.js";
export { Session } from "./session.js";
export { isPersonaError } from "./errors.js";
export { getSnapshot, StoreError } from "./store-access.js";
export { errorCodes, initSync } from "./wasm/persona_edge.js";

/** Already initialized in Workers; kept so the same code can `await init()` everywhere. */
export const init = () => Promise.resolve();
