// Verify once per isolate: a returning visitor's cookie snapshot has its signature checked on the first
// request only; the checks that can change (expiry, subject, rollback) still run on every request, and bytes
// that differ in any way (the same signature over an altered payload) are verified again and refused.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cookies, decisionFor, startEdge, startOrigin, startStore } from "../harness.mjs";

let store;
let origin;
let edge;
let kv;

before(async () => {
  store = await startStore();
  origin = await startOrigin();
  edge = (await startEdge({ store, origin })).mf;
  kv = await edge.getKVNamespace("PERSONA_KV");
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
  await store?.close();
});

describe("verify once per isolate", () => {
  test("the same cookie twice: the signature is checked the first time only", async () => {
    const subject = "c_returning";
    const header = cookies({ subject, snapshot: store.sign({ subject, seq: 4 }) });
    const first = await decisionFor(edge, header);
    assert.equal(first.body.profileStatus, "verified");
    assert.equal(first.body.verification, "signature");
    const second = await decisionFor(edge, header);
    assert.equal(second.body.profileStatus, "verified");
    assert.equal(second.body.verification, "cache");
    assert.deepEqual(second.body.decision, first.body.decision, "the cached profile decides the same");
  });

  test("other bytes with the same signature are verified again and refused", async () => {
    const subject = "c_same_signature";
    const snapshot = store.sign({ subject, seq: 4 });
    const ok = await decisionFor(edge, cookies({ subject, snapshot }));
    assert.equal(ok.body.verification, "signature");
    const altered = Uint8Array.from(snapshot);
    altered[altered.length - 80] ^= 0x01; // a payload byte; the signature bytes are untouched
    const refused = await decisionFor(edge, cookies({ subject, snapshot: altered }));
    assert.equal(refused.body.profileStatus, "refused");
    assert.equal(refused.body.error, "tampered");
    assert.equal(refused.body.verification, "signature");
  });

  test("a cached snapshot still meets the rollback mark set since", async () => {
    const subject = "c_cached_rollback";
    const header = cookies({ subject, snapshot: store.sign({ subject, seq: 4 }) });
    assert.equal((await decisionFor(edge, header)).body.profileStatus, "verified");
    await kv.put(`hwm:${subject}`, "9");
    const again = await decisionFor(edge, header);
    assert.equal(again.body.verification, "cache", "the bytes were verified before");
    assert.equal(again.body.profileStatus, "refused");
    assert.equal(again.body.error, "rollback");
  });
});
