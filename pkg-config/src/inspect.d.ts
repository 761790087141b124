import type { SnapshotInfo } from "./engine.js";

/** A snapshot's header, read WITHOUT verification (for display and debugging only). */
export interface UnverifiedHeader extends SnapshotInfo { version: number }

/** Loads this entry's own instance of the module (browsers; a no-op in Node). */
export function init(source?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** Reads a snapshot's header WITHOUT verifying it. Throws a PersonaError when the layout is broken. */
export function inspectSnapshot(bytes: Uint8Array): UnverifiedHeader;
