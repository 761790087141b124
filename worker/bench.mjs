#!/usr/bin/env node
// The edge worker's numbers: bundle size, cold start, per-request decision overhead (BENCHMARKS.md,
// "Edge worker (workerd)").
//
//   cd worker && node bench.mjs [OUT.json]
//
// Env: BENCH_REQUESTS (per scenario, default 300), BENCH_WARMUP (default 30), BENCH_COLD_RUNS (default 7).
// Runs against the real store (target/debug/persona with the sample customers, as the tests do) and a local
// origin serving a small HTML page with the three slots.
//
// 1. Bundle: what `wrangler deploy` would upload, module by module as runtime.mjs lists them (the worker's
//    src/, the package's JS reachable from its "workerd" entry, the .wasm), raw and gzip -9.
// 2. Cold start, COLD_RUNS times: a fresh workerd (new Miniflare) until ready, then the first request of a
//    known customer (ruleset and profile both fetched from the store); wall time from Node, and the
//    Server-Timing `dur` the isolate reports for that first decision. An empty worker's start is the baseline.
// 3. Per request, warm: the same page through the persona worker and through a passthrough worker
//    (`fetch(request)` only), interleaved, for: an anonymous visitor; a snapshot in a cookie (also through a
//    worker without the KV binding, i.e. without the KV read of the rollback mark); a snapshot in KV; a
//    snapshot from the store (revalidated: a 304 per request, as its `Cache-Control: no-cache` asks).
//    Medians of the wall time from Node and of the Server-Timing `dur` (workerd's clock has a 1 ms
//    resolution, so the mean of `dur` is given as well).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Miniflare } from "miniflare";
import { loadKvJson, readWranglerConfig, startWorker, workerModules, workerOptions } from "./runtime.mjs";
import { AUDIENCE, SUBJECTS, browse, cookies, startOrigin, startStore } from "./harness.mjs";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 7);
const PASSTHROUGH = "export default { fetch: (request) => fetch(request) };\n";

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const ms = (value, digits = 2) => `${value.toFixed(digits)} ms`;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const serverTiming = (response) => Number(/persona;dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1] ?? NaN);

// ---- 1. bundle size ----
function bundleSize() {
  const parts = { "worker src/": [], "persona-edge JS": [], "persona-edge .wasm": [] };
  for (const module of workerModules(readWranglerConfig().main)) {
    if (module.type === "CompiledWasm") parts["persona-edge .wasm"].push(module.contents);
    else if (module.path.includes("/node_modules/") || module.path.endsWith("/persona-edge")) parts["persona-edge JS"].push(module.contents);
    else parts["worker src/"].push(module.contents);
  }
  const sizes = {};
  for (const [name, contents] of Object.entries(parts)) {
    const bytes = contents.map((c) => Buffer.from(c));
    sizes[name] = {
      modules: bytes.length,
      raw: bytes.reduce((n, b) => n + b.length, 0),
      gzip: bytes.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0),
    };
  }
  const all = Object.values(sizes);
  sizes.total = { modules: all.reduce((n, s) => n + s.modules, 0), raw: all.reduce((n, s) => n + s.raw, 0), gzip: all.reduce((n, s) => n + s.gzip, 0) };
  return sizes;
}

// ---- setup ----
const store = await startStore();
const origin = await startOrigin();
const vars = { STORE_URL: store.url, AUDIENCE, PUBLIC_KEYS: store.publicKey };
/** The baseline: a worker that only passes the request to the origin, in the same runtime setup. */
const startPassthrough = async () => {
  const options = workerOptions({ vars, upstream: origin.url });
  const mf = new Miniflare({ ...options, modules: [{ type: "ESModule", path: join(options.modulesRoot, "passthrough.js"), contents: PASSTHROUGH }] });
  await mf.ready;
  return mf;
};
const tokenOf = Object.fromEntries(Object.values(SUBJECTS).map((s) => [s, store.token(s)]));
const visitor = (name) => cookies({ subject: SUBJECTS[name], token: tokenOf[SUBJECTS[name]] });
const kvJson = store.publish();
const results = { date: new Date().toISOString(), node: process.version, requests: REQUESTS, coldRuns: COLD_RUNS };

