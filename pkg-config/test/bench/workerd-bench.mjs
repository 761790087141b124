#!/usr/bin/env node
// The comparison of node-bench.mjs inside workerd, the Workers runtime, through miniflare: persona-edge
// through the package's "workerd" entry (its .wasm a CompiledWasm module), json-logic-engine and
// json-logic-js, on the same 50 rules and the same profiles, timed inside the isolate.
//
//   node pkg-config/test/bench/workerd-bench.mjs [DIR]   (build the package first: node pkg-config/build.mjs)
//
// DIR as for node-bench.mjs (generated when DIR/meta.json is missing). Env: PERSONA_EDGE_PKG=DIR benchmarks
// another build of the package; BENCH_PROFILES=N uses the first N profiles (default: all 1,000, sent in one
// ~2 MB request body).
//
// How the worker is assembled: miniflare's explicit `modules` list (no bundler). The package's files are
// listed under `node_modules/persona-edge/` (the .wasm as "CompiledWasm", the rest as "ESModule"), plus a
// module named `persona-edge` re-exporting the file its package.json maps the "workerd" condition to, so the
// worker imports `persona-edge` like user code; json-logic-engine is its own ES module build (one file);
// json-logic-js (UMD) is wrapped into an ES module (`const module = {exports: {}}; ...; export default
// module.exports`, roughly what a bundler such as wrangler's esbuild does with CommonJS) and ALSO given as a
// workerd "CommonJS" module (`json-logic-js-commonjs`), measured separately: that form runs ~5x slower.
//
// Timing: workerd's clocks (performance.now() === Date.now(), 1 ms resolution) are Spectre-mitigated: on
// the Cloudflare platform they do not advance while JavaScript runs, only across I/O. This script measures
// whether they advance in the local workerd, and times every batch twice:
//   in-isolate  performance.now() around N passes inside one request (batches of >= TARGET_MS, so the 1 ms
//               resolution costs < 1 %); used only if the clock is seen to advance during computation;
//   outside     Node's clock around the whole request, minus the median of empty requests (/noop).
// Results: a table on stdout and DIR/workerd-results.json.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { median, perItemUs } from "./shared.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const nodeModules = resolve(here, "../node_modules");
const dir = resolve(process.argv[2] ?? join(tmpdir(), "persona-edge-bench"));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const TARGET_MS = 150;
const COMPAT_DATE = "2026-04-01";

if (!existsSync(join(dir, "meta.json"))) {
  console.log(`generating the inputs in ${dir}`);
  execFileSync("cargo", ["run", "--release", "--example", "bench_profiles", "--", dir], { cwd: repo, stdio: "inherit" });
}
const { Miniflare } = await import("miniflare");

