// Cold start: a fresh workerd (a new Miniflare instance) to the first personalized response, with the
// ruleset and the profile fetched from the real store on that first request.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SUBJECTS, browse, cookies, slotsOf, startEdge, startOrigin, startStore } from "../harness.mjs";

let store;
let origin;
let mf;

before(async () => {
  store = await startStore();
  origin = await startOrigin();
});

after(async () => {
  await mf?.dispose();
  await origin?.close();
  await store?.close();
});

test("fresh instance: time to the first personalized response", async (t) => {
  const david = cookies({ subject: SUBJECTS.david, token: store.token(SUBJECTS.david) });
  const t0 = performance.now();
  ({ mf } = await startEdge({ store, origin }));
  const ready = performance.now() - t0;
  const { response, text } = await browse(mf, "/", david);
  const total = performance.now() - t0;
  assert.equal(response.headers.get("x-persona-subject"), SUBJECTS.david);
  assert.equal(slotsOf(text).hero.variant, "hero-vip");
  const inIsolate = Number(/dur=([\d.]+)/.exec(response.headers.get("server-timing"))[1]);
  t.diagnostic(`workerd start ${ready.toFixed(0)} ms, first personalized response after ${total.toFixed(0)} ms; in the isolate ${inIsolate} ms`);
  // Generous bounds (a shared 2-vCPU machine): they catch a hang or a retry loop, not a slow day.
  assert.ok(total < 15000, `first personalized response after ${total.toFixed(0)} ms`);
  assert.ok(inIsolate < 5000, `first decision took ${inIsolate} ms in the isolate`);

  // The same isolate serves the next visitor (with the ruleset it already holds).
  const { response: second } = await browse(mf, "/", cookies({ subject: SUBJECTS.ana, token: store.token(SUBJECTS.ana) }));
  assert.equal(second.headers.get("x-persona-subject"), SUBJECTS.ana);
});
