// The cold-start worker of workerd-bench.mjs: imports the package's CompiledWasm module and its JS glue
// WITHOUT instantiating them at import, so that the first request can time each step in the isolate:
// instantiate (the glue's initSync), new Engine, loadRuleset, loadProfile, first decide.
// (Compiling the .wasm happens when workerd loads the worker, before any request: see workerd-bench.mjs.)
import wasmModule from "./node_modules/persona-edge/wasm/persona_edge_bg.wasm";
import { Engine, initSync } from "./node_modules/persona-edge/wasm/persona_edge.js";
import { fromHex } from "./shared.mjs";

export default {
  async fetch(request) {
    try {
      const { meta, ruleset, profile } = await request.json();
      const { now } = meta;
      const rulesetBytes = fromHex(ruleset);
      const profileBytes = fromHex(profile.snapshot);
      const steps = {};
      let t = performance.now();
      const lap = (name) => {
        const at = performance.now();
        steps[name] = at - t;
        t = at;
      };
      initSync({ module: wasmModule });
      lap("instantiate");
      const engine = new Engine({ keys: [meta.public_key_hex], audience: meta.audience });
      lap("newEngine");
      engine.loadRuleset(rulesetBytes, { now });
      lap("loadRuleset");
      engine.loadProfile(profileBytes, { now, subject: profile.subject });
      lap("loadProfile");
      engine.setSession(profile.session);
      const decision = engine.decide(profile.context);
      lap("firstDecide");
      const matched = decision.segments.filter((s) => s.matched).map((s) => s.name);
      return Response.json({ steps, matched });
    } catch (error) {
      return Response.json({ error: `${error?.name}: ${error?.message}`, stack: error?.stack }, { status: 500 });
    }
  },
};
