// Error codes of the edge worker, as sent in `X-Persona-Error` (the registry of every code: docs/ERRORS.md).
//
// The engine's own refusals keep their PersonaError code (`tampered`, `expired`, `rollback`,
// `wrong_audience`, `wrong_subject`, `unknown_key`, ...). The worker adds the codes of what happens around
// the engine:
//   store_unreachable   the central store did not answer in time (network error, timeout, 5xx)
//   store_error         the central store answered with an unexpected status
//   unauthorized        no read token for a known subject, or the store answered 401
//   forbidden           the store answered 403 (the token is not this subject's)
//   malformed_cookie    a persona cookie is malformed (bad base64url, a subject or token of the wrong shape)
//   no_ruleset          neither the KV namespace nor the store is configured to give a ruleset
//   internal            anything else (a bug, a missing binding): the page still passes through
//   origin_unreachable  the origin itself failed (the worker answers 502; nothing to pass through)

/** A failure of the worker with a stable `code`, like the engine's PersonaError. */
export class EdgeError extends Error {
  /**
   * @param {string} code one of the codes above
   * @param {string} message what happened, for logs
   */
  constructor(code, message) {
    super(message);
    this.name = "EdgeError";
    this.code = code;
  }
}

/** The stable code of any thrown value: the PersonaError or EdgeError code, else `internal`. */
export function errorCode(error) {
  const named = error instanceof Error && (error.name === "PersonaError" || error.name === "EdgeError");
  return named && typeof error.code === "string" ? error.code : "internal";
}
