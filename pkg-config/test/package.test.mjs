// The built package in Node, as users import it: the golden decisions of the Rust tests come out the same,
// every snapshot refusal through the WebCrypto path is an `Error` with its documented code, a runtime
// without Ed25519 is reported as such, the verify-once cache stays bounded, and bad input never crashes
// the module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as pe from "persona-edge";
import { inspectSnapshot } from "persona-edge/inspect";

import { EXPECTED_REFUSALS, goldenDecisions, refusals } from "./support/engine-checks.mjs";
import { makeSigner, resigner } from "./support/snapshots.mjs";

const { Engine, Session, errorCodes, init, isPersonaError } = pe;
const fixtures = new URL("../../tests/fixtures/decisions/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", fixtures), "utf8"));
const bytes = (file) => new Uint8Array(readFileSync(new URL(file, fixtures)));
const now = manifest.cases[0].context.now;
const newEngine = (options = {}) => new Engine({ keys: manifest.keyring, audience: manifest.audience, ...options });

/** Asserts that `error` is a PersonaError with `code`. */
function isCode(code) {
  return (error) => {
    assert.ok(error instanceof Error, "an Error");
    assert.ok(isPersonaError(error));
    assert.equal(error.name, "PersonaError");
    assert.equal(error.code, code, error.message);
    return true;
  };
}

/** Replaces crypto.subtle[name] for the duration of `fn` (the runtime "has no Ed25519"). */
async function withoutEd25519(name, fn) {
  const subtle = globalThis.crypto.subtle;
  const original = subtle[name];
  subtle[name] = async () => {
    throw new DOMException("Unrecognized algorithm name", "NotSupportedError");
  };
  try {
    assert.notEqual(globalThis.crypto.subtle[name], original, "the stub is in place");
    return await fn();
  } finally {
    delete subtle[name];
    assert.equal(globalThis.crypto.subtle[name], original);
  }
}

test("init resolves in Node (instantiated at import)", async () => {
  await init();
});

test("every golden decision is reproduced by the package, like the native core", async () => {
  const files = Object.fromEntries(
    [manifest.ruleset, ...manifest.cases.map((c) => c.profile).filter(Boolean)].map((f) => [f, bytes(f)]),
  );
  const decided = await goldenDecisions(pe, manifest, files);
  assert.equal(Object.keys(decided).length, manifest.cases.length);
  for (const c of manifest.cases) {
    assert.deepEqual(decided[c.name].profile, c.expected.profile, c.name);
    assert.deepEqual(decided[c.name].decision, c.expected.decision, c.name);
  }
  assert.deepEqual(decided["ana-tampered"].profile, { refused: "tampered" });
  assert.equal(decided.ana.decision.personalized, true);
});

test("globalPrivacyControl in the context: ads is never chosen or ranked, and is excluded as ad_targeting_denied", async () => {
  const engine = newEngine();
  await engine.loadRuleset(bytes(manifest.ruleset), { now });
  let adsRankedWithout = 0;
  for (const c of manifest.cases.filter((c) => c.expected.profile === "verified")) {
    const profile = await engine.verifyProfile(bytes(c.profile), { now: c.context.now });
    const without = engine.decide({ profile, session: c.session, context: c.context });
    const withGpc = engine.decide({ profile, session: c.session, context: { ...c.context, globalPrivacyControl: true } });
    assert.notEqual(withGpc.channel.channel, "ads", c.name);
    assert.ok(!withGpc.channel.ranking.some((r) => r.channel === "ads"), c.name);
    if (without.channel.ranking.some((r) => r.channel === "ads")) {
      adsRankedWithout += 1;
      const reason = withGpc.channel.excluded.find((e) => e.channel === "ads")?.reason;
      assert.equal(reason, "ad_targeting_denied", c.name);
    }
    profile.free();
  }
  assert.ok(adsRankedWithout > 0, "some golden customer has ads ranked without the signal");
  engine.free();
});