const pkgDir = process.env.PERSONA_EDGE_PKG ? resolve(process.env.PERSONA_EDGE_PKG) : join(nodeModules, "persona-edge");
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const pkgJson = readJson(join(pkgDir, "package.json"));
const workerdEntry = pkgJson.exports["."].workerd;
if (typeof workerdEntry !== "string") throw new Error("persona-edge has no \"workerd\" export condition");
const versionOf = (name) => readJson(join(nodeModules, name, "package.json")).version;
const workerdVersion = (() => {
  try {
    return execFileSync(join(nodeModules, "@cloudflare/workerd-linux-64/bin/workerd"), ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return `workerd from miniflare ${versionOf("miniflare")}`;
  }
})();

// ---- the worker's modules ----
const ROOT = "/persona-edge-bench"; // virtual: every module is given with its contents
/** The package's files reachable from its "workerd" entry through static relative imports. */
function packageModules() {
  const out = [];
  const seen = new Set();
  const visit = (rel) => {
    const file = join(pkgDir, rel);
    if (seen.has(file)) return;
    seen.add(file);
    const virtual = join(ROOT, "node_modules/persona-edge", rel);
    if (file.endsWith(".wasm")) {
      out.push({ type: "CompiledWasm", path: virtual, contents: readFileSync(file) });
      return;
    }
    const source = readFileSync(file, "utf8");
    out.push({ type: "ESModule", path: virtual, contents: source });
    // Relative imports at the start of a line or after the `;` before them (minified files).
    for (const [, spec] of source.matchAll(/(?:^|[\n;])\s*(?:import|export)\b[^'";]*?["'](\.{1,2}\/[^"']+)["']/g)) {
      visit(join(dirname(rel), spec));
    }
  };
  visit(workerdEntry.replace(/^\.\//, ""));
  return out;
}
function modulesFor(main, { jsEngines = true } = {}) {
  return [
    { type: "ESModule", path: join(ROOT, "main.mjs"), contents: main },
    { type: "ESModule", path: join(ROOT, "shared.mjs"), contents: readFileSync(join(here, "shared.mjs"), "utf8") },
    { type: "ESModule", path: join(ROOT, "persona-edge"), contents: `export * from "./node_modules/persona-edge/${workerdEntry.replace(/^\.\//, "")}";\n` },
    ...packageModules(),
    ...(jsEngines ? jsEngineModules() : []),
  ];
}
function jsEngineModules() {
  const jle = readJson(join(nodeModules, "json-logic-engine/package.json"));
  const jlj = readJson(join(nodeModules, "json-logic-js/package.json"));
  const jljSource = readFileSync(join(nodeModules, "json-logic-js", jlj.main), "utf8");
  return [
    { type: "ESModule", path: join(ROOT, "json-logic-engine"), contents: readFileSync(join(nodeModules, "json-logic-engine", jle.module), "utf8") },
    { type: "ESModule", path: join(ROOT, "json-logic-js"), contents: `const module = { exports: {} };\nconst exports = module.exports;\n${jljSource}\nexport default module.exports;\n` },
    { type: "CommonJS", path: join(ROOT, "json-logic-js-commonjs"), contents: jljSource },
  ];
}
const miniflare = (main, modules = modulesFor(main)) =>
  new Miniflare({ modulesRoot: ROOT, modules, compatibilityDate: COMPAT_DATE });

// ---- inputs ----
const meta = readJson(join(dir, "meta.json"));
const hex = (path) => readFileSync(path).toString("hex");
let ndjson = readFileSync(join(dir, "profiles.ndjson"), "utf8");
const limit = Number(process.env.BENCH_PROFILES ?? 0);
if (limit > 0) ndjson = ndjson.split("\n").slice(0, limit).join("\n");
const body = JSON.stringify({ meta, ruleset: hex(join(dir, "ruleset.snap")), ruleset0: hex(join(dir, "ruleset-0.snap")), profiles: ndjson });

async function call(mf, path, init) {
  const response = await mf.dispatchFetch(`http://bench.local${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return text;
}

// ---- 1. the clock inside workerd ----
const clockProbe = `export default { async fetch() {
  const start = performance.now(); let last = start; const steps = []; let reads = 0;
  while (steps.length < 20 && reads < 3e7) { const t = performance.now(); reads++; if (t !== last) { steps.push(t - last); last = t; } }
  const beforeIo = performance.now(); await scheduler.wait(1); const afterIo = performance.now();
  return Response.json({ advancedDuringCompute: steps.length > 0, steps, reads, computeMs: last - start, ioMs: afterIo - beforeIo, sameAsDate: Math.abs(Date.now() - performance.now() - performance.timeOrigin) < 2 });
} }`;
const probeMf = miniflare(clockProbe, [{ type: "ESModule", path: join(ROOT, "probe.mjs"), contents: clockProbe }]);
const clock = JSON.parse(await call(probeMf, "/"));
await probeMf.dispose();
const resolutionMs = clock.steps.length ? Math.min(...clock.steps) : null;
console.log(`workerd clock: ${clock.advancedDuringCompute ? `advances during computation (steps of ${resolutionMs} ms)` : "frozen during computation"}`);
const inIsolate = clock.advancedDuringCompute;

// ---- 2. the comparison ----
const mf = miniflare(readFileSync(join(here, "worker.mjs"), "utf8"));
const setupStart = performance.now();
const setup = JSON.parse(await call(mf, "/setup", { method: "POST", body, headers: { "content-type": "application/json" } }));
console.log(`setup in workerd (${(body.length / 1e6).toFixed(1)} MB body, ${setup.profiles} profiles): ${(performance.now() - setupStart).toFixed(0)} ms`);
console.log(`agreement: all ${setup.agreement.engines.length} engines match the same segments on all ${setup.agreement.profiles} profiles (${setup.agreement.meanMatchedSegments} on average)`);
console.log(`json-logic-engine compiled mode: ${setup.jleCompiled}${setup.jleCompiledError ? ` (${setup.jleCompiledError}); its interpreted mode is measured instead` : ""}`);

const runCase = async (name, reps) => {
  const t0 = performance.now();
  const r = JSON.parse(await call(mf, `/run?case=${name}&reps=${reps}`));
  return { ...r, wallMs: performance.now() - t0 };
};
const noops = [];
for (let i = 0; i < 40; i++) {
  const t0 = performance.now();
  await call(mf, "/noop");
  noops.push(performance.now() - t0);
}
const noopMs = median(noops.slice(10));

const cases = Object.keys(setup.cases);
const reps = {};
for (const name of cases) {
  await runCase(name, 3); // warm-up: JIT and wasm tier-up
  const one = await runCase(name, 1);
  const ms = inIsolate && one.elapsedMs > 0 ? one.elapsedMs : Math.max(0.1, one.wallMs - noopMs);
  reps[name] = Math.max(1, Math.ceil(TARGET_MS / ms));
}
const inside = Object.fromEntries(cases.map((k) => [k, []]));
const outside = Object.fromEntries(cases.map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const name of cases) {
    const res = await runCase(name, reps[name]);
    inside[name].push(res.elapsedMs / reps[name]);
    outside[name].push((res.wallMs - noopMs) / reps[name]);
  }
}
await mf.dispose();
const stats = Object.fromEntries(cases.map((k) => [k, {
  inIsolate: inIsolate ? perItemUs(inside[k], setup.cases[k]) : null,
  outside: perItemUs(outside[k], setup.cases[k]),
  repsPerRequest: reps[k],
}]));

// ---- 3. cold start: fresh workerd processes ----
const first = JSON.parse(ndjson.slice(0, ndjson.indexOf("\n")));
const coldBody = JSON.stringify({ meta: { now: meta.now, public_key_hex: meta.public_key_hex, audience: meta.audience }, ruleset: hex(join(dir, "ruleset.snap")), profile: first });
const emptyWorker = `export default { fetch() { return new Response("ok"); } };`;
const cold = [];
const empty = [];
for (let i = 0; i < COLD_RUNS; i++) {
  // Startup (workerd process + loading the worker, which compiles the CompiledWasm module) with and without
  // persona-edge, then the first request.
  let t0 = performance.now();
  const base = miniflare(emptyWorker, [{ type: "ESModule", path: join(ROOT, "main.mjs"), contents: emptyWorker }]);
  await base.ready;
  const emptyReady = performance.now() - t0;
  t0 = performance.now();
  await call(base, "/");
  empty.push({ readyMs: emptyReady, firstRequestMs: performance.now() - t0 });
  await base.dispose();

  t0 = performance.now();
  const coldWorker = readFileSync(join(here, "cold-worker.mjs"), "utf8");
  const coldMf = miniflare(coldWorker, modulesFor(coldWorker, { jsEngines: false }));
  await coldMf.ready;
  const readyMs = performance.now() - t0;
  const t1 = performance.now();
  const res = JSON.parse(await call(coldMf, "/", { method: "POST", body: coldBody }));
  const firstRequestMs = performance.now() - t1;
  await coldMf.dispose();
  if (res.matched.join(",") !== first.expected.join(",")) throw new Error(`cold start decided [${res.matched}], expected [${first.expected}]`);
  cold.push({ readyMs, firstRequestMs, steps: res.steps });
}
const coldStats = {
  runs: COLD_RUNS,
  inIsolateStepsMs: Object.fromEntries(Object.keys(cold[0].steps).map((s) => [s, median(cold.map((c) => c.steps[s]))])),
  inIsolateTotalMs: median(cold.map((c) => Object.values(c.steps).reduce((a, b) => a + b, 0))),
  firstRequestWallMs: +median(cold.map((c) => c.firstRequestMs)).toFixed(2),
  startupWithPersonaEdgeMs: +median(cold.map((c) => c.readyMs)).toFixed(1),
  startupEmptyWorkerMs: +median(empty.map((c) => c.readyMs)).toFixed(1),
  emptyWorkerFirstRequestWallMs: +median(empty.map((c) => c.firstRequestMs)).toFixed(2),
};

// ---- report ----
const labels = {
  decide: "persona-edge decide() (wasm): 50 segments + channel + send time + content, Decision as JS objects",
  decideNoSegments: "persona-edge decide() (wasm), same ruleset without segments",
  jleCompiled: `json-logic-engine ${versionOf("json-logic-engine")} compiled (engine.build): 50 rules`,
  jleInterpreted: `json-logic-engine ${versionOf("json-logic-engine")} interpreted (engine.run): 50 rules`,
  jsonLogicJs: `json-logic-js ${versionOf("json-logic-js")} apply: 50 rules`,
  jsonLogicJsCommonJs: `json-logic-js ${versionOf("json-logic-js")} apply, loaded as a workerd CommonJS module: 50 rules`,
  verifyProfile: `persona-edge verifyProfile, first time (WebCrypto Ed25519 + checks + decode, ${meta.profile_snapshot_bytes.mean}-byte mean)`,
  verifyProfileCached: "persona-edge verifyProfile, same bytes again (cache hit: expiry, subject, rollback re-checked)",
  loadRuleset: `persona-edge loadRuleset (verify + decode + validate, ${meta.ruleset.bytes} bytes)`,
};
console.log(`\n${workerdVersion} (miniflare ${versionOf("miniflare")}), ${setup.profiles} profiles, ${ROUNDS} rounds; per item, median of rounds`);
const w = Math.max(...cases.map((k) => labels[k].length));
console.log(`${"what".padEnd(w)}  in-isolate µs   outside µs`);
for (const k of cases) {
  const s = stats[k];
  console.log(`${labels[k].padEnd(w)}  ${(s.inIsolate ? s.inIsolate.medianUs.toFixed(2) : "n/a").padStart(13)}   ${s.outside.medianUs.toFixed(2).padStart(10)}`);
}
console.log(`(empty request round trip: ${noopMs.toFixed(2)} ms, subtracted from the outside times)`);
console.log(`\ncold start, median of ${COLD_RUNS} fresh workerd processes:`);
console.log(`  in the isolate (1 ms clock): ${Object.entries(coldStats.inIsolateStepsMs).map(([k, v]) => `${k} ${v}`).join(", ")}; total ${coldStats.inIsolateTotalMs} ms`);
console.log(`  first request, wall from Node: ${coldStats.firstRequestWallMs} ms (empty worker: ${coldStats.emptyWorkerFirstRequestWallMs} ms)`);
console.log(`  workerd startup to ready: ${coldStats.startupWithPersonaEdgeMs} ms with persona-edge's CompiledWasm module, ${coldStats.startupEmptyWorkerMs} ms for an empty worker`);

const results = {
  runtime: "workerd",
  date: new Date().toISOString(),
  workerd: workerdVersion,
  miniflare: versionOf("miniflare"),
  compatibilityDate: COMPAT_DATE,
  host: `Node ${process.version}`,
  versions: { "json-logic-engine": versionOf("json-logic-engine"), "json-logic-js": versionOf("json-logic-js"), "persona-edge": pkgJson.version },
  package: pkgDir,
  wasmBytes: readFileSync(join(pkgDir, "persona_edge_bg.wasm")).length,
  requestBodyBytes: body.length,
  clock: { ...clock, resolutionMs, usedInIsolate: inIsolate },
  noopRoundTripMs: noopMs,
  setup,
  rounds: ROUNDS,
  perItem: stats,
  coldStart: coldStats,
  coldRuns: cold,
  emptyWorkerRuns: empty,
};
writeFileSync(join(dir, "workerd-results.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${join(dir, "workerd-results.json")}`);
