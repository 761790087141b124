// The module worker of workerd-bench.mjs: persona-edge (through the package's "workerd" entry, the .wasm a
// CompiledWasm module), json-logic-engine and json-logic-js, timed inside the workerd isolate.
//
//   POST /setup            body: { meta, ruleset, ruleset0 (hex), profiles (ndjson text) } -> builds the
//                          Engine (ruleset loaded, every profile verified once, a Session each), the JS
//                          engines, checks that all agree; answers what was set up.
//   POST /run?case=C&reps=N  runs N passes of case C over all profiles; answers the in-isolate elapsed time.
//   GET  /noop             answers at once (the request overhead, for timing from outside).
//
// Module state (the engines) lives as long as the isolate: miniflare keeps one isolate for the worker.
import { Engine, Session } from "persona-edge";
import { LogicEngine } from "json-logic-engine";
import jsonLogic from "json-logic-js";
import jsonLogicCommonJs from "json-logic-js-commonjs";
import {
  checkAgreement, personaEdgeSetup, fromHex, jsonLogicEngine, jsonLogicJs, matchedBy, matchedOf, parseProfiles,
  passDecide, passLoadRuleset, passRules, passVerifyProfile,
} from "./shared.mjs";

let state = null;

async function setup({ meta, ruleset, ruleset0, profiles: ndjson }) {
  const t0 = performance.now();
  const now = meta.now;
  const rules = meta.rules;
  const rulesetBytes = fromHex(ruleset);
  const ruleset0Bytes = fromHex(ruleset0);
  const profiles = parseProfiles(ndjson);
  const options = { keys: [meta.public_key_hex], audience: meta.audience };
  const { engine, engine0, inputs, inputs0 } = await personaEdgeSetup({ Engine, Session, options, rulesetBytes, ruleset0Bytes, profiles, now });
  const datas = profiles.map((p) => p.data);

  // json-logic-engine's compiled mode generates JS source and evals it: Workers forbid that.
  let jleCompiled = null;
  let jleCompiledError = null;
  try {
    jleCompiled = jsonLogicEngine(LogicEngine, rules, "compiled");
    jleCompiled[0](datas[0]);
  } catch (error) {
    jleCompiled = null;
    jleCompiledError = `${error?.name}: ${error?.message}`;
  }
  const jleInterpreted = jsonLogicEngine(LogicEngine, rules, "interpreted");
  const jlj = jsonLogicJs(jsonLogic, rules);
  const jljCommonJs = jsonLogicJs(jsonLogicCommonJs, rules);

  const checked = {
    "persona-edge": (p, i) => matchedOf(engine.decide(inputs[i])),
    "json-logic-engine interpreted": (p) => matchedBy(jleInterpreted, rules, p.data),
    "json-logic-js": (p) => matchedBy(jlj, rules, p.data),
    "json-logic-js (CommonJS module)": (p) => matchedBy(jljCommonJs, rules, p.data),
  };
  if (jleCompiled) checked["json-logic-engine compiled"] = (p) => matchedBy(jleCompiled, rules, p.data);
  const agreement = checkAgreement(profiles, checked);

  const verifier = new Engine({ ...options, cacheEntries: 1 }); // every call verifies
  const returning = new Engine(options); // has seen every snapshot: every call is a cache hit
  await passVerifyProfile(returning, profiles, now);
  const rulesetLoads = 100;
  const cases = {
    decide: { items: profiles.length, run: () => passDecide(engine, inputs) },
    decideNoSegments: { items: profiles.length, run: () => passDecide(engine0, inputs0) },
    jleInterpreted: { items: profiles.length, run: () => passRules(jleInterpreted, rules, datas) },
    jsonLogicJs: { items: profiles.length, run: () => passRules(jlj, rules, datas) },
    jsonLogicJsCommonJs: { items: profiles.length, run: () => passRules(jljCommonJs, rules, datas) },
    verifyProfile: { items: profiles.length, run: () => passVerifyProfile(verifier, profiles, now) },
    verifyProfileCached: { items: profiles.length, run: () => passVerifyProfile(returning, profiles, now) },
    loadRuleset: {
      items: rulesetLoads,
      run: () => passLoadRuleset(verifier, rulesetBytes, now, rulesetLoads),
    },
  };
  if (jleCompiled) cases.jleCompiled = { items: profiles.length, run: () => passRules(jleCompiled, rules, datas) };
  state = { cases };
  return {
    profiles: profiles.length,
    agreement,
    jleCompiled: jleCompiled ? "available" : "unavailable",
    jleCompiledError,
    cases: Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, c.items])),
    setupMs: performance.now() - t0,
  };
}

async function run(name, reps) {
  const c = state?.cases[name];
  if (!c) throw new Error(`unknown case ${name} (POST /setup first)`);
  let sink = 0;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) sink += await c.run();
  const elapsedMs = performance.now() - t0;
  return { case: name, reps, items: c.items * reps, elapsedMs, sink };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/noop") return new Response("ok");
      if (url.pathname === "/setup") return Response.json(await setup(await request.json()));
      if (url.pathname === "/run") {
        return Response.json(await run(url.searchParams.get("case"), Number(url.searchParams.get("reps") ?? 1)));
      }
      return new Response("not found", { status: 404 });
    } catch (error) {
      return Response.json({ error: `${error?.name}: ${error?.message}`, stack: error?.stack }, { status: 500 });
    }
  },
};
