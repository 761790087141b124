// What every entry point exports besides `init` (see index.js, node.js, workerd.js).
import { Engine } from "./wasm/persona_edge.js";
import { PersonaClient as ClientBase } from "./client.js";

export { initSync, Engine, inspectSnapshot, errorCodes } from "./wasm/persona_edge.js";

/** Whether `error` is a PersonaError thrown by the engine (an Error with a stable `code`). */
export function isPersonaError(error) {
  return error instanceof Error && error.name === "PersonaError" && typeof error.code === "string";
}

/** The high-level client, bound to an entry point's `init` (each runtime loads the module its own way). */
export function clientFor(init) {
  return class PersonaClient extends ClientBase {
    constructor(options) {
      super({ ...options, runtime: { init, Engine } });
    }
  };
}
