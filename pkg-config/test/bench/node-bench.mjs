#!/usr/bin/env node
// persona-edge (WebAssembly, the built npm package) against json-logic-engine and json-logic-js in ONE Node
// process, on the same 50 rules (samples/bench/ruleset-50.json) and the same 1,000 profiles.
//
//   node pkg-config/test/bench/node-bench.mjs [DIR]     (from the repository root; build the package first:
//                                                        node pkg-config/build.mjs)
//
// DIR (default: $TMPDIR/persona-edge-bench) holds the inputs written by
// `cargo run --release --example bench_profiles -- DIR`; they are generated when DIR/meta.json is missing.
//
// What is timed (after checking that all engines match exactly the same segments for every profile):
//   persona-edge decide    one Engine (as per page or isolate) with the ruleset, each profile verified once
//                          beforehand (a VerifiedProfile) and its session a Session; `engine.decide({ profile,
//                          session, context })` on all 1,000: segments AND channel, send time, content
//                          slots, and the whole Decision converted to JS objects.
//   persona-edge decide,   the same with a ruleset that has no segments (same policies): what a decision
//     no segments          costs besides the 50 segments.
//   json-logic-engine      compiled (`engine.build(rule)`, generated JS) and interpreted (`engine.run`), the 50
//                          rules on each profile's data document (built beforehand, not timed).
//   json-logic-js          `jsonLogic.apply(rule, data)`, same.
//   verifyProfile          WebCrypto Ed25519 verify + every other check + decode of one profile snapshot
//                          (a first request), and the same bytes again (a returning visitor: cache hit).
//   loadRuleset            verify + decode + validate of the 50-segment ruleset snapshot.
//   cold start             fresh `node` processes (cold-start.mjs), median of several.
// Results: a table on stdout and DIR/node-results.json.
//
// The package benchmarked is the installed one (node_modules/persona-edge -> ../../pkg); set
// PERSONA_EDGE_PKG=DIR to benchmark another build of it (e.g. `node pkg-config/build.mjs --out DIR`).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  checkAgreement, personaEdgeSetup, jsonLogicEngine, jsonLogicJs, matchedBy, matchedOf, median, parseProfiles,
  passDecide, passLoadRuleset, passRules, passVerifyProfile, perItemUs,
} from "./shared.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const dir = resolve(process.argv[2] ?? join(tmpdir(), "persona-edge-bench"));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 7);

if (!existsSync(join(dir, "meta.json"))) {
  console.log(`generating the inputs in ${dir}`);
  execFileSync("cargo", ["run", "--release", "--example", "bench_profiles", "--", dir], { cwd: repo, stdio: "inherit" });
}

const pkgDir = process.env.PERSONA_EDGE_PKG
  ? resolve(process.env.PERSONA_EDGE_PKG)
  : dirname(fileURLToPath(import.meta.resolve("persona-edge/package.json")));
const { Engine, Session } = await import(process.env.PERSONA_EDGE_PKG ? pathToFileURL(join(pkgDir, "node.js")).href : "persona-edge");
const { LogicEngine } = await import("json-logic-engine");
const jsonLogic = (await import("json-logic-js")).default;
const versionOf = (name) =>
  JSON.parse(readFileSync(name === "persona-edge" ? join(pkgDir, "package.json") : join(here, "../node_modules", name, "package.json"), "utf8")).version;

const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
const rules = meta.rules;
const now = meta.now;
const rulesetBytes = new Uint8Array(readFileSync(join(dir, "ruleset.snap")));
const ruleset0Bytes = new Uint8Array(readFileSync(join(dir, "ruleset-0.snap")));
const profiles = parseProfiles(readFileSync(join(dir, "profiles.ndjson"), "utf8"));
const datas = profiles.map((p) => p.data);
const options = { keys: [meta.public_key_hex], audience: meta.audience };

// ---- setup ----
const { engine, engine0, inputs, inputs0 } = await personaEdgeSetup({ Engine, Session, options, rulesetBytes, ruleset0Bytes, profiles, now });
const jleCompiled = jsonLogicEngine(LogicEngine, rules, "compiled");
const jleInterpreted = jsonLogicEngine(LogicEngine, rules, "interpreted");
const jlj = jsonLogicJs(jsonLogic, rules);

// ---- agreement, before any timing ----
const agreement = checkAgreement(profiles, {
  "persona-edge": (p, i) => matchedOf(engine.decide(inputs[i])),
  "json-logic-engine compiled": (p) => matchedBy(jleCompiled, rules, p.data),
  "json-logic-engine interpreted": (p) => matchedBy(jleInterpreted, rules, p.data),
  "json-logic-js": (p) => matchedBy(jlj, rules, p.data),
});
console.log(`agreement: all ${agreement.engines.length} engines match the same segments on all ${agreement.profiles} profiles (${agreement.meanMatchedSegments} of ${rules.length} on average)`);

