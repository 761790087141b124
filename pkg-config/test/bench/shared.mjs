// Runtime-neutral parts of the WebAssembly benchmarks, shared by Node (node-bench.mjs) and the workerd
// worker (worker.mjs): parsing the inputs written by `cargo run --release --example bench_profiles`,
// the three engines set up on the same 50 rules, the agreement check, and the timed loops.
// Only web-platform globals here (no node:*), so the worker can import it unchanged.

/** Hex (as written by examples/bench_profiles.rs) to bytes. */
export function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

/** Parses profiles.ndjson text; `limit` keeps the first N. Snapshots are decoded to bytes here (not timed). */
export function parseProfiles(ndjson, limit = Infinity) {
  const out = [];
  for (const line of ndjson.split("\n")) {
    if (line.trim() === "") continue;
    if (out.length >= limit) break;
    const p = JSON.parse(line);
    p.bytes = fromHex(p.snapshot);
    out.push(p);
  }
  return out;
}

/** JSON Logic truthiness (jsonlogic.com/truthy: an empty array is false), as persona-edge implements it. */
export const truthy = (v) => (Array.isArray(v) ? v.length > 0 : !!v);

/** Whether a rule's result makes a member: boolean rules by truthiness, score rules by `score >= threshold`. */
export function member(rule, result) {
  if (rule.kind === "score") {
    const n = typeof result === "number" ? result : Number(result);
    return Number.isFinite(n) && n >= rule.threshold;
  }
  return truthy(result);
}

/**
 * The JSON Logic engines under test, each as `{ name, evaluators }` with one `(data) => result` per rule.
 * `mode` of json-logic-engine: "compiled" (`engine.build(rule)`: generates JS source and evals it),
 * "interpreted" (`engine.run(rule, data)`: its closure-optimized interpreter, no eval).
 */
export function jsonLogicEngine(LogicEngine, rules, mode) {
  const engine = new LogicEngine();
  if (mode === "compiled") return rules.map((r) => engine.build(r.rule));
  return rules.map((r) => (data) => engine.run(r.rule, data));
}

export function jsonLogicJs(jsonLogic, rules) {
  return rules.map((r) => (data) => jsonLogic.apply(r.rule, data));
}

/** Matched segment names of one profile with a JS engine, in ruleset order. */
export function matchedBy(evaluators, rules, data) {
  const out = [];
  for (let i = 0; i < rules.length; i++) if (member(rules[i], evaluators[i](data))) out.push(rules[i].name);
  return out;
}

/** Matched segment names of a persona-edge decision, in ruleset order. */
export function matchedOf(decision) {
  return decision.segments.filter((s) => s.matched).map((s) => s.name);
}

/**
 * Checks that every engine gives exactly the expected (native persona-edge) segments for every profile.
 * `engines`: name -> (profile, index) => matched names. Returns a summary; throws on the first mismatches.
 */
export function checkAgreement(profiles, engines) {
  const failures = [];
  let matched = 0;
  for (let i = 0; i < profiles.length; i++) {
    const expected = profiles[i].expected.join(",");
    for (const [name, run] of Object.entries(engines)) {
      const got = run(profiles[i], i).join(",");
      if (got !== expected && failures.length < 10) {
        failures.push(`${name}, profile ${profiles[i].subject}: expected [${expected}], got [${got}]`);
      }
    }
    matched += profiles[i].expected.length;
  }
  if (failures.length > 0) {
    throw new Error(`the engines disagree on which segments match:\n  ${failures.join("\n  ")}`);
  }
  return {
    profiles: profiles.length,
    engines: Object.keys(engines),
    meanMatchedSegments: Math.round((matched / profiles.length) * 100) / 100,
    agree: true,
  };
}

/**
 * The persona-edge inputs of every profile: its verified profile (one verification each, not timed), its
 * live session as a Session, its request context. `engine` must hold the ruleset.
 */
export async function decideInputs(engine, Session, profiles, now) {
  const inputs = [];
  for (const p of profiles) {
    const profile = await engine.verifyProfile(p.bytes, { now, subject: p.subject });
    inputs.push({ profile, session: Session.from(p.session), context: p.context });
  }
  return inputs;
}

/** The persona-edge side of a comparison: an engine per ruleset (with and without segments) and the inputs. */
export async function personaEdgeSetup({ Engine, Session, options, rulesetBytes, ruleset0Bytes, profiles, now }) {
  const engine = new Engine(options);
  await engine.loadRuleset(rulesetBytes, { now });
  const engine0 = new Engine(options);
  await engine0.loadRuleset(ruleset0Bytes, { now });
  const inputs = await decideInputs(engine, Session, profiles, now);
  const inputs0 = await decideInputs(engine0, Session, profiles, now);
  return { engine, engine0, inputs, inputs0 };
}

/** One pass of persona-edge: `decide()` on every profile's inputs (one engine, as per page or isolate). */
export function passDecide(engine, inputs) {
  let sink = 0;
  for (let i = 0; i < inputs.length; i++) sink += engine.decide(inputs[i]).segments.length;
  return sink;
}

/** One pass of a JS engine: the 50 rules on every profile's data, membership of each computed. */
export function passRules(evaluators, rules, datas) {
  let sink = 0;
  const n = rules.length;
  for (let p = 0; p < datas.length; p++) {
    const data = datas[p];
    for (let i = 0; i < n; i++) if (member(rules[i], evaluators[i](data))) sink++;
  }
  return sink;
}

/**
 * One pass of `verifyProfile` over every snapshot. On an engine whose cache holds one entry every call
 * verifies (WebCrypto Ed25519 + every other check + decode); on an engine that has seen them all every call
 * is a cache hit (the returning visitor: expiry, subject and rollback re-checked, no signature check).
 */
export async function passVerifyProfile(engine, profiles, now) {
  let sink = 0;
  for (const p of profiles) {
    const verified = await engine.verifyProfile(p.bytes, { now, subject: p.subject });
    sink += verified.sequence;
    verified.free();
  }
  return sink;
}

/** Loads the same ruleset snapshot `count` times (verify + decode + validate each time). */
export async function passLoadRuleset(engine, bytes, now, count) {
  let sink = 0;
  for (let i = 0; i < count; i++) sink += (await engine.loadRuleset(bytes, { now })).sequence;
  return sink;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/** Per-item statistics in µs from per-round totals in ms over `items` items. */
export function perItemUs(roundMs, items) {
  const us = roundMs.map((ms) => (ms * 1000) / items);
  const r = (x) => Math.round(x * 1000) / 1000;
  return { medianUs: r(median(us)), minUs: r(Math.min(...us)), p25Us: r(quantile(us, 0.25)), p75Us: r(quantile(us, 0.75)), rounds: us.length };
}
