// The module worker of workerd-bench.mjs: persona-edge (through the package's "workerd" entry, the .wasm a
// CompiledWasm module), json-logic-engine and json-logic-js, timed inside the workerd isolate.
//
//   POST /setup            body: { meta, ruleset, ruleset0 (hex), profiles (ndjson text) } -> builds one
//                          Engine per profile (ruleset + profile verified and loaded, session set), the JS
//                          engines, checks that all agree; answers what was set up.
//   POST /run?case=C&reps=N  runs N passes of case C over all profiles; answers the in-isolate elapsed time.
//   GET  /noop             answers at once (the request overhead, for timing from outside).
//
// Module state (the engines) lives as long as the isolate: miniflare keeps one isolate for the worker.
import { Engine } from "persona-edge";
import { LogicEngine } from "json-logic-engine";
import jsonLogic from "json-logic-js";
import jsonLogicCommonJs from "json-logic-js-commonjs";
import {
  checkAgreement, fromHex, jsonLogicEngine, jsonLogicJs, matchedBy, matchedOf, parseProfiles, passDecide,
  passLoadProfile, passLoadRuleset, passRules,
} from "./shared.mjs";

let state = null;

function setup({ meta, ruleset, ruleset0, profiles: ndjson }) {
  const t0 = performance.now();
  const now = meta.now;
  const rules = meta.rules;
  const rulesetBytes = fromHex(ruleset);
  const ruleset0Bytes = fromHex(ruleset0);
  const profiles = parseProfiles(ndjson);
  const options = { keys: [meta.public_key_hex], audience: meta.audience };
  const engineFor = (p, bytes) => {
    const engine = new Engine(options);
    engine.loadRuleset(bytes, { now });
    engine.loadProfile(p.bytes, { now, subject: p.subject });
    engine.setSession(p.session);
    return engine;
  };
  const engines = profiles.map((p) => engineFor(p, rulesetBytes));
  const engines0 = profiles.map((p) => engineFor(p, ruleset0Bytes));
  const contexts = profiles.map((p) => p.context);
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
    "persona-edge": (p, i) => matchedOf(engines[i].decide(contexts[i])),
    "json-logic-engine interpreted": (p) => matchedBy(jleInterpreted, rules, p.data),
    "json-logic-js": (p) => matchedBy(jlj, rules, p.data),
    "json-logic-js (CommonJS module)": (p) => matchedBy(jljCommonJs, rules, p.data),
  };
  if (jleCompiled) checked["json-logic-engine compiled"] = (p) => matchedBy(jleCompiled, rules, p.data);
  const agreement = checkAgreement(profiles, checked);

  const loader = new Engine(options);
  loader.loadRuleset(rulesetBytes, { now });
  const rulesetLoads = 100;
  const cases = {
    decide: { items: profiles.length, run: () => passDecide(engines, contexts) },
    decideNoSegments: { items: profiles.length, run: () => passDecide(engines0, contexts) },
    jleInterpreted: { items: profiles.length, run: () => passRules(jleInterpreted, rules, datas) },
    jsonLogicJs: { items: profiles.length, run: () => passRules(jlj, rules, datas) },
    jsonLogicJsCommonJs: { items: profiles.length, run: () => passRules(jljCommonJs, rules, datas) },
    loadProfile: { items: profiles.length, run: () => passLoadProfile(loader, profiles, now) },
    loadRuleset: {
      items: rulesetLoads,
      run: () => passLoadRuleset(loader, rulesetBytes, now, rulesetLoads),
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

function run(name, reps) {
  const c = state?.cases[name];
  if (!c) throw new Error(`unknown case ${name} (POST /setup first)`);
  let sink = 0;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) sink += c.run();
  const elapsedMs = performance.now() - t0;
  return { case: name, reps, items: c.items * reps, elapsedMs, sink };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/noop") return new Response("ok");
      if (url.pathname === "/setup") return Response.json(setup(await request.json()));
      if (url.pathname === "/run") {
        return Response.json(run(url.searchParams.get("case"), Number(url.searchParams.get("reps") ?? 1)));
      }
      return new Response("not found", { status: 404 });
    } catch (error) {
      return Response.json({ error: `${error?.name}: ${error?.message}`, stack: error?.stack }, { status: 500 });
    }
  },
};
