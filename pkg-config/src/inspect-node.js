// persona-edge/inspect for Node: its own instance of the module, instantiated at import.
import { readFileSync } from "node:fs";
import { initSync } from "./wasm-inspect/persona_edge_inspect.js";

initSync({ module: readFileSync(new URL("./persona_edge_inspect_bg.wasm", import.meta.url)) });

export { inspectSnapshot } from "./inspect.js";

/** Already initialized in Node. */
export const init = () => Promise.resolve();