test("each snapshot refusal through the WebCrypto path surfaces with its code", async () => {
  const result = await refusals(pe, {
    keys: manifest.keyring,
    audience: manifest.audience,
    now,
    ruleset: bytes(manifest.ruleset),
    ana: bytes("ana.snap"),
    anaTampered: bytes("ana-tampered.snap"),
  });
  assert.deepEqual(result, EXPECTED_REFUSALS);
  // The same, as thrown errors.
  const engine = newEngine();
  await assert.rejects(engine.verifyProfile(bytes("ana-tampered.snap"), { now }), isCode("tampered"));
  assert.throws(() => newEngine({ keys: ["0100000000000000000000000000000000000000000000000000000000000000"] }), isCode("invalid_key"));
});

test("the golden snapshot vectors of the format give their recorded results", async () => {
  const dir = new URL("../../tests/fixtures/snapshots/", import.meta.url);
  const golden = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
  let checked = 0;
  for (const c of golden.cases) {
    // The engine has no per-call size cap option (it uses the default): the one case with a tiny cap is Rust-only.
    if (c.options.kind !== "profile" || c.options.max_bytes != null) continue;
    const engine = new Engine({ keys: golden.keyring, audience: c.options.audience });
    const run = engine.verifyProfile(new Uint8Array(readFileSync(new URL(c.file, dir))), {
      now: c.options.now,
      subject: c.options.subject ?? undefined,
      minSequence: c.options.min_sequence ?? undefined,
    });
    if (c.expected.result === "ok") {
      assert.equal((await run).sequence, c.expected.header.sequence, c.name);
    } else {
      await assert.rejects(run, isCode(c.expected.code), c.name);
    }
    checked += 1;
  }
  assert.equal(checked, 20, `checked ${checked} profile vectors`);
});

test("a runtime without Ed25519 in WebCrypto: unsupported_runtime, and the engine works once it has it", async () => {
  const engine = newEngine();
  await withoutEd25519("importKey", async () => {
    await assert.rejects(engine.loadRuleset(bytes(manifest.ruleset), { now }), isCode("unsupported_runtime"));
    await assert.rejects(engine.verifyProfile(bytes("ana.snap"), { now }), isCode("unsupported_runtime"));
  });
  assert.equal(engine.hasRuleset, false);
  assert.throws(() => engine.decide({ context: { now } }), isCode("no_ruleset"));
  await withoutEd25519("verify", async () => {
    await assert.rejects(newEngine().loadRuleset(bytes(manifest.ruleset), { now }), isCode("unsupported_runtime"));
  });
  // Not remembered as a failure: the keys are imported again.
  assert.equal((await engine.loadRuleset(bytes(manifest.ruleset), { now })).sequence, 3);
});

test("verify once: the same bytes are not verified again; other bytes are, expired entries are evicted", async () => {
  const engine = newEngine();
  const ana = bytes("ana.snap");
  const first = await engine.verifyProfile(ana, { now });
  const before = engine.cacheStats;
  assert.deepEqual([before.entries, before.misses, before.hits], [1, 1, 0]);
  assert.ok(before.signatureChecks >= 1);

  const again = await engine.verifyProfile(ana, { now, subject: first.subject, minSequence: 7 });
  assert.equal(again.sequence, 7);
  const after = engine.cacheStats;
  assert.equal(after.signatureChecks, before.signatureChecks, "no signature check for the same bytes");
  assert.equal(after.hits, before.hits + 1);
  // A hit still runs the checks that can change.
  await assert.rejects(engine.verifyProfile(ana, { now, minSequence: 8 }), isCode("rollback"));
  await assert.rejects(engine.verifyProfile(ana, { now, subject: "c_other" }), isCode("wrong_subject"));

  // Other bytes with the same signature (one payload bit flipped) are verified again, and refused.
  const flipped = new Uint8Array(ana);
  flipped[flipped.length - 80] ^= 1;
  assert.deepEqual(flipped.subarray(-64), ana.subarray(-64), "same signature");
  await assert.rejects(engine.verifyProfile(flipped, { now }), isCode("tampered"));
  assert.equal(engine.cacheStats.signatureChecks, after.signatureChecks + 1);

  // An expired entry is not served: refused, and evicted.
  const evictions = engine.cacheStats.evictions;
  await assert.rejects(engine.verifyProfile(ana, { now: first.expiresAt + 301 }), isCode("expired"));
  assert.equal(engine.cacheStats.entries, 0);
  assert.equal(engine.cacheStats.evictions, evictions + 1);
  first.free();
  again.free();
});

