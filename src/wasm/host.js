// What the wasm module asks of its JavaScript host (src/wasm/host.rs): number text both ways, and the
// PersonaError built from a code and its fields (the module carries no text formatting).

/** The shortest round-trip digits of a finite positive number, as `d.ddde±x`. */
export function toExponential(n) {
  return n.toExponential();
}

/** A decimal literal (already checked by the module) as a number. */
export function toNumber(literal) {
  return Number(literal);
}

/** `x % y`: IEEE 754's exact remainder (the module carries no software fmod). */
export function remainder(x, y) {
  return x % y;
}

/** The lines of `text` as an array of strings. */
export function lines(text) {
  return text === "" ? [] : text.split("\n");
}

/** Blocks of lines separated by an empty line, as arrays of strings. */
export function tables(text) {
  return text.split("\n\n").map(lines);
}

const MESSAGES = {
  oversized: (s, t, a, b) => `snapshot is ${a} bytes, more than the ${b} accepted`,
  truncated: (s, t, a, b) => `snapshot truncated: ${a} bytes, at least ${b} needed`,
  bad_magic: () => "not a snapshot (bad magic)",
  unsupported_version: (s, t, a) => `unsupported snapshot format version ${a}`,
  malformed_header: (s) => `malformed snapshot header: ${s}`,
  unknown_key: (s) => `snapshot signed by unknown key ${s}`,
  tampered: () => "snapshot signature does not verify (tampered)",
  expired: (s, t, a, b) => `snapshot expired at ${a} (now ${b})`,
  not_yet_valid: (s, t, a, b) => `snapshot not valid before ${a} (now ${b})`,
  wrong_audience: (s, t) => `snapshot audience "${t}" is not "${s}"`,
  wrong_subject: (s, t) => `snapshot subject "${t}" is not "${s}"`,
  wrong_kind: (s, t) => `snapshot is a ${t} snapshot, expected a ${s} snapshot`,
  rollback: (s, t, a, b) => `snapshot sequence ${a} is below the minimum ${b} (rollback)`,
  malformed_payload: (s) => `malformed snapshot payload: ${s}`,
  invalid_input: (s, t) => `invalid snapshot input ${s}: ${t}`,
  invalid_key: (s) => `invalid public key: ${s}`,
  invalid_argument: (s, t) => (t ? `${s}: ${t}` : s),
  no_ruleset: () => "load a ruleset snapshot before deciding",
  unsupported_runtime: (s) => `this runtime has no Ed25519 in WebCrypto (${s}): decisions stay non-personalized`,
};

/**
 * A `PersonaError`: `instanceof Error`, `name === "PersonaError"`, a stable `code`, a message built from
 * the fields (texts `s`, `t`, numbers `a`, `b`; which ones a code uses is in MESSAGES).
 */
export function personaError(code, s, t, a, b) {
  const message = (MESSAGES[code] ?? ((x) => x || code))(s, t, a, b);
  const error = new Error(message);
  error.name = "PersonaError";
  error.code = code;
  return error;
}
