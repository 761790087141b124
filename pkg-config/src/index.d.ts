export * from "./engine.js";
import type { PersonaErrorCode } from "./engine.js";

/** Loads the WebAssembly module (browsers/bundlers); a resolved no-op in Node and Workers. */
export function init(
  source?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

/** Instantiates the module synchronously from its bytes or a compiled module. */
export function initSync(options: { module: BufferSource | WebAssembly.Module }): unknown;

/** An error thrown by the engine: a real `Error` named "PersonaError" with a stable `code`. */
export interface PersonaError extends Error {
  name: "PersonaError";
  code: PersonaErrorCode;
}

/** Whether `error` is a PersonaError. */
export function isPersonaError(error: unknown): error is PersonaError;

export * from "./client.js";
