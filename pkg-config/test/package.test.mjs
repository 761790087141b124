// The built package in Node, as users import it: the golden decisions of the Rust tests come out the same,
// every snapshot refusal is an `Error` with its documented code, and bad input never crashes the module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Engine, errorCodes, init, inspectSnapshot, isPersonaError } from "persona-edge";

const fixtures = new URL("../../tests/fixtures/decisions/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", fixtures), "utf8"));
const bytes = (file) => new Uint8Array(readFileSync(new URL(file, fixtures)));
const now = manifest.cases[0].context.now;
const newEngine = (audience = manifest.audience) => new Engine({ keys: manifest.keyring, audience });

/** Throws unless `fn` throws a PersonaError with `code`. */
function assertCode(fn, code) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof Error, "an Error");
    assert.ok(isPersonaError(error));
    assert.equal(error.name, "PersonaError");
    assert.equal(error.code, code, error.message);
    return true;
  });
}

test("init resolves in Node (instantiated at import)", async () => {
  await init();
});

test("every golden decision is reproduced by the wasm engine", () => {
  const engine = newEngine();
  const info = engine.loadRuleset(bytes(manifest.ruleset), { now });
  assert.equal(info.kind, "ruleset");
  for (const c of manifest.cases) {
    engine.clearProfile();
    if (c.profile) {
      try {
        const loaded = engine.loadProfile(bytes(c.profile), { now: c.context.now });
        assert.equal(c.expected.profile, "verified", c.name);
        assert.equal(loaded.subject, c.expected.decision.subject);
      } catch (error) {
        assert.equal(error.code, c.expected.profile.refused, c.name);
      }
    }
    engine.setSession(c.session);
    assert.deepEqual(engine.decide(c.context), c.expected.decision, c.name);
  }
});

test("each snapshot refusal surfaces with its code", () => {
  const engine = newEngine();
  assertCode(() => engine.loadProfile(bytes("ana-tampered.snap"), { now }), "tampered");
  assertCode(() => engine.loadProfile(bytes("ana.snap"), { now, minSequence: 8 }), "rollback");
  assertCode(() => engine.loadProfile(bytes("ana.snap"), { now: now + 400 * 86400 }), "expired");
  assertCode(() => engine.loadProfile(bytes("ana.snap"), { now: now - 86400 }), "not_yet_valid");
  assertCode(() => engine.loadProfile(bytes("ana.snap"), { now, subject: "c_other" }), "wrong_subject");
  assertCode(() => engine.loadProfile(bytes("ruleset.snap"), { now }), "wrong_kind");
  assertCode(() => engine.loadProfile(bytes("ana.snap").slice(0, 30), { now }), "truncated");
  assertCode(() => engine.loadProfile(new TextEncoder().encode("hello, not a snapshot"), { now }), "bad_magic");
  assertCode(() => newEngine("other-shop").loadProfile(bytes("ana.snap"), { now }), "wrong_audience");
  const stranger = new Engine({ keys: ["3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"], audience: "demo-shop" });
  assertCode(() => stranger.loadProfile(bytes("ana.snap"), { now }), "unknown_key");
  assert.equal(engine.subject, undefined, "a refused profile changes nothing");
});

test("the golden snapshot vectors of the format give their recorded results", () => {
  const dir = new URL("../../tests/fixtures/snapshots/", import.meta.url);
  const golden = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
  let checked = 0;
  for (const c of golden.cases) {
    // The engine has no per-call size cap option (it uses the default): the one case with a tiny cap is Rust-only.
    if (c.options.kind !== "profile" || c.options.max_bytes != null) continue;
    const engine = new Engine({ keys: golden.keyring, audience: c.options.audience });
    const run = () =>
      engine.loadProfile(new Uint8Array(readFileSync(new URL(c.file, dir))), {
        now: c.options.now,
        ...(c.options.subject ? { subject: c.options.subject } : {}),
        ...(c.options.min_sequence != null ? { minSequence: c.options.min_sequence } : {}),
      });
    if (c.expected.result === "ok") {
      assert.equal(run().sequence, c.expected.header.sequence, c.name);
    } else {
      assertCode(run, c.expected.code);
    }
    checked += 1;
  }
  assert.equal(checked, 20, `checked ${checked} profile vectors`);
});

test("bad arguments are typed errors, and the engine keeps working", () => {
  assertCode(() => new Engine({ keys: [], audience: "demo-shop" }), "invalid_argument");
  assertCode(() => new Engine({ keys: ["not a key"], audience: "demo-shop" }), "invalid_key");
  assertCode(() => new Engine("nonsense"), "invalid_argument");
  const engine = newEngine();
  assertCode(() => engine.decide({ now }), "no_ruleset");
  engine.loadRuleset(bytes("ruleset.snap"), { now });
  assertCode(() => engine.track({ type: "teleport" }), "invalid_argument");
  assertCode(() => engine.decide({ now, purpose: "sell-everything" }), "invalid_argument");
  assertCode(() => engine.loadProfile(bytes("ana.snap"), { now: -1 }), "invalid_argument");
  const decision = engine.decide({ now });
  assert.equal(decision.personalized, false);
  assert.ok(Array.isArray(decision.segments));
});

test("inspectSnapshot reads the header without trusting it; errorCodes lists every code", () => {
  const header = inspectSnapshot(bytes("ana.snap"));
  assert.equal(header.subject, "c_ana_7f3a91");
  assert.equal(header.kind, "profile");
  assertCode(() => inspectSnapshot(new Uint8Array(3)), "truncated");
  const codes = errorCodes();
  for (const code of ["tampered", "expired", "rollback", "wrong_audience", "wrong_kind", "unknown_key", "invalid_argument", "no_ruleset"]) {
    assert.ok(codes.includes(code), code);
  }
});
