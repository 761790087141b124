// Reading snapshots from the central store, shared by PersonaClient (browsers, Node) and the edge worker:
// one conditional GET with the store's own media type, If-None-Match, a timeout that covers the body, the
// size caps of the wasm core (a larger body is refused before it is read), and Cache-Control with Age.

import { snapshotLimits } from "./wasm/persona_edge.js";

/** The media type the store serves snapshots as. */
export const SNAPSHOT_TYPE = "application/vnd.persona-edge.snapshot";

/** A failed request to the store, with a stable code: `network`, `timeout`, `oversized`, `unauthorized`,
 * `forbidden`, `http_status` (any other unexpected status; `httpStatus` says which). */
export class StoreError extends Error {
  constructor(code, message, httpStatus) {
    super(message);
    this.name = "StoreError";
    this.code = code;
    if (httpStatus !== undefined) this.httpStatus = httpStatus;
  }
}

/** Cache-Control as far as a private cache of signed snapshots needs it. */
export function parseCacheControl(header) {
  const cc = { maxAge: null, noStore: false, noCache: false };
  for (const part of (header ?? "").split(",")) {
    const [rawKey, rawValue = ""] = part.split("=", 2);
    const key = rawKey.trim().toLowerCase();
    const value = rawValue.trim().replace(/^"(.*)"$/, "$1");
    if (key === "max-age" && /^\d+$/.test(value)) cc.maxAge = Number(value);
    else if (key === "no-store") cc.noStore = true;
    else if (key === "no-cache") cc.noCache = true;
  }
  return cc;
}

/** How many seconds a response stays fresh: max-age minus Age; 0 for no-cache/no-store or no max-age. */
export function freshnessSecs(cc, ageHeader) {
  if (cc.noStore || cc.noCache || cc.maxAge === null) return 0;
  const age = /^\d+$/.test((ageHeader ?? "").trim()) ? Number(ageHeader.trim()) : 0;
  return Math.max(0, cc.maxAge - age);
}

/**
 * GETs the snapshot at `url` (the ruleset, or a profile with its read token).
 * @param {{ url: string, kind: "profile" | "ruleset", etag?: string | null, token?: string | null,
 *   timeoutMs: number, fetch?: typeof fetch }} request
 * @returns {Promise<{ status: "fresh" | "not_modified" | "absent", bytes: Uint8Array | null,
 *   etag: string | null, freshSecs: number, noStore: boolean, httpStatus: number }>}
 *   fresh: 200 with the body; not_modified: 304 (the given ETag still holds); absent: 404 (no such
 *   profile) or 410 (the customer was erased; `httpStatus` tells them apart).
 *   The module must be initialized by the time the store answers (the size caps come from it); the
 *   request itself may be sent before.
 * @throws {StoreError}
 */
export async function getSnapshot({ url, kind, etag = null, token = null, timeoutMs, fetch: fetchFn }) {
  const headers = { accept: SNAPSHOT_TYPE };
  if (etag) headers["if-none-match"] = etag;
  if (token) headers.authorization = `Bearer ${token}`;
  const go = fetchFn ?? globalThis.fetch;
  if (typeof go !== "function") throw new StoreError("network", "no fetch in this runtime");
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let response;
  let bytes = null;
  try {
    response = await (fetchFn ? go(url, { headers, signal: controller.signal }) : go.call(globalThis, url, { headers, signal: controller.signal }));
    if (response.status === 200) {
      // The core's size cap, read only now: the request may leave before the module is initialized (the
      // caller's `fetch` makes sure it is by the time the answer is handed over).
      const limit = snapshotLimits()[kind === "ruleset" ? 1 : 0];
      const length = Number(response.headers.get("content-length"));
      if (Number.isFinite(length) && length > limit) {
        await discard(response);
        throw new StoreError("oversized", `the ${kind} snapshot is ${length} bytes, more than ${limit}`);
      }
      bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length > limit) throw new StoreError("oversized", `the ${kind} snapshot is larger than ${limit} bytes`);
    } else {
      await discard(response);
    }
  } catch (error) {
    if (error instanceof StoreError) throw error;
    if (timedOut) throw new StoreError("timeout", `no answer from the store within ${timeoutMs} ms`);
    throw new StoreError("network", `${error?.name ?? "Error"}: ${error?.message ?? error}`);
  } finally {
    clearTimeout(timer);
  }
  const status = response.status;
  const cc = parseCacheControl(response.headers.get("cache-control"));
  const freshSecs = freshnessSecs(cc, response.headers.get("age"));
  switch (status) {
    case 200:
      return { status: "fresh", bytes, etag: response.headers.get("etag"), freshSecs, noStore: cc.noStore, httpStatus: 200 };
    case 304:
      return { status: "not_modified", bytes: null, etag: response.headers.get("etag") ?? etag, freshSecs, noStore: cc.noStore, httpStatus: 304 };
    case 404:
    case 410:
      return { status: "absent", bytes: null, etag: null, freshSecs: 0, noStore: cc.noStore, httpStatus: status };
    case 401:
      throw new StoreError("unauthorized", "the store refused the read token (401)", 401);
    case 403:
      throw new StoreError("forbidden", "the read token is not this subject's (403)", 403);
    default:
      throw new StoreError("http_status", `the store answered ${status}`, status);
  }
}

async function discard(response) {
  try {
    await response.body?.cancel();
  } catch {
    // already consumed or closed
  }
}