test("the verify-once cache stays bounded over 100,000 distinct snapshots", { timeout: 300_000 }, async () => {
  const signer = makeSigner();
  try {
    const issuedAt = now - 3600;
    const template = signer.profile("ana", { seq: 1, issuedAt });
    const resign = resigner(signer.secretHex);
    const engine = new Engine({ keys: [signer.publicKey], audience: "demo-shop" });
    const total = 100_000;
    const bound = 1000; // the default cacheEntries
    let maxEntries = 0;
    for (let i = 0; i < total; i++) {
      // A distinct subject per snapshot (same length as "c_ana_7f3a91"), so every one is cached.
      const subject = `c_${i.toString(36).padStart(10, "0")}`;
      const snapshot = resign(template, { subject, sequence: i + 1 });
      const verified = await engine.verifyProfile(snapshot, { now, subject });
      assert.equal(verified.sequence, i + 1);
      verified.free();
      maxEntries = Math.max(maxEntries, engine.cacheStats.entries);
    }
    const stats = engine.cacheStats;
    assert.equal(maxEntries, bound);
    assert.equal(stats.entries, bound);
    assert.equal(stats.misses, total);
    assert.equal(stats.evictions, total - bound);
    assert.equal(stats.signatureChecks, total);
    engine.free();
  } finally {
    signer.cleanup();
  }
});

test("bad arguments are typed errors, and the engine keeps working", async () => {
  assert.throws(() => new Engine({ keys: [], audience: "demo-shop" }), isCode("invalid_argument"));
  assert.throws(() => new Engine({ keys: ["not a key"], audience: "demo-shop" }), isCode("invalid_key"));
  assert.throws(() => new Engine("nonsense"), isCode("invalid_argument"));
  const engine = newEngine();
  assert.throws(() => engine.decide({ context: { now } }), isCode("no_ruleset"));
  await engine.loadRuleset(bytes("ruleset.snap"), { now });
  assert.throws(() => new Session().track({ type: "teleport" }), isCode("invalid_argument"));
  assert.throws(() => engine.decide({ context: { now, purpose: "sell-everything" } }), isCode("invalid_argument"));
  assert.throws(() => engine.decide({ profile: { subject: "forged" }, context: { now } }), isCode("invalid_argument"));
  await assert.rejects(engine.verifyProfile(bytes("ana.snap"), { now: -1 }), isCode("invalid_argument"));
  await assert.rejects(engine.verifyProfile("not bytes", { now }), isCode("invalid_argument"));
  const decision = engine.decide({ context: { now } });
  assert.equal(decision.personalized, false);
  assert.ok(Array.isArray(decision.segments));
  // An expired ruleset is not decided with.
  assert.throws(() => engine.decide({ context: { now: engine.ruleset.expiresAt + 301 } }), isCode("expired"));
});

test("the main entry has no debugging helpers; persona-edge/inspect reads headers; errorCodes lists every code", () => {
  assert.equal(pe.inspectSnapshot, undefined);
  assert.equal(pe.loadProfile, undefined);
  const header = inspectSnapshot(bytes("ana.snap"));
  assert.equal(header.subject, "c_ana_7f3a91");
  assert.equal(header.kind, "profile");
  assert.equal(header.sequence, 7);
  assert.throws(() => inspectSnapshot(new Uint8Array(3)), isCode("truncated"));
  const codes = errorCodes();
  for (const code of ["tampered", "expired", "rollback", "wrong_audience", "wrong_kind", "unknown_key", "invalid_argument", "no_ruleset", "unsupported_runtime"]) {
    assert.ok(codes.includes(code), code);
  }
});
