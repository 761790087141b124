// Conditional GETs against the central store, through the package's store access (the one PersonaClient
// uses too: the store's media type, If-None-Match, a timeout covering the body, the engine's size caps,
// Cache-Control with Age), with the worker's error codes.

import { getSnapshot } from "persona-edge";
import { EdgeError } from "./errors.js";

/**
 * @typedef {object} StoreAnswer
 * @property {"fresh" | "not_modified" | "absent" | "erased"} status  200, 304, 404 (no such profile) or
 *   410 (the customer was erased)
 * @property {Uint8Array | null} bytes  the body of a 200
 * @property {string | null} etag       the ETag of a 200 (or the one revalidated by a 304)
 * @property {number} maxAgeSecs        how long the answer may be used without asking again (max-age - Age)
 */

/**
 * GET `path` from the store (`settings.storeUrl` must be set), revalidating `etag` when given.
 * @param {import("./config.js").Settings} settings
 * @param {string} path      e.g. "/v1/ruleset"
 * @param {{ etag?: string | null, token?: string | null }} options
 * @returns {Promise<StoreAnswer>}
 */
export async function getFromStore(settings, path, { etag = null, token = null } = {}) {
  const kind = path === "/v1/ruleset" ? "ruleset" : "profile";
  try {
    const answer = await getSnapshot({ url: `${settings.storeUrl}${path}`, kind, etag, token, timeoutMs: settings.storeTimeoutMs });
    const status = answer.httpStatus === 410 ? "erased" : answer.status;
    return { status, bytes: answer.bytes, etag: answer.etag, maxAgeSecs: answer.freshSecs };
  } catch (error) {
    throw new EdgeError(edgeCode(error), `store: ${error.message}`);
  }
}

/** The worker's code for a failed store request (see errors.js). */
function edgeCode(error) {
  switch (error.code) {
    case "unauthorized":
    case "forbidden":
      return error.code;
    case "network":
    case "timeout":
      return "store_unreachable";
    case "http_status":
      return error.httpStatus >= 500 ? "store_unreachable" : "store_error";
    default:
      return "store_error";
  }
}

/** Subjects whose Global Privacy Control signal this isolate has already sent to the store. */
const gpcSent = new Set();

/**
 * Records a known visitor's Global Privacy Control signal in the store (`POST /v1/profiles/{s}/gpc`
 * with their read token), once per isolate and subject; never throws (a failed send is tried again on
 * the visitor's next request).
 * @param {import("./identify.js").Visitor} visitor
 * @param {import("./config.js").Settings} settings
 */
export async function recordGpc({ subject, token }, settings) {
  if (!subject || !token || !settings.storeUrl || gpcSent.has(subject)) return;
  gpcSent.add(subject);
  try {
    const response = await fetch(`${settings.storeUrl}/v1/profiles/${encodeURIComponent(subject)}/gpc`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(settings.storeTimeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok && response.status !== 410) gpcSent.delete(subject);
  } catch {
    gpcSent.delete(subject);
  }
}
