// The BUILT package in real headless Chromium. The drop-in script (persona-edge/drop-in.js): a static shop
// page with default content in three slots, the package under /pkg/ and a fake store serving the golden
// fixtures as the real store does (its media type, no-cache). Each scenario has its own URL prefix:
// /{scenario}/ is the page, /{scenario}/store/ the store (the page's data-store="store" is relative).
// And the engine itself (page/engine.html, support/engine-checks.mjs): every refusal through the browser's
// WebCrypto Ed25519 with its code, and the golden decisions.
// Run from pkg-config/test: node --test browser.test.mjs   (build first: node pkg-config/build.mjs)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  artifactsDir, fixturesDir, goldenCase, launchChromium, manifest, pkgDir, readBody, send, sendFile, slotsOf,
  startServer, watch,
} from "./browser/harness.mjs";
import { EXPECTED_REFUSALS } from "./support/engine-checks.mjs";

const pageDir = fileURLToPath(new URL("./browser/page/", import.meta.url));
const supportDir = fileURLToPath(new URL("./support/", import.meta.url));
const SNAPSHOT_TYPE = "application/vnd.persona-edge.snapshot";
const fixture = (name) => readFileSync(join(fixturesDir, name));
const ana = goldenCase("ana");
const visitor = goldenCase("visitor");
const NOW_MS = ana.context.now * 1000;
const TOKEN = "test-token";
const DEFAULTS = {
  hero: "Welcome to the demo shop",
  recommendations: "Our favourite products",
  offer: "Sign up for our newsletter",
};
const profiles = { ok: { c_ana_7f3a91: "ana.snap", c_ben_19c2e0: "ben.snap" }, tampered: { c_ana_7f3a91: "ana-tampered.snap" } };
/** POST /{scenario}/store/v1/feedback bodies. */
const feedback = [];
/** When each store request arrived: { path, at } (ms). */
const storeRequests = [];

let server;
let browser;

