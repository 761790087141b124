// What every entry point exports besides `init` (see index.js, node.js, workerd.js).
import { Engine } from "./engine.js";
import { Session } from "./session.js";
import { PersonaClient as ClientBase } from "./client.js";

export { Engine } from "./engine.js";
export { Session } from "./session.js";
export { isPersonaError } from "./errors.js";
export { errorCodes, initSync } from "./wasm/persona_edge.js";

/** The high-level client, bound to an entry point's `init` (each runtime loads the module its own way). */
export function clientFor(init) {
  return class PersonaClient extends ClientBase {
    constructor(options) {
      super({ ...options, runtime: { init, Engine, Session } });
    }
  };
}
