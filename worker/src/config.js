// The worker's settings, read from its bindings (wrangler.toml `[vars]` and the KV namespace).

import { EdgeError } from "./errors.js";

const DEFAULT_STORE_TIMEOUT_MS = 1000;
const DEFAULT_RULESET_TTL_SECS = 60;

/**
 * @typedef {object} Settings
 * @property {string[]} keys        pinned Ed25519 public keys (PUBLIC_KEYS, comma-separated); never fetched
 * @property {string} audience      this site (AUDIENCE): snapshots for another audience are refused
 * @property {string | null} storeUrl  the central store's base URL (STORE_URL), without a trailing slash
 * @property {number} storeTimeoutMs   timeout of one request to the store, body included (STORE_TIMEOUT_MS)
 * @property {number} rulesetTtlSecs   how long a ruleset read from KV is used before KV is read again
 *                                     (RULESET_TTL_SECS; from the store, its Cache-Control max-age decides)
 * @property {KVNamespace | null} kv   the PERSONA_KV namespace: published snapshots, the ruleset, and the
 *                                     high-water marks of rollback protection
 * @property {string} engineKey     identifies the keys + audience an Engine was made for
 */

/** Reads and checks the settings from `env`; throws EdgeError("internal") when a required one is missing. */
export function readSettings(env) {
  const keys = String(env.PUBLIC_KEYS ?? "")
    .split(",")
    .map((key) => key.trim())
    .filter(Boolean);
  const audience = String(env.AUDIENCE ?? "").trim();
  if (keys.length === 0) throw new EdgeError("internal", "PUBLIC_KEYS is not set (the store's public keys, pinned)");
  if (!audience) throw new EdgeError("internal", "AUDIENCE is not set");
  const storeUrl = String(env.STORE_URL ?? "").trim().replace(/\/+$/, "") || null;
  return {
    keys,
    audience,
    storeUrl,
    storeTimeoutMs: positive(env.STORE_TIMEOUT_MS, DEFAULT_STORE_TIMEOUT_MS),
    rulesetTtlSecs: positive(env.RULESET_TTL_SECS, DEFAULT_RULESET_TTL_SECS),
    kv: env.PERSONA_KV ?? null,
    engineKey: `${audience}\n${keys.join(",")}`,
  };
}

function positive(value, fallback) {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
