// PersonaError helpers of the JavaScript layer (the errors themselves are made by the module's host.js,
// so every PersonaError, from Rust or from here, has the same shape and message table).
import { personaError } from "./wasm/persona_edge.js";

export { personaError };

/** An `invalid_argument` PersonaError naming `what` and what it must be. */
export const invalid = (what, rule) => personaError("invalid_argument", `${what}: ${rule}`);

/** Whether `error` is a PersonaError (an Error named "PersonaError" with a stable `code`). */
export function isPersonaError(error) {
  return error instanceof Error && error.name === "PersonaError" && typeof error.code === "string";
}