before(async () => {
  server = await startServer(async (req, res, url) => {
    if (url.pathname.startsWith("/pkg/")) return sendFile(res, pkgDir, url.pathname.slice("/pkg/".length));
    if (url.pathname === "/support/engine-checks.mjs") return sendFile(res, supportDir, "engine-checks.mjs");
    if (url.pathname.startsWith("/fixtures/")) return sendFile(res, fixturesDir, url.pathname.slice("/fixtures/".length));
    if (url.pathname === "/engine/") return sendFile(res, pageDir, "engine.html");
    const m = url.pathname.match(/^\/(ok|tampered|down)\/(?:store(\/.*)|(.*))$/);
    if (!m) return send(res, 404, "not found");
    const [, scenario, storePath, pagePath] = m;
    if (pagePath !== undefined) return sendFile(res, pageDir, pagePath || "index.html");
    storeRequests.push({ path: url.pathname, at: Date.now() });
    if (scenario === "down") return send(res, 500, "store down");
    // Snapshots may be kept (signed, re-verified on use) but are revalidated on every sync.
    const snapshot = (file) => send(res, 200, fixture(file), SNAPSHOT_TYPE, { "cache-control": "private, no-cache" });
    if (req.method === "GET" && storePath === "/v1/ruleset") return snapshot(manifest.ruleset);
    const profile = storePath.match(/^\/v1\/profiles\/([^/]+)\/snapshot$/);
    if (req.method === "GET" && profile) {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, "unauthorized");
      const file = profiles[scenario][decodeURIComponent(profile[1])];
      return file ? snapshot(file) : send(res, 404, "no such profile");
    }
    if (req.method === "POST" && storePath === "/v1/feedback") {
      feedback.push({ scenario, type: req.headers["content-type"], body: (await readBody(req)).toString() });
      return send(res, 204, "");
    }
    return send(res, 404, "not found");
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens `path` with the clock pinned to the golden `now`; resolves once the drop-in reported back. */
async function open(path, { cookies = [], fail = [], context: given, setup } = {}) {
  const context = given ?? (await browser.newContext());
  if (cookies.length) await context.addCookies(cookies.map((c) => ({ ...c, url: server.origin })));
  for (const pattern of fail) await context.route(pattern, (route) => route.fulfill({ status: 404, body: "gone" }));
  await setup?.(context);
  const page = await context.newPage();
  const seen = watch(page);
  await page.clock.setFixedTime(NOW_MS);
  await page.goto(server.origin + path);
  await page.waitForFunction(() => window.__persona.events.length > 0, null, { timeout: 15_000 }).catch(() => {});
  const events = await page.evaluate(() => window.__persona.events);
  const state = await page.evaluate(() => ({
    error: document.documentElement.dataset.personaError ?? null,
    slots: Object.fromEntries([...document.querySelectorAll("[data-persona-slot]")].map((el) => [
      el.dataset.personaSlot, { variant: el.dataset.personaVariant ?? null, text: el.textContent },
    ])),
    debug: { client: !!window.personaEdge?.client, decision: window.personaEdge?.decision ?? null },
  }));
  const why = () => `\nevents: ${JSON.stringify(events)}\nconsole:\n${seen.console.join("\n")}\npage errors:\n${seen.pageErrors.join("\n")}`;
  return { page, context, seen, events, state, why };
}

async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

function assertDefaults(state, why) {
  for (const [slot, text] of Object.entries(DEFAULTS)) {
    assert.equal(state.slots[slot].text, text, `${slot} keeps its default content${why()}`);
    assert.equal(state.slots[slot].variant, null, `${slot} is not marked${why()}`);
  }
}

function assertGoldenSlots(state, decision, why) {
  for (const [slot, { variant, content }] of Object.entries(slotsOf(decision))) {
    assert.equal(state.slots[slot].variant, variant, `${slot} variant${why()}`);
    assert.equal(state.slots[slot].text, content, `${slot} content${why()}`);
  }
}

test("ana: slots are filled with her golden decision, shown feedback is sent", { timeout: 30_000 }, async () => {
  const { page, context, seen, events, state, why } = await open("/ok/");
  assert.deepEqual(events.map((e) => e.type), ["persona:decision"], `one persona:decision${why()}`);
  assert.equal(state.error, null);
  assertGoldenSlots(state, ana.expected.decision, why);
  assert.equal(state.slots.hero.text, "We're on it: your open request comes first. Track it in your account.");
  assert.equal(state.slots.hero.variant, "hero-service");
  const { detail } = events[0];
  assert.equal(detail.decision.subject, "c_ana_7f3a91");
  assert.equal(detail.decision.personalized, true);
  assert.deepEqual(detail.decision.content, ana.expected.decision.content);
  assert.equal(state.debug.client, true, "window.personaEdge.client");
  assert.deepEqual(state.debug.decision, detail.decision, "window.personaEdge.decision");

  // "shown" feedback for the three slots reaches the store (the client may batch it).
  const deadline = Date.now() + 5_000;
  while (!feedback.some((f) => f.scenario === "ok") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const sent = feedback.filter((f) => f.scenario === "ok").map((f) => f.body).join("\n");
  for (const variant of ["hero-service", "rec-camping-stove", "offer-none-service"]) {
    assert.ok(sent.includes(variant), `feedback mentions ${variant}: ${sent}${why()}`);
  }
  assert.deepEqual(seen.pageErrors, []);
  await screenshot(page, "ana");
  await context.close();
});

test("tampered profile snapshot: default content stays, persona:error tampered", { timeout: 30_000 }, async () => {
  const { page, context, seen, events, state, why } = await open("/tampered/");
  assert.equal(state.error, "tampered", `<html data-persona-error>${why()}`);
  const errors = events.filter((e) => e.type === "persona:error");
  assert.equal(errors.length, 1, `one persona:error${why()}`);
  assert.equal(errors[0].detail.code, "tampered");
  assert.equal(typeof errors[0].detail.message, "string");
  assert.ok(!events.some((e) => e.type === "persona:decision"), `no persona:decision${why()}`);
  assertDefaults(state, why);
  assert.equal(await page.innerHTML("[data-persona-slot=offer]"), "<em>Sign up for our newsletter</em>");
  assert.deepEqual(seen.pageErrors, []);
  await screenshot(page, "tampered");
  await context.close();
});

test("store down (500): default content, the page still works, no uncaught errors", { timeout: 30_000 }, async () => {
  const { page, context, seen, events, state, why } = await open("/down/");
  assert.ok(server.requests.includes("GET /down/store/v1/ruleset"), `the store was asked${why()}`);
  assertDefaults(state, why);
  assert.ok(events.some((e) => e.type === "persona:error"), `persona:error${why()}`);
  assert.ok(!events.some((e) => e.type === "persona:decision"), `no persona:decision${why()}`);
  assert.equal(state.error, "http_status", `<html data-persona-error>${why()}`);
  assert.equal(events.find((e) => e.type === "persona:error").detail.code, "http_status");
  await page.click("#counter");
  await page.click("#counter");
  assert.equal(await page.textContent("#counter"), "clicked 2");
  assert.deepEqual(seen.pageErrors, [], "no uncaught errors");
  await screenshot(page, "store-down");
  await context.close();
});

test("store down after a good visit: the verified copies in localStorage are used", { timeout: 30_000 }, async () => {
  const context = await browser.newContext();
  const first = await open("/ok/", { context });
  assert.equal(first.state.slots.hero.variant, "hero-service", `first visit${first.why()}`);
  await first.page.close();
  const { seen, events, state, why } = await open("/down/", { context });
  assert.deepEqual(events.map((e) => e.type), ["persona:decision"], `one persona:decision${why()}`);
  assert.equal(events[0].detail.rulesetStatus, "fallback");
  assert.equal(events[0].detail.profileStatus, "fallback");
  assertGoldenSlots(state, ana.expected.decision, why);
  assert.equal(state.error, null);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test("global config without subject: non-personalized defaults from the ruleset", { timeout: 30_000 }, async () => {
  const { page, context, seen, events, state, why } = await open("/ok/global.html");
  assert.deepEqual(events.map((e) => e.type), ["persona:decision"], `one persona:decision${why()}`);
  assert.equal(events[0].detail.decision.personalized, false);
  assertGoldenSlots(state, visitor.expected.decision, why);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
  void page;
});

test("global config with a base64url snapshot cookie: personalized without asking the store", { timeout: 30_000 }, async () => {
  const before = server.requests.length;
  const snapshot = fixture("ana.snap").toString("base64url");
  const { context, seen, events, state, why } = await open("/tampered/global.html", {
    cookies: [{ name: "persona_snapshot", value: snapshot }],
  });
  assert.deepEqual(events.map((e) => e.type), ["persona:decision"], `one persona:decision${why()}`);
  assertGoldenSlots(state, ana.expected.decision, why);
  assert.ok(!server.requests.slice(before).some((r) => r.includes("/v1/profiles/")), "the store was not asked for the profile");
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test("the drop-in is one module: it loads nothing from the package but itself and the .wasm", { timeout: 30_000 }, async () => {
  const from = server.requests.length;
  const { context, events, why } = await open("/ok/");
  assert.deepEqual(events.map((e) => e.type), ["persona:decision"], `one persona:decision${why()}`);
  const loaded = server.requests.slice(from).filter((r) => r.startsWith("GET /pkg/"));
  assert.deepEqual(loaded.sort(), ["GET /pkg/drop-in.js", "GET /pkg/persona_edge_bg.wasm"]);
  await context.close();
});

test("the .wasm fails to load: persona:error load_failed, default content, no uncaught errors", { timeout: 30_000 }, async () => {
  const { page, context, seen, events, state, why } = await open("/ok/", { fail: ["**/persona_edge_bg.wasm"] });
  assert.deepEqual(events.map((e) => e.type), ["persona:error"], `one persona:error${why()}`);
  assert.equal(events[0].detail.code, "load_failed");
  assert.equal(state.error, "load_failed", `<html data-persona-error>${why()}`);
  assertDefaults(state, why);
  await page.click("#counter");
  assert.equal(await page.textContent("#counter"), "clicked 1");
  assert.deepEqual(seen.pageErrors, [], "no uncaught errors");
  await context.close();
});

test("the engine in Chromium: every refusal through WebCrypto Ed25519 with its code, golden decisions", { timeout: 30_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const seen = watch(page);
  await page.goto(`${server.origin}/engine/`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 15_000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.error, undefined, `${result.error}\n${seen.console.join("\n")}`);
  assert.deepEqual(result.refusals, EXPECTED_REFUSALS);
  assert.equal(Object.keys(result.golden).length, manifest.cases.length);
  for (const c of manifest.cases) {
    assert.deepEqual(result.golden[c.name].profile, c.expected.profile, c.name);
    assert.deepEqual(result.golden[c.name].decision, c.expected.decision, c.name);
  }
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test("no waterfall: the store is asked while the .wasm is still loading", { timeout: 30_000 }, async () => {
  let wasmServedAt = null;
  const from = storeRequests.length;
  const { context, seen, events, state, why } = await open("/ok/", {
    setup: (ctx) => ctx.route("**/persona_edge_bg.wasm", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      wasmServedAt = Date.now();
      await route.continue();
    }),
  });
  assert.deepEqual(events.map((e) => e.type), ["persona:decision"], `one persona:decision${why()}`);
  assertGoldenSlots(state, ana.expected.decision, why);
  const asked = storeRequests.slice(from).filter((r) => /^\/ok\/store\/v1\/(ruleset|profiles\/)/.test(r.path));
  assert.equal(asked.length, 2, `the ruleset and the profile were asked${why()}`);
  assert.ok(wasmServedAt !== null);
  for (const r of asked) assert.ok(r.at < wasmServedAt, `${r.path} asked ${wasmServedAt - r.at} ms before the .wasm was served`);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test("no Ed25519 in the browser's WebCrypto: persona:error unsupported_runtime, default content", { timeout: 30_000 }, async () => {
  const { context, seen, events, state, why } = await open("/ok/", {
    setup: (ctx) => ctx.addInitScript(() => {
      crypto.subtle.importKey = () => Promise.reject(new DOMException("Unrecognized algorithm name", "NotSupportedError"));
    }),
  });
  assert.deepEqual(events.map((e) => e.type), ["persona:error"], `one persona:error${why()}`);
  assert.equal(events[0].detail.code, "unsupported_runtime");
  assert.equal(state.error, "unsupported_runtime");
  assertDefaults(state, why);
  assert.deepEqual(seen.pageErrors, [], "no uncaught errors");
  await context.close();
});
