// Where the visitor's profile snapshot comes from, in order:
//   1. the `persona_snapshot` cookie (the page may carry it itself);
//   2. the KV namespace, key `profile:<read token>` (what `persona publish` writes to kv.json);
//   3. the central store, `GET /v1/profiles/{subject}/snapshot` with the read token as bearer, kept in the
//      isolate and revalidated with its ETag (If-None-Match -> 304) as its Cache-Control asks.
// Every snapshot found here is still unverified: the engine verifies it (key, signature, audience,
// subject, expiry, sequence) before it is used. When the store answers that the customer was erased (410),
// the isolate's copy is dropped and the visitor is treated as anonymous (rewrite.js then clears the persona
// cookies). A cookie or KV copy is used without asking the store: `persona publish` lists the KV keys to
// delete (kv-delete.json).

import { EdgeError } from "./errors.js";
import { getFromStore } from "./store.js";
import { highWaterMark } from "./watermarks.js";

const MAX_STORE_COPIES = 1000;

/** `${subject} ${token}` -> { etag, bytes, freshUntil } of snapshots fetched from the store. */
const storeCopies = new Map();

/**
 * @typedef {object} FoundSnapshot
 * @property {Uint8Array | null} bytes  null: no profile (anonymous visitor, or none in KV or the store)
 * @property {"cookie" | "kv" | "store" | "store_not_modified" | "store_cached" | null} source
 * @property {number} minSequence  the subject's high-water mark: anything older is a rollback
 * @property {boolean} [erased]     the store says the customer was erased
 */

/**
 * Finds the visitor's profile snapshot and the subject's high-water mark (in parallel).
 * @param {import("./identify.js").Visitor} visitor
 * @param {import("./config.js").Settings} settings
 * @param {number} now Unix seconds
 * @returns {Promise<FoundSnapshot>}
 */
export async function findProfileSnapshot(visitor, settings, now) {
  if (visitor.subject === null) return { bytes: null, source: null, minSequence: 0 };
  const [found, minSequence] = await Promise.all([
    locate(visitor, settings, now),
    highWaterMark(settings.kv, visitor.subject),
  ]);
  return { ...found, minSequence };
}

async function locate({ subject, token, snapshot }, settings, now) {
  if (snapshot !== null) return { bytes: snapshot, source: "cookie" };
  if (token === null) throw new EdgeError("unauthorized", `no persona_token for ${subject}`);
  if (settings.kv) {
    const published = await settings.kv.get(`profile:${token}`, "arrayBuffer");
    if (published !== null) return { bytes: new Uint8Array(published), source: "kv" };
  }
  if (!settings.storeUrl) return { bytes: null, source: null };
  return fromStore(subject, token, settings, now);
}

async function fromStore(subject, token, settings, now) {
  const key = `${subject} ${token}`;
  const copy = storeCopies.get(key);
  if (copy && now < copy.freshUntil) return { bytes: copy.bytes, source: "store_cached" };
  const path = `/v1/profiles/${encodeURIComponent(subject)}/snapshot`;
  const answer = await getFromStore(settings, path, { etag: copy?.etag ?? null, token });
  if (answer.status === "absent" || answer.status === "erased") {
    storeCopies.delete(key);
    return { bytes: null, source: null, erased: answer.status === "erased" };
  }
  const bytes = answer.status === "fresh" ? answer.bytes : copy.bytes;
  storeCopies.delete(key); // re-inserted last: the Map's order is least recently used first
  storeCopies.set(key, { etag: answer.etag, bytes, freshUntil: now + answer.maxAgeSecs });
  if (storeCopies.size > MAX_STORE_COPIES) storeCopies.delete(storeCopies.keys().next().value);
  return { bytes, source: answer.status === "fresh" ? "store" : "store_not_modified" };
}