// ---- timing ----
const verifier = new Engine({ ...options, cacheEntries: 1 }); // every call verifies
await verifier.loadRuleset(rulesetBytes, { now });
const returning = new Engine(options); // has seen every snapshot: every call is a cache hit
await passVerifyProfile(returning, profiles, now);
const rulesetLoads = 100;
const cases = {
  decide: { items: profiles.length, run: () => passDecide(engine, inputs) },
  decideNoSegments: { items: profiles.length, run: () => passDecide(engine0, inputs0) },
  jleCompiled: { items: profiles.length, run: () => passRules(jleCompiled, rules, datas) },
  jleInterpreted: { items: profiles.length, run: () => passRules(jleInterpreted, rules, datas) },
  jsonLogicJs: { items: profiles.length, run: () => passRules(jlj, rules, datas) },
  verifyProfile: { items: profiles.length, run: () => passVerifyProfile(verifier, profiles, now) },
  verifyProfileCached: { items: profiles.length, run: () => passVerifyProfile(returning, profiles, now) },
  loadRuleset: {
    items: rulesetLoads,
    run: () => passLoadRuleset(verifier, rulesetBytes, now, rulesetLoads),
  },
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
let sink = 0;
for (const c of Object.values(cases)) for (let w = 0; w < 3; w++) sink += await c.run(); // warm-up (JIT, wasm tier-up)
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, c] of Object.entries(cases)) { // interleaved, so drift hits every case alike
    const t0 = performance.now();
    sink += await c.run();
    times[name].push(performance.now() - t0);
  }
}
const stats = Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, perItemUs(times[k], c.items)]));

// ---- cold start, in fresh processes ----
function coldStart(mode) {
  const runs = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const out = execFileSync(process.execPath, [join(here, "cold-start.mjs"), dir, mode, ...(process.env.PERSONA_EDGE_PKG ? [pkgDir] : [])], { cwd: here, encoding: "utf8" });
    runs.push(JSON.parse(out.trim().split("\n").pop()));
  }
  const steps = Object.fromEntries(Object.keys(runs[0].steps).map((s) => [s, +median(runs.map((r) => r.steps[s])).toFixed(2)]));
  return { runs: runs.length, medianTotalMs: +median(runs.map((r) => r.totalMs)).toFixed(2), medianStepsMs: steps };
}
const cold = { glue: coldStart("glue"), entry: coldStart("entry") };

// ---- report ----
const rows = [
  ["persona-edge decide() (wasm): 50 segments + channel + send time + content, Decision as JS objects", stats.decide],
  ["persona-edge decide() (wasm), same ruleset without segments", stats.decideNoSegments],
  [`json-logic-engine ${versionOf("json-logic-engine")} compiled (engine.build): 50 rules`, stats.jleCompiled],
  [`json-logic-engine ${versionOf("json-logic-engine")} interpreted (engine.run): 50 rules`, stats.jleInterpreted],
  [`json-logic-js ${versionOf("json-logic-js")} apply: 50 rules`, stats.jsonLogicJs],
  [`persona-edge verifyProfile, first time (WebCrypto Ed25519 + checks + decode, ${meta.profile_snapshot_bytes.mean}-byte mean)`, stats.verifyProfile],
  ["persona-edge verifyProfile, same bytes again (cache hit: expiry, subject, rollback re-checked)", stats.verifyProfileCached],
  [`persona-edge loadRuleset (verify + decode + validate, ${meta.ruleset.bytes} bytes)`, stats.loadRuleset],
];
console.log(`\nNode ${process.version}, ${cpus()[0]?.model} x${cpus().length}; ${profiles.length} profiles, ${ROUNDS} rounds (median of rounds, per item)\n`);
const w = Math.max(...rows.map(([n]) => n.length));
console.log(`${"what".padEnd(w)}  median µs   p25–p75 µs`);
for (const [name, s] of rows) console.log(`${name.padEnd(w)}  ${s.medianUs.toFixed(2).padStart(9)}   ${s.p25Us.toFixed(2)}–${s.p75Us.toFixed(2)}`);
console.log(`\ncold start, median of ${COLD_RUNS} fresh processes:`);
for (const [mode, c] of Object.entries(cold)) {
  console.log(`  ${mode.padEnd(5)} ${c.medianTotalMs.toFixed(2)} ms  ${Object.entries(c.medianStepsMs).map(([k, v]) => `${k} ${v}`).join(", ")}`);
}

const results = {
  runtime: "node",
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  cpu: `${cpus()[0]?.model} x${cpus().length}`,
  versions: { "json-logic-engine": versionOf("json-logic-engine"), "json-logic-js": versionOf("json-logic-js"), "persona-edge": versionOf("persona-edge") },
  package: pkgDir,
  wasmBytes: readFileSync(join(pkgDir, "persona_edge_bg.wasm")).length,
  profiles: profiles.length,
  rules: rules.length,
  rounds: ROUNDS,
  agreement,
  perItem: stats,
  coldStart: cold,
  sink,
};
writeFileSync(join(dir, "node-results.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${join(dir, "node-results.json")}`);
