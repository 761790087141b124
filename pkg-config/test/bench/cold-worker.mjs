// The cold-start worker of workerd-bench.mjs: the package's "workerd" entry (one module, its .wasm a
// CompiledWasm module) is imported on the FIRST request, so that the request can time each step in the
// isolate: import + instantiate (the entry's initSync at import), new Engine, loadRuleset, verifyProfile,
// first decide. (Compiling the .wasm happens when workerd loads the worker, before any request: see
// workerd-bench.mjs.)
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
      const { Engine, Session } = await import("persona-edge");
      lap("instantiate");
      const engine = new Engine({ keys: [meta.public_key_hex], audience: meta.audience });
      lap("newEngine");
      await engine.loadRuleset(rulesetBytes, { now });
      lap("loadRuleset");
      const verified = await engine.verifyProfile(profileBytes, { now, subject: profile.subject });
      lap("verifyProfile");
      const decision = engine.decide({ profile: verified, session: Session.from(profile.session), context: profile.context });
      lap("firstDecide");
      const matched = decision.segments.filter((s) => s.matched).map((s) => s.name);
      return Response.json({ steps, matched });
    } catch (error) {
      return Response.json({ error: `${error?.name}: ${error?.message}`, stack: error?.stack }, { status: 500 });
    }
  },
};
