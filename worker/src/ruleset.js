// The isolate's Engine and its verified ruleset, kept between requests and refreshed when stale.
//
// The ruleset comes from the KV namespace (key `ruleset`, e.g. from `persona publish`) when it holds one,
// else from the store (`GET /v1/ruleset`, revalidated with its ETag once its Cache-Control max-age is over).
// A stale ruleset that has not expired keeps serving while a refresh runs in the background
// (stale-while-revalidate); an expired or missing one is fetched before deciding. A newer ruleset must
// verify and carry a sequence at least as high as the one in use, or the one in use stays.

import { Engine } from "persona-edge";
import { EdgeError } from "./errors.js";
import { getFromStore } from "./store.js";

/** After a failed refresh, wait at most this long (and at most the KV TTL) before trying again. */
const RETRY_AFTER_FAILURE_SECS = 10;

/**
 * The isolate's state, one per keys + audience (in practice one per isolate).
 * @type {{ engineKey: string, engine: Engine, info: object | null, etag: string | null,
 *          freshUntil: number, refreshing: Promise<void> | null } | null}
 */
let state = null;

/**
 * The isolate's Engine with a verified, unexpired ruleset loaded, and what was accepted of that ruleset
 * (SnapshotInfo). Throws (EdgeError or PersonaError) when no usable ruleset can be had.
 * @param {import("./config.js").Settings} settings
 * @param {{ waitUntil(promise: Promise<unknown>): void }} ctx
 * @param {number} now Unix seconds
 * @returns {Promise<{ engine: Engine, ruleset: import("persona-edge").SnapshotInfo }>}
 */
export async function rulesetEngine(settings, ctx, now) {
  if (state === null || state.engineKey !== settings.engineKey) {
    state = {
      engineKey: settings.engineKey,
      engine: new Engine({ keys: settings.keys, audience: settings.audience }),
      info: null,
      etag: null,
      freshUntil: 0,
      refreshing: null,
    };
  }
  const current = state;
  if (current.info === null || now >= current.info.expiresAt) {
    await refresh(current, settings, now);
  } else if (now >= current.freshUntil) {
    ctx.waitUntil(refresh(current, settings, now).catch(() => {}));
  }
  return { engine: current.engine, ruleset: current.info };
}

/** One refresh at a time per isolate: concurrent requests wait for the same one. */
function refresh(current, settings, now) {
  current.refreshing ??= fetchAndLoad(current, settings, now)
    .catch((error) => {
      // The ruleset in use (if any) keeps serving until then.
      current.freshUntil = now + Math.min(RETRY_AFTER_FAILURE_SECS, settings.rulesetTtlSecs);
      throw error;
    })
    .finally(() => {
      current.refreshing = null;
    });
  return current.refreshing;
}

async function fetchAndLoad(current, settings, now) {
  const fromKv = settings.kv ? await settings.kv.get("ruleset", "arrayBuffer") : null;
  if (fromKv !== null) {
    await load(current, new Uint8Array(fromKv), now);
    current.etag = null;
    current.freshUntil = now + settings.rulesetTtlSecs;
    return;
  }
  if (!settings.storeUrl) throw new EdgeError("no_ruleset", "no ruleset in PERSONA_KV and no STORE_URL");
  const answer = await getFromStore(settings, "/v1/ruleset", { etag: current.info ? current.etag : null });
  if (answer.status === "absent") throw new EdgeError("no_ruleset", "the store has no ruleset (404)");
  if (answer.status === "fresh") {
    await load(current, answer.bytes, now);
    current.etag = answer.etag;
  }
  current.freshUntil = now + answer.maxAgeSecs;
}

/** Verifies and loads ruleset bytes; never goes back to an older sequence than the one in use. */
async function load(current, bytes, now) {
  current.info = await current.engine.loadRuleset(bytes, { now, minSequence: current.info?.sequence ?? 0 });
}
