// The central store goes away: pages pass through unchanged with `store_unreachable` where a decision needs
// it, and whatever the edge already holds (the verified ruleset, published snapshots in KV) keeps working.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { loadKvJson } from "../runtime.mjs";
import { ORIGIN_PAGE, SUBJECTS, browse, cookies, slotsOf, startEdge, startOrigin, startStore } from "../harness.mjs";

let store;
let origin;
const workers = [];
const start = async (options) => {
  const { mf } = await startEdge({ store, origin, ...options });
  workers.push(mf);
  return mf;
};

before(async () => {
  store = await startStore();
  origin = await startOrigin();
});

after(async () => {
  await Promise.all(workers.map((mf) => mf.dispose()));
  await origin?.close();
  await store?.close();
});

test("store stopped: store-backed visitors get the page unchanged with store_unreachable", async () => {
  const edge = await start();
  const published = await start();
  await loadKvJson(published, store.publish());
  const ana = cookies({ subject: SUBJECTS.ana, token: store.token(SUBJECTS.ana) });
  const carla = cookies({ subject: SUBJECTS.carla, token: store.token(SUBJECTS.carla) });

  assert.equal(slotsOf((await browse(edge, "/", ana)).text).hero.variant, "hero-service", "personalized while the store runs");
  await store.stop();

  const down = await browse(edge, "/", ana);
  assert.equal(down.text, ORIGIN_PAGE);
  assert.equal(down.response.headers.get("x-persona-error"), "store_unreachable");
  assert.equal(down.response.headers.get("x-persona-subject"), null);

  // The verified ruleset stays in the isolate: anonymous visitors still get the default decision.
  const anonymous = await browse(edge, "/");
  assert.equal(anonymous.response.headers.get("x-persona-error"), null);
  assert.equal(slotsOf(anonymous.text).offer.variant, "offer-welcome");

  // Published snapshots in KV need no store at all.
  const fromKv = await browse(published, "/", carla);
  assert.equal(fromKv.response.headers.get("x-persona-subject"), SUBJECTS.carla);
  assert.equal(slotsOf(fromKv.text).offer.variant, "offer-discount");

  // A fresh isolate with no ruleset and no store: nothing to decide with.
  const fresh = await start();
  const cold = await browse(fresh, "/");
  assert.equal(cold.text, ORIGIN_PAGE);
  assert.equal(cold.response.headers.get("x-persona-error"), "store_unreachable");
});

test("a store that accepts but never answers: given up after STORE_TIMEOUT_MS", async () => {
  const sockets = new Set();
  const silent = http.createServer(() => {}); // never responds
  silent.on("connection", (socket) => sockets.add(socket));
  await new Promise((r) => silent.listen(0, "127.0.0.1", r));
  try {
    const edge = await start({ storeUrl: `http://127.0.0.1:${silent.address().port}`, vars: { STORE_TIMEOUT_MS: "300" } });
    const t0 = performance.now();
    const { response, text } = await browse(edge, "/");
    const elapsed = performance.now() - t0;
    assert.equal(text, ORIGIN_PAGE);
    assert.equal(response.headers.get("x-persona-error"), "store_unreachable");
    assert.ok(elapsed >= 250 && elapsed < 3000, `answered after ${elapsed.toFixed(0)} ms`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => silent.close(r));
  }
});
