// Conditional GETs against the central store: a short timeout, If-None-Match with the ETag of the copy
// the isolate already holds, and one error code per kind of failure.

import { EdgeError } from "./errors.js";

/** Most bytes read from the store for one snapshot (the engine caps profiles at 16 KiB, rulesets at 256 KiB). */
const MAX_SNAPSHOT_BYTES = 262144;

/**
 * @typedef {object} StoreAnswer
 * @property {"fresh" | "not_modified" | "absent"} status  200, 304, or 404 (no such profile)
 * @property {Uint8Array | null} bytes  the body of a 200
 * @property {string | null} etag       the ETag of a 200 (or the one revalidated by a 304)
 * @property {number} maxAgeSecs        how long the answer may be used without asking again
 */

/**
 * GET `path` from the store (`settings.storeUrl` must be set), revalidating `etag` when given.
 * @param {import("./config.js").Settings} settings
 * @param {string} path      e.g. "/v1/ruleset"
 * @param {{ etag?: string | null, token?: string | null }} options
 * @returns {Promise<StoreAnswer>}
 */
export async function getFromStore(settings, path, { etag = null, token = null } = {}) {
  const headers = { accept: "application/vnd.persona-edge.snapshot" };
  if (etag) headers["if-none-match"] = etag;
  if (token) headers.authorization = `Bearer ${token}`;
  const signal = AbortSignal.timeout(settings.storeTimeoutMs);
  let response;
  let bytes = null;
  try {
    response = await fetch(`${settings.storeUrl}${path}`, { headers, signal });
    if (response.status === 200) {
      const length = Number(response.headers.get("content-length") ?? 0);
      if (length > MAX_SNAPSHOT_BYTES) throw new EdgeError("store_error", `the store sent ${length} bytes`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } else {
      await response.body?.cancel();
    }
  } catch (error) {
    if (error instanceof EdgeError) throw error;
    throw new EdgeError("store_unreachable", `store: ${error?.name ?? "Error"}: ${error?.message ?? error}`);
  }
  const maxAgeSecs = maxAge(response.headers.get("cache-control"));
  switch (response.status) {
    case 200:
      return { status: "fresh", bytes, etag: response.headers.get("etag"), maxAgeSecs };
    case 304:
      return { status: "not_modified", bytes: null, etag, maxAgeSecs };
    case 404:
      return { status: "absent", bytes: null, etag: null, maxAgeSecs: 0 };
    case 401:
      throw new EdgeError("unauthorized", "the store refused the read token (401)");
    case 403:
      throw new EdgeError("forbidden", "the read token is not this subject's (403)");
    default:
      throw new EdgeError(response.status >= 500 ? "store_unreachable" : "store_error", `store: HTTP ${response.status}`);
  }
}

/** Cache-Control max-age in seconds; 0 for no-cache, no-store or no max-age (revalidate every time). */
function maxAge(cacheControl) {
  const directives = (cacheControl ?? "").toLowerCase();
  if (/(^|[\s,])no-(cache|store)\b/.test(directives)) return 0;
  const match = /(?:^|[\s,])max-age=(\d+)/.exec(directives);
  return match ? Number(match[1]) : 0;
}
