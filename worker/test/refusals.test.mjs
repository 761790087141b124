// Threats at the edge: every snapshot that must not be used is refused with its code, and the origin's
// page passes through unchanged (fail open for content).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ORIGIN_PAGE, SUBJECTS, browse, cookies, decisionFor, eventually, startEdge, startOrigin, startStore, unknownKey,
} from "../harness.mjs";

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

/** Asserts that the page is the origin's, byte for byte, with `X-Persona-Error: code`; returns the response. */
async function assertUnchanged(cookieHeader, code) {
  const { response, text } = await browse(edge, "/", cookieHeader);
  assert.equal(response.status, 200);
  assert.equal(text, ORIGIN_PAGE, "the origin's page, unchanged");
  assert.equal(response.headers.get("x-persona-error"), code);
  assert.equal(response.headers.get("x-persona-subject"), null);
  assert.equal(response.headers.get("x-persona-segments"), null);
  assert.match(response.headers.get("server-timing") ?? "", /^persona;dur=/);
  assert.equal(response.headers.get("etag"), '"origin-page"', "the origin's headers pass through");
  return response;
}

const now = () => Math.floor(Date.now() / 1000);

describe("refused snapshots: page unchanged, error code in X-Persona-Error", () => {
  test("tampered (a byte of the payload flipped: 'make me a VIP'), from the cookie", async () => {
    const snapshot = store.sign({ subject: "c_tamper_cookie", seq: 3 });
    snapshot[snapshot.length - 80] ^= 0x01;
    await assertUnchanged(cookies({ subject: "c_tamper_cookie", snapshot }), "tampered");
    const { body } = await decisionFor(edge, cookies({ subject: "c_tamper_cookie", snapshot }));
    assert.equal(body.profileStatus, "refused");
    assert.equal(body.decision, null);
  });

  test("tampered, from KV", async () => {
    const subject = "c_tamper_kv";
    const token = store.token(subject);
    const snapshot = store.sign({ subject, seq: 3 });
    snapshot[snapshot.length - 1] ^= 0x80; // the signature's last byte
    await kv.put(`profile:${token}`, snapshot);
    await assertUnchanged(cookies({ subject, token }), "tampered");
  });

  test("expired", async () => {
    const snapshot = store.sign({ subject: "c_expired", seq: 3, issuedAt: now() - 7200, expiresIn: "3600" });
    await assertUnchanged(cookies({ subject: "c_expired", snapshot }), "expired");
  });

  test("rolled back: below the KV high-water mark; the mark is never lowered, only raised", async () => {
    const subject = "c_rollback";
    await kv.put(`hwm:${subject}`, "10");
    await assertUnchanged(cookies({ subject, snapshot: store.sign({ subject, seq: 5 }) }), "rollback");
    assert.equal(await kv.get(`hwm:${subject}`), "10");

    const newer = await decisionFor(edge, cookies({ subject, snapshot: store.sign({ subject, seq: 20 }) }));
    assert.equal(newer.body.profileStatus, "verified");
    assert.equal(await eventually(async () => (await kv.get(`hwm:${subject}`)) === "20"), true, "raised to 20");

    // Between the two: refused, whether the isolate or KV is asked.
    await assertUnchanged(cookies({ subject, snapshot: store.sign({ subject, seq: 15 }) }), "rollback");
    assert.equal(await kv.get(`hwm:${subject}`), "20");
    // Equal is accepted (the same snapshot again).
    const same = await decisionFor(edge, cookies({ subject, snapshot: store.sign({ subject, seq: 20 }) }));
    assert.equal(same.body.profileStatus, "verified");
  });

  test("rolled back: an older store snapshot of a real customer below the mark", async () => {
    const token = store.token(SUBJECTS.ana);
    const current = await decisionFor(edge, cookies({ subject: SUBJECTS.ana, token }));
    assert.equal(current.body.personalized, true);
    await kv.put(`hwm:${SUBJECTS.ana}`, String(current.body.sequence + 1));
    // The isolate remembers only what it accepted; the KV mark (set elsewhere) is above the store's copy.
    await assertUnchanged(cookies({ subject: SUBJECTS.ana, token }), "rollback");
  });

  test("wrong audience (signed for another site)", async () => {
    const snapshot = store.sign({ subject: "c_other_site", seq: 3, audience: "other-shop" });
    await assertUnchanged(cookies({ subject: "c_other_site", snapshot }), "wrong_audience");
  });

  test("wrong subject (someone else's snapshot)", async () => {
    const response = await fetch(`${store.url}/v1/profiles/${SUBJECTS.david}/snapshot`, {
      headers: { authorization: `Bearer ${store.token(SUBJECTS.david)}` },
    });
    const davids = new Uint8Array(await response.arrayBuffer());
    await assertUnchanged(cookies({ subject: SUBJECTS.ben, snapshot: davids }), "wrong_subject");
  });

  test("a ruleset snapshot presented as a profile", async () => {
    const ruleset = new Uint8Array(await (await fetch(`${store.url}/v1/ruleset`)).arrayBuffer());
    // The engine checks the subject (a ruleset has none) before the kind: docs/FORMAT.md, verify.rs steps 6-7.
    await assertUnchanged(cookies({ subject: "c_kind", snapshot: ruleset }), "wrong_subject");
  });

  test("signed by a key the worker does not trust", async () => {
    const snapshot = store.sign({ subject: "c_unknown_key", seq: 3, key: unknownKey(store.dir) });
    await assertUnchanged(cookies({ subject: "c_unknown_key", snapshot }), "unknown_key");
  });

  test("another customer's read token: the store answers 403", async () => {
    await assertUnchanged(cookies({ subject: SUBJECTS.carla, token: store.token(SUBJECTS.erik) }), "forbidden");
  });

  test("malformed cookies", async () => {
    await assertUnchanged("persona_subject=c_x; persona_snapshot=not*base64", "malformed_cookie");
    await assertUnchanged("persona_snapshot=AAAA", "malformed_cookie");
    await assertUnchanged("persona_subject=<script>", "malformed_cookie");
    await assertUnchanged(`persona_subject=c_x; persona_snapshot=${Buffer.from("garbage").toString("base64url")}`, "bad_magic");
  });

  test("a known subject without a token or snapshot", async () => {
    await assertUnchanged(cookies({ subject: SUBJECTS.ana }), "unauthorized");
  });
});

describe("misconfiguration fails open too", () => {
  for (const [vars, code] of [[{ PUBLIC_KEYS: "not-a-key" }, "invalid_key"], [{ PUBLIC_KEYS: "" }, "internal"]]) {
    test(`PUBLIC_KEYS=${JSON.stringify(vars.PUBLIC_KEYS)}: every page passes through with ${code}`, async () => {
      const broken = (await startEdge({ store, origin, vars })).mf;
      try {
        const { response, text } = await browse(broken, "/", cookies({ subject: SUBJECTS.david, token: store.token(SUBJECTS.david) }));
        assert.equal(text, ORIGIN_PAGE);
        assert.equal(response.headers.get("x-persona-error"), code);
        const { body } = await decisionFor(broken);
        assert.equal(body.error, code);
        assert.equal(body.decision, null);
      } finally {
        await broken.dispose();
      }
    });
  }
});
