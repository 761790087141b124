// What the worker tests (test/) and bench.mjs run against: the REAL central store (target/debug/persona, or
// PERSONA_BIN; seeded with the demo's sample customers), a tiny origin serving an HTML page with the three
// slots, a recording proxy in front of the store, snapshots made with the `persona` command line, and the
// worker itself in workerd (Miniflare). Kept outside test/, where `node --test test/` would run it as a test.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join, resolve } from "node:path";
import { startSeededStore } from "../samples/store/start.mjs";
import { startWorker, workerDir } from "./runtime.mjs";

export const repoDir = resolve(workerDir, "..");
const persona = resolve(process.env.PERSONA_BIN ?? join(repoDir, "target/debug/persona"));
export const AUDIENCE = "demo-shop";
export { SUBJECTS } from "../samples/subjects.mjs";
/** The sample ruleset, to derive expectations (slot defaults, which channels need opt-in) from it. */
export const sampleRuleset = JSON.parse(readFileSync(join(repoDir, "samples/ruleset.json"), "utf8"));

/** Runs the persona command line; returns its stdout. */
export function personaCli(args, env = {}) {
  return execFileSync(persona, args, { encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

function ensureStoreBinary() {
  if (!existsSync(persona)) execFileSync("cargo", ["build", "-p", "persona-store"], { cwd: repoDir, stdio: "inherit" });
}

/**
 * Starts `persona serve` on a free port with the five sample customers imported and the sample ruleset
 * (samples/store/start.mjs); `stop()` kills it with SIGKILL, as unreachable as a store gets.
 * @returns {Promise<Store>}
 */
export async function startStore() {
  ensureStoreBinary();
  const env = { PERSONA_WRITE_TOKEN: "test-write-token", PERSONA_TOKEN_SECRET: "ab".repeat(32) };
  const store = await startSeededStore({ bin: persona, env, audience: AUDIENCE, prefix: "persona-worker-test-", stopSignal: "SIGKILL" });
  const { dir, data } = store;
  const keyFile = join(data, "keys", `${store.activeKid}.secret`);
  return {
    url: store.url,
    dir,
    publicKey: store.publicKey,
    /** The read token of `subject`. */
    token: store.token,
    /** `persona publish` into DIR/publish; returns the path of kv.json. */
    publish() {
      const out = join(dir, "publish");
      personaCli(["publish", "--out", out, "--data", data, "--audience", AUDIENCE], env);
      return join(out, "kv.json");
    },
    /** Signs a profile with the store's key (or `key`): see signProfile. */
    sign: (options) => signProfile({ key: keyFile, dir, ...options }),
    /** A ruleset snapshot of the sample ruleset with the hero's default content set to `heroDefault`. */
    compileRuleset: (options) => compileRuleset({ key: keyFile, dir, ...options }),
    /** Stops the store; resolves once it has exited. */
    stop: store.stop,
    close: store.close,
  };
}

let signed = 0;
/**
 * A profile snapshot made with `persona sign` from samples/profiles/ana.json, for `subject`.
 * @param {{ key: string, dir: string, subject: string, seq: number, audience?: string,
 *           issuedAt?: number, expiresIn?: string }} options
 * @returns {Uint8Array}
 */
export function signProfile({ key, dir, subject, seq, audience = AUDIENCE, issuedAt, expiresIn = "1h" }) {
  const profile = JSON.parse(readFileSync(join(repoDir, "samples/profiles/ana.json"), "utf8"));
  profile.subject = subject;
  const base = join(dir, `signed-${++signed}`);
  writeFileSync(`${base}.json`, JSON.stringify(profile));
  const args = ["sign", `${base}.json`, "--key", key, "--audience", audience, "--seq", String(seq), "--expires-in", expiresIn, "--out", `${base}.snap`];
  if (issuedAt !== undefined) args.push("--issued-at", String(issuedAt));
  personaCli(args);
  return new Uint8Array(readFileSync(`${base}.snap`));
}

/**
 * A ruleset snapshot made with `persona compile` from samples/ruleset.json, its hero default content replaced.
 * @param {{ key: string, dir: string, seq: number, heroDefault: string }} options
 * @returns {Uint8Array}
 */
export function compileRuleset({ key, dir, seq, heroDefault }) {
  const source = structuredClone(sampleRuleset);
  source.slots.find((slot) => slot.name === "hero").default.content = heroDefault;
  const base = join(dir, `ruleset-${++signed}`);
  writeFileSync(`${base}.json`, JSON.stringify(source));
  personaCli(["compile", `${base}.json`, "--key", key, "--audience", AUDIENCE, "--seq", String(seq), "--out", `${base}.snap`]);
  return new Uint8Array(readFileSync(`${base}.snap`));
}

/** A fresh signing key unknown to the store and the worker (`persona keygen`); returns its secret file. */
export function unknownKey(dir) {
  const out = join(dir, "other-keys");
  personaCli(["keygen", "--out", out]);
  const { keys } = JSON.parse(readFileSync(join(out, "keyring.json"), "utf8"));
  return join(out, `${keys[0].kid}.secret`);
}

/** The origin's page: three slots with the shop's default content. */
export const ORIGIN_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Demo shop</title></head>
<body>
<h1 data-persona-slot="hero">Welcome to the demo shop.</h1>
<p data-persona-slot="recommendations">Our picks for you.</p>
<p class="offer" data-persona-slot="offer">Sign up for news.</p>
<footer>Demo shop</footer>
</body>
</html>
`;

/** A tiny origin: ORIGIN_PAGE for every path, except /style.css (CSS), /data.json (JSON) and /login (302 + cookies). */
export async function startOrigin() {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url, headers: req.headers });
    if (req.url === "/style.css") {
      res.writeHead(200, { "content-type": "text/css" }).end("h1 { color: green }\n");
    } else if (req.url === "/login") {
      res.writeHead(302, { location: "/", "set-cookie": ["persona_subject=c_x; Path=/", "persona_token=t; Path=/"] }).end();
    } else if (req.url === "/data.json") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    } else {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "public, max-age=300", etag: '"origin-page"' });
      res.end(ORIGIN_PAGE);
    }
  });
  return listen(server, { requests });
}

/**
 * A proxy in front of the store that records every request (method, path, If-None-Match) and the status
 * the store answered, so tests can see what the worker asked.
 */
export async function startRecorder(target) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const entry = { method: req.method, path: req.url, ifNoneMatch: req.headers["if-none-match"] ?? null, status: null };
    requests.push(entry);
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      entry.status = answer.statusCode;
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return listen(server, { requests });
}

async function listen(server, extra) {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    ...extra,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** The worker in a fresh workerd, in front of `origin`, trusting the store's key. */
export function startEdge({ store, origin, storeUrl = store.url, vars = {} }) {
  return startWorker({
    upstream: origin.url,
    vars: { STORE_URL: storeUrl, AUDIENCE, PUBLIC_KEYS: store.publicKey, ...vars },
  });
}

/** The Cookie header of a visitor. */
export function cookies({ subject, token, snapshot, consent } = {}) {
  const pairs = [];
  if (subject) pairs.push(`persona_subject=${subject}`);
  if (token) pairs.push(`persona_token=${token}`);
  if (snapshot) pairs.push(`persona_snapshot=${Buffer.from(snapshot).toString("base64url")}`);
  if (consent) pairs.push(`persona_consent=${consent}`);
  return pairs.join("; ");
}

/** GETs `path` through the worker as a browser would; returns { response, text }. */
export async function browse(mf, path = "/", cookieHeader = "", headers = {}) {
  const response = await mf.dispatchFetch(`http://shop.test${path}`, {
    headers: { accept: "text/html,application/xhtml+xml", ...(cookieHeader ? { cookie: cookieHeader } : {}), ...headers },
  });
  return { response, text: await response.text() };
}

