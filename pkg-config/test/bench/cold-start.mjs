// One cold start of persona-edge in a fresh Node process (run by node-bench.mjs, a few times).
//
//   node cold-start.mjs DIR glue [PKG]   compile + instantiate the module from bytes already in memory
//                                   (WebAssembly.Module + the browser entry's initSync), then Engine,
//                                   loadRuleset, verifyProfile, first decide: each step timed.
//   node cold-start.mjs DIR entry [PKG]  `await import("persona-edge")` as a user would (the Node entry reads the
//                                   .wasm file and compiles + instantiates it synchronously at import), then
//                                   the same steps.
//
// PKG: the package directory (default: the installed persona-edge). Prints one line of JSON (milliseconds).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const startedAt = performance.now(); // since the process started (Node's time origin)
const [dir, mode = "glue", pkgArg] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
const rulesetBytes = new Uint8Array(readFileSync(join(dir, "ruleset.snap")));
const first = JSON.parse(readFileSync(join(dir, "profiles.ndjson"), "utf8").slice(0, 20000).split("\n")[0]);
const profileBytes = Uint8Array.from(first.snapshot.match(/../g), (h) => parseInt(h, 16));
const pkgDir = pkgArg ?? dirname(fileURLToPath(import.meta.resolve("persona-edge/package.json")));

const steps = {};
let t = performance.now();
const lap = (name) => {
  const now = performance.now();
  steps[name] = now - t;
  t = now;
};

let Engine;
let Session;
if (mode === "entry") {
  t = performance.now();
  ({ Engine, Session } = await import(pkgArg ? pathToFileURL(join(pkgDir, "node.js")).href : "persona-edge"));
  lap("importEntry");
} else {
  const wasmBytes = readFileSync(join(pkgDir, "persona_edge_bg.wasm"));
  const entry = await import(pathToFileURL(join(pkgDir, "index.js")).href);
  t = performance.now();
  const module = new WebAssembly.Module(wasmBytes);
  lap("compile");
  entry.initSync({ module });
  lap("instantiate");
  ({ Engine, Session } = entry);
}
const { now } = meta;
const engine = new Engine({ keys: [meta.public_key_hex], audience: meta.audience });
lap("newEngine");
await engine.loadRuleset(rulesetBytes, { now });
lap("loadRuleset");
const profile = await engine.verifyProfile(profileBytes, { now, subject: first.subject });
lap("verifyProfile");
const decision = engine.decide({ profile, session: Session.from(first.session), context: first.context });
lap("firstDecide");
const matched = decision.segments.filter((s) => s.matched).map((s) => s.name).join(",");
if (matched !== first.expected.join(",")) throw new Error(`cold start decided [${matched}], expected [${first.expected}]`);
const total = Object.values(steps).reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ mode, processStartToScriptMs: startedAt, steps, totalMs: total }));
