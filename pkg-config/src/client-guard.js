// The client's one never-throw guard: every public method of PersonaClient runs through `guard`, which turns
// any exception (a PersonaError, a StoreError, a bug) into that method's documented failure result.

/** An Error with a stable `code`, for failures of the client itself (`not_started`, `invalid_argument`). */
export function coded(code, message) {
  return Object.assign(new Error(message), { code });
}

/** `{ error, message }` of any thrown value: its `code` when it has one, else `invalid_argument`. */
export function errorInfo(error) {
  return {
    error: typeof error?.code === "string" ? error.code : "invalid_argument",
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * Runs `fn()`; when it throws (or the promise it returns rejects), returns `fail({ error, message })`
 * instead. Never throws itself as long as `fail` does not.
 */
export function guard(fn, fail) {
  const failed = (error) => fail(errorInfo(error));
  try {
    const result = fn();
    return typeof result?.then === "function" ? result.then(undefined, failed) : result;
  } catch (error) {
    return failed(error);
  }
}

/** A `fail` for methods without a result. */
export const ignore = () => undefined;
