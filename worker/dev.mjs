#!/usr/bin/env node
// Runs the edge worker locally in workerd (the real Workers runtime, through Miniflare) in front of an
// origin, until SIGINT or SIGTERM.
//
//   node worker/dev.mjs [--port 8788] [--upstream URL] [--store-url URL] [--audience ID]
//                       [--public-keys HEX[,HEX]] [--keyring FILE] [--kv-json FILE]
//
// Each flag can be given as an environment variable instead (flags win):
//   PORT          where the worker listens on 127.0.0.1 (default 8788; 0: any free port)
//   UPSTREAM      the origin the worker personalizes (default http://127.0.0.1:8080)
//   STORE_URL     the central store, `persona serve` (default http://127.0.0.1:8787)
//   AUDIENCE      this site (default demo-shop)
//   PUBLIC_KEYS   the store's public keys, hex, comma-separated: pinned in the worker's configuration
//   KEYRING       instead of PUBLIC_KEYS: a keyring.json of the store (DATA/keys/keyring.json), read once here
//   KV_JSON       optional: a `persona publish` kv.json preloaded into the PERSONA_KV namespace
//
// Prints `persona worker: listening on http://127.0.0.1:PORT` once it accepts requests (after KV_JSON is
// loaded). Exit codes: 130 / 143 after SIGINT / SIGTERM (workerd stopped), 1 when it cannot start, 2 on a
// usage error.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

/** The comment at the top of this file. */
const HELP = /^#![^\n]*\n((?:\/\/[^\n]*\n)+)/
  .exec(readFileSync(new URL(import.meta.url), "utf8"))[1]
  .replace(/^\/\/ ?/gm, "")
  .trim();

function usage(message) {
  console.error(`persona worker: ${message}\n\n${HELP}`);
  process.exit(2);
}

let flags;
try {
  ({ values: flags } = parseArgs({
    options: {
      port: { type: "string" },
      upstream: { type: "string" },
      "store-url": { type: "string" },
      audience: { type: "string" },
      "public-keys": { type: "string" },
      keyring: { type: "string" },
      "kv-json": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  usage(error.message);
}
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const setting = (flag, name, fallback) => flags[flag] ?? process.env[name] ?? fallback;

const port = Number(setting("port", "PORT", "8788"));
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`invalid port ${setting("port", "PORT")}`);
const upstream = setting("upstream", "UPSTREAM", "http://127.0.0.1:8080");
const storeUrl = setting("store-url", "STORE_URL", "http://127.0.0.1:8787");
const audience = setting("audience", "AUDIENCE", "demo-shop");
const kvJson = setting("kv-json", "KV_JSON", "");
const publicKeys = pinnedKeys(setting("public-keys", "PUBLIC_KEYS", ""), setting("keyring", "KEYRING", ""));
for (const [what, url] of [["upstream", upstream], ["store URL", storeUrl]]) {
  if (!URL.canParse(url)) usage(`invalid ${what} ${url}`);
}

const workerDir = new URL(".", import.meta.url).pathname;
if (!existsSync(join(workerDir, "node_modules/persona-edge/package.json"))) {
  console.error("persona worker: the npm package is missing: run `node pkg-config/build.mjs`, then `npm install` in worker/");
  process.exit(1);
}
const { loadKvJson, startWorker } = await import("./runtime.mjs");

let mf;
try {
  let url;
  ({ mf, url } = await startWorker({
    port,
    upstream,
    vars: { STORE_URL: storeUrl, AUDIENCE: audience, PUBLIC_KEYS: publicKeys },
  }));
  if (kvJson) {
    const entries = await loadKvJson(mf, kvJson);
    console.error(`persona worker: loaded ${entries} entries of ${kvJson} into PERSONA_KV`);
  }
  console.log(`persona worker: listening on ${url.origin} (origin ${upstream}, store ${storeUrl}, audience ${audience})`);
} catch (error) {
  console.error(`persona worker: cannot start: ${error?.stack ?? error}`);
  await mf?.dispose().catch(() => {});
  process.exit(1);
}

// Runs until SIGINT or SIGTERM: Miniflare's own exit hook then stops workerd and exits (130 / 143).

/** The pinned keys: PUBLIC_KEYS, or the active and verifying keys of a keyring.json file. */
function pinnedKeys(list, keyringFile) {
  if (list) return list;
  if (!keyringFile) usage("PUBLIC_KEYS (or KEYRING, the store's keys/keyring.json) is required: the worker trusts only pinned keys");
  let keyring;
  try {
    keyring = JSON.parse(readFileSync(keyringFile, "utf8"));
  } catch (error) {
    usage(`cannot read the keyring ${keyringFile}: ${error.message}`);
  }
  const keys = (keyring.keys ?? []).filter((k) => k.status !== "retired").map((k) => k.public_key);
  if (keys.length === 0) usage(`${keyringFile} lists no usable key`);
  return keys.join(",");
}
