#!/usr/bin/env node
// Time to personalization in headless Chromium: the demo shop (www/server.mjs, the drop-in only, against
// the real seeded store), Carla logged in, the browser cache disabled and the network throttled through
// the DevTools protocol. Measured from navigation start: first contentful paint and the drop-in's
// `persona:decision` event; plus bytes transferred and the request waterfall. A benchmark, not a test.
//
//   node www/bench-ttp.mjs [--runs N]      (build the package first: node pkg-config/build.mjs)
//
// Modes: "fetch" (the drop-in asks the store for the ruleset and the profile) and "bootstrap" (`/?bootstrap=1`:
// the shop inlines both snapshots into the page, so the drop-in requests nothing but its .wasm).
// Profiles (DevTools' presets): slow 4G 1.6 Mbps down / 750 kbps up / 150 ms RTT; fast 3G 1.44 Mbps /
// 675 kbps / 563 ms RTT. Writes www/test/output/ttp.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { outputDir, startDemo } from "./test-support/harness.mjs";

const args = process.argv.slice(2);
const RUNS = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 5;
const PROFILES = {
  "slow 4G": { latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) },
  "fast 3G": { latency: 562.5, downloadThroughput: (1.44e6 / 8), uploadThroughput: (675e3 / 8) },
};
const MODES = { fetch: "/", bootstrap: "/?bootstrap=1" };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One measured page load: Carla's cookies set, storage empty, cache disabled, the network throttled. */
async function measure(browser, siteUrl, path, conditions) {
  const context = await browser.newContext();
  try {
    const login = await context.newPage();
    await login.goto(`${siteUrl}/login?as=carla`);
    await login.waitForSelector("html[data-panel]", { state: "attached", timeout: 15_000 });
    await login.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
    await login.close();

    const page = await context.newPage();
    await page.addInitScript(() => {
      document.addEventListener("persona:decision", () => (window.__ttp = performance.now()), { once: true });
      document.addEventListener("persona:error", (e) => (window.__ttpError = e.detail), { once: true });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, ...conditions });
    const requests = new Map();
    cdp.on("Network.requestWillBeSent", (e) => {
      requests.set(e.requestId, { url: e.request.url, start: e.timestamp, end: null, bytes: 0 });
    });
    cdp.on("Network.loadingFinished", (e) => {
      const r = requests.get(e.requestId);
      if (r) Object.assign(r, { end: e.timestamp, bytes: e.encodedDataLength });
    });
    await page.goto(`${siteUrl}${path}`, { waitUntil: "commit" });
    await page.waitForFunction(() => window.__ttp !== undefined || window.__ttpError !== undefined, null, { timeout: 60_000 });
    const timing = await page.evaluate(() => ({
      ttp: window.__ttp ?? null,
      error: window.__ttpError ?? null,
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
      personalized: window.personaEdge?.decision?.personalized ?? null,
    }));
    if (timing.error) throw new Error(`the drop-in failed: ${JSON.stringify(timing.error)}`);
    const all = [...requests.values()].filter((r) => !r.url.startsWith("data:"));
    const t0 = Math.min(...all.map((r) => r.start));
    const waterfall = all
      .sort((a, b) => a.start - b.start)
      .map((r) => ({
        url: new URL(r.url).pathname + new URL(r.url).search,
        startMs: Math.round((r.start - t0) * 1000),
        endMs: r.end === null ? null : Math.round((r.end - t0) * 1000),
        bytes: r.bytes,
      }));
    return { ...timing, bytes: all.reduce((n, r) => n + r.bytes, 0), requests: waterfall.length, waterfall };
  } finally {
    await context.close();
  }
}

const demo = await startDemo({ browser: true });
const results = { date: new Date().toISOString(), runs: RUNS, profiles: PROFILES, cases: {} };
try {
  for (const [profile, conditions] of Object.entries(PROFILES)) {
    for (const [mode, path] of Object.entries(MODES)) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await measure(demo.browser, demo.site.url, path, conditions));
      const summary = {
        ttpMs: Math.round(median(runs.map((r) => r.ttp))),
        fcpMs: Math.round(median(runs.map((r) => r.fcp))),
        ttpOverFcp: +(median(runs.map((r) => r.ttp / r.fcp))).toFixed(2),
        bytes: median(runs.map((r) => r.bytes)),
        requests: median(runs.map((r) => r.requests)),
        personalized: runs.every((r) => r.personalized === true),
        waterfall: runs[0].waterfall,
      };
      results.cases[`${profile}, ${mode}`] = summary;
      console.log(`${profile.padEnd(8)} ${mode.padEnd(9)}  decision ${String(summary.ttpMs).padStart(5)} ms  FCP ${String(summary.fcpMs).padStart(5)} ms  (x${summary.ttpOverFcp})  ${(summary.bytes / 1000).toFixed(1)} KB in ${summary.requests} requests  personalized: ${summary.personalized}`);
      for (const r of summary.waterfall) console.log(`           ${String(r.startMs).padStart(5)}–${String(r.endMs).padStart(5)} ms  ${String(r.bytes).padStart(7)} B  ${r.url}`);
    }
  }
} finally {
  await demo.stop();
}
mkdirSync(outputDir, { recursive: true });
writeFileSync(join(outputDir, "ttp.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${join(outputDir, "ttp.json")}`);
