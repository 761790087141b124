// Global Privacy Control at the edge: `Sec-GPC: 1` excludes the ads channel for that very request, and
// the opt-out is recorded in the store for the known customer (source `gpc`), so it holds afterwards
// without the header too.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SUBJECTS, cookies, eventually, startEdge, startOrigin, startStore } from "../harness.mjs";

let store;
let origin;
let edge;

before(async () => {
  store = await startStore();
  origin = await startOrigin();
  ({ mf: edge } = await startEdge({ store, origin }));
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
  await store?.close();
});

const adsRanked = (body) => body.decision.channel.ranking.some((r) => r.channel === "ads");
const adsExclusion = (body) => body.decision.channel.excluded.find((e) => e.channel === "ads")?.reason ?? null;

async function decision(subject, headers = {}) {
  const { response, text } = await (async () => {
    const r = await edge.dispatchFetch("http://shop.test/__persona/decision", {
      headers: { accept: "application/json", cookie: cookies({ subject, token: store.token(subject) }), ...headers },
    });
    return { response: r, text: await r.text() };
  })();
  assert.equal(response.status, 200);
  return JSON.parse(text);
}

test("Sec-GPC: 1 excludes ads at once and is recorded for the customer", async () => {
  // A customer for whom ads is a candidate channel without the signal.
  let subject = null;
  for (const candidate of Object.values(SUBJECTS)) {
    if (adsRanked(await decision(candidate))) {
      subject = candidate;
      break;
    }
  }
  assert.ok(subject, "a sample customer has ads among the ranked channels");

  const withGpc = await decision(subject, { "sec-gpc": "1" });
  assert.equal(withGpc.personalized, true);
  assert.equal(adsRanked(withGpc), false);
  assert.equal(adsExclusion(withGpc), "ad_targeting_denied");

  // Recorded in the store: ad_targeting denied, source gpc.
  const recorded = async () => {
    const view = await (await fetch(`${store.url}/v1/profiles/${subject}`, { headers: { authorization: "Bearer test-write-token" } })).json();
    const record = view.consent.find((r) => r.kind === "purpose" && r.name === "ad_targeting");
    return record ? [record.state, record.source] : null;
  };
  assert.deepEqual(await eventually(async () => (await recorded())?.[1] === "gpc" && recorded()), ["denied", "gpc"]);

  // The next request without the header: the new snapshot carries the opt-out.
  const later = await decision(subject);
  assert.equal(adsRanked(later), false);
  assert.equal(adsExclusion(later), "ad_targeting_denied");
});