/** The `/__persona/decision` JSON for a visitor. */
export async function decisionFor(mf, cookieHeader = "") {
  const { response, text } = await browse(mf, "/__persona/decision", cookieHeader, { accept: "application/json" });
  return { response, body: JSON.parse(text) };
}

/** slot name -> { variant, text } of a personalized page (the variant is null for an untouched slot). */
export function slotsOf(html) {
  const slots = {};
  for (const match of html.matchAll(/<(\w+)([^>]*data-persona-slot="([^"]+)"[^>]*)>([^<]*)<\/\1>/g)) {
    const variant = /data-persona-variant="([^"]+)"/.exec(match[2]);
    slots[match[3]] = { variant: variant ? variant[1] : null, text: match[4] };
  }
  return slots;
}

/** The decision injected into a page, parsed. */
export function injectedDecision(html) {
  const match = /<script type="application\/json" id="persona-decision">([\s\S]*?)<\/script>/.exec(html);
  return match ? JSON.parse(match[1]) : null;
}

/** The content of `variantId` in the sample ruleset's slot `slot` (a variant or the default). */
export function variantContent(slot, variantId) {
  const { variants, default: fallback } = sampleRuleset.slots.find((s) => s.name === slot);
  return [...variants, fallback].find((v) => v.id === variantId).content;
}

/** Polls `check` (async, truthy when done) every 20 ms for up to `ms`. */
export async function eventually(check, ms = 3000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
