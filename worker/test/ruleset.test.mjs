// The ruleset the isolate keeps: read once, refreshed when stale (serving the old one meanwhile), never
// replaced by an older or unverifiable one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { browse, decisionFor, eventually, slotsOf, startEdge, startOrigin, startStore } from "../harness.mjs";

let store;
let origin;
let mf;
let kv;

before(async () => {
  store = await startStore();
  origin = await startOrigin();
  // RULESET_TTL_SECS=1: a ruleset read from KV is stale after a second (and a failed refresh retried then).
  ({ mf } = await startEdge({ store, origin, vars: { RULESET_TTL_SECS: "1" } }));
  kv = await mf.getKVNamespace("PERSONA_KV");
});

after(async () => {
  await mf?.dispose();
  await origin?.close();
  await store?.close();
});

/** The hero text and ruleset sequence of the anonymous page, and its error header. */
async function served() {
  const { response, text } = await browse(mf, "/");
  const { body } = await decisionFor(mf);
  return { hero: slotsOf(text).hero.text, sequence: body.rulesetSequence, error: response.headers.get("x-persona-error") };
}

/** Requests for `ms` (so the ruleset goes stale and refreshes are tried); every answer must be `expected`. */
async function servesOnly(expected, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    assert.deepEqual(await served(), expected);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("a stale ruleset is refreshed from KV; an older or tampered one never replaces it", async () => {
  await kv.put("ruleset", store.compileRuleset({ seq: 10, heroDefault: "Ruleset ten." }));
  assert.deepEqual(await served(), { hero: "Ruleset ten.", sequence: 10, error: null });

  await kv.put("ruleset", store.compileRuleset({ seq: 11, heroDefault: "Ruleset eleven." }));
  const eleven = { hero: "Ruleset eleven.", sequence: 11, error: null };
  assert.ok(await eventually(async () => (await served()).sequence === 11), "refreshed once stale");
  assert.deepEqual(await served(), eleven);

  // Rolled back (a lower sequence), then tampered: refused on every refresh; the verified one keeps serving.
  await kv.put("ruleset", store.compileRuleset({ seq: 9, heroDefault: "Ruleset nine." }));
  await servesOnly(eleven, 1500);
  const tampered = store.compileRuleset({ seq: 12, heroDefault: "Ruleset twelve." });
  tampered[tampered.length - 100] ^= 0x04;
  await kv.put("ruleset", tampered);
  await servesOnly(eleven, 1500);

  // A valid newer one is still picked up: refreshes were running all along.
  await kv.put("ruleset", store.compileRuleset({ seq: 13, heroDefault: "Ruleset thirteen." }));
  assert.ok(await eventually(async () => (await served()).sequence === 13), "refreshed to 13");
  assert.equal((await served()).hero, "Ruleset thirteen.");
});