try {
  results.bundle = bundleSize();

  // ---- 2. cold start ----
  const cold = [];
  const empty = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    let t0 = performance.now();
    const base = await startPassthrough();
    empty.push(performance.now() - t0);
    await base.dispose();

    t0 = performance.now();
    const { mf } = await startWorker({ vars, upstream: origin.url });
    const readyMs = performance.now() - t0;
    const t1 = performance.now();
    const { response } = await browse(mf, "/", visitor("david"));
    const firstMs = performance.now() - t1;
    if (response.headers.get("x-persona-subject") !== SUBJECTS.david) throw new Error(`cold start ${i}: not personalized (${response.headers.get("x-persona-error")})`);
    cold.push({ readyMs, firstMs, totalMs: readyMs + firstMs, inIsolateMs: serverTiming(response) });
    await mf.dispose();
  }
  results.coldStart = {
    emptyWorkerReadyMs: median(empty),
    readyMs: median(cold.map((c) => c.readyMs)),
    firstRequestMs: median(cold.map((c) => c.firstMs)),
    toFirstPersonalizedMs: median(cold.map((c) => c.totalMs)),
    firstDecisionInIsolateMs: median(cold.map((c) => c.inIsolateMs)),
    runs: cold,
  };

  // ---- 3. per request ----
  const { mf: persona } = await startWorker({ vars, upstream: origin.url });
  await loadKvJson(persona, kvJson);
  const passthrough = await startPassthrough();
  const kv = await persona.getKVNamespace("PERSONA_KV");
  await kv.delete(`profile:${tokenOf[SUBJECTS.ben]}`); // Ben's snapshot comes from the store
  const cookieVisitor = cookies({ subject: "c_bench_cookie", snapshot: store.sign({ subject: "c_bench_cookie", seq: 1 }) });
  // The same worker without the KV binding: no KV read for the rollback mark (isolate memory only).
  const withoutKv = new Miniflare({ ...workerOptions({ vars, upstream: origin.url }), kvNamespaces: [] });
  await withoutKv.ready;
  const scenarios = {
    anonymous: { cookie: "", source: null },
    cookie: { cookie: cookieVisitor, source: "cookie" },
    "cookie, no KV": { cookie: cookieVisitor, source: "cookie", worker: withoutKv },
    kv: { cookie: visitor("carla"), source: "kv" },
    "store (304)": { cookie: visitor("ben"), source: "store_not_modified" },
  };
  results.perRequest = {};
  for (const [name, { cookie, worker = persona }] of Object.entries(scenarios)) {
    const wall = { persona: [], passthrough: [] };
    const dur = [];
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      let t0 = performance.now();
      const viaPersona = await browse(worker, "/", cookie);
      const personaMs = performance.now() - t0;
      t0 = performance.now();
      await browse(passthrough, "/", cookie);
      const passMs = performance.now() - t0;
      if (viaPersona.response.headers.get("x-persona-error")) throw new Error(`${name}: ${viaPersona.response.headers.get("x-persona-error")}`);
      if (i < WARMUP) continue;
      wall.persona.push(personaMs);
      wall.passthrough.push(passMs);
      dur.push(serverTiming(viaPersona.response));
    }
    const source = JSON.parse(/id="persona-decision">([\s\S]*?)<\/script>/.exec((await browse(worker, "/", cookie)).text)[1]).profileSource;
    if (source !== scenarios[name].source) throw new Error(`${name}: the profile came from ${source}`);
    results.perRequest[name] = {
      wallPersonaMs: median(wall.persona),
      wallPassthroughMs: median(wall.passthrough),
      overheadMs: median(wall.persona) - median(wall.passthrough),
      serverTimingMedianMs: median(dur),
      serverTimingMeanMs: mean(dur),
    };
  }
  await Promise.all([persona.dispose(), withoutKv.dispose(), passthrough.dispose()]);
} finally {
  await origin.close();
  await store.close();
}

// ---- report ----
console.log(`bundle (raw / gzip -9):`);
for (const [name, s] of Object.entries(results.bundle)) {
  console.log(`  ${name.padEnd(20)} ${String(s.modules).padStart(2)} modules  ${kib(s.raw).padStart(10)}  ${kib(s.gzip).padStart(10)}`);
}
const c = results.coldStart;
console.log(`\ncold start, median of ${COLD_RUNS}:`);
console.log(`  workerd start to ready:          ${ms(c.readyMs, 0)} (an empty worker: ${ms(c.emptyWorkerReadyMs, 0)})`);
console.log(`  first request (personalized):    ${ms(c.firstRequestMs, 1)} wall; ${ms(c.firstDecisionInIsolateMs, 0)} in the isolate (Server-Timing)`);
console.log(`  start to first personalized:     ${ms(c.toFirstPersonalizedMs, 0)}`);
console.log(`\nper request, warm, median of ${REQUESTS} (wall from Node through workerd; passthrough = fetch(request) only):`);
console.log(`  ${"visitor".padEnd(14)} ${"persona".padStart(10)} ${"passthrough".padStart(12)} ${"overhead".padStart(10)} ${"dur median".padStart(11)} ${"dur mean".padStart(9)}`);
for (const [name, r] of Object.entries(results.perRequest)) {
  console.log(`  ${name.padEnd(14)} ${ms(r.wallPersonaMs).padStart(10)} ${ms(r.wallPassthroughMs).padStart(12)} ${ms(r.overheadMs).padStart(10)} ${ms(r.serverTimingMedianMs, 1).padStart(11)} ${ms(r.serverTimingMeanMs).padStart(9)}`);
}
if (process.argv[2]) {
  writeFileSync(process.argv[2], `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${process.argv[2]}`);
}
