// persona-edge for Node (ESM): the module is compiled and instantiated synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "./wasm/persona_edge.js";

initSync({ module: readFileSync(new URL("./persona_edge_bg.wasm", import.meta.url)) });

import { clientFor } from "./api.js";

export { initSync, Engine, Session, errorCodes, isPersonaError } from "./api.js";

/** Already initialized in Node; kept so the same code can `await init()` everywhere. */
export const init = () => Promise.resolve();

/** The high-level client: sync from the central store, fallbacks, feedback (see client.d.ts). */
export const PersonaClient = clientFor(init);
