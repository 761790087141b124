// Anonymous to known through the edge: a visitor browses running gear and fills a cart under an anonymous
// device id, then logs in. The login (POST /v1/identities/login on the real store) folds the visitor's
// activity into the customer; with the cookies the site sets from the login's answer, the next page through
// the worker is the customer's, and it follows up on what the visitor did before logging in.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { browse, cookies, decisionFor, startEdge, startOrigin, startStore } from "../harness.mjs";

const WRITE = { authorization: "Bearer test-write-token", "content-type": "application/json" };
const ANONYMOUS = "a_device_w1";
const CUSTOMER = "c_login_w1";

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

async function post(path, body) {
  const response = await fetch(`${store.url}${path}`, { method: "POST", headers: WRITE, body: JSON.stringify(body) });
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return json;
}

function segments(response) {
  return (response.headers.get("x-persona-segments") ?? "").split(",").filter(Boolean);
}

test("a cart filled anonymously is followed up for the customer after login", async () => {
  const now = Math.floor(Date.now() / 1000);
  // The customer is known for hiking; the anonymous visitor browses running and fills a cart.
  await post("/v1/events", {
    events: [{ id: "w1-o", subject: CUSTOMER, type: "purchase", order_id: "w1-order", value: 60, items: 1, category: "hiking", at: now - 86400 }],
  });
  const visitor = [];
  for (let i = 0; i < 4; i++) {
    visitor.push({ id: `w1-v${i}`, subject: ANONYMOUS, type: "page_view", category: "running", at: now - 300 + i });
  }
  visitor.push({ id: "w1-c", subject: ANONYMOUS, type: "add_to_cart", category: "running", value: 149, at: now - 60 });
  await post("/v1/events", { events: visitor });

  const anonymousPage = await browse(edge, "/", cookies({ subject: ANONYMOUS, token: store.token(ANONYMOUS) }));
  assert.ok(segments(anonymousPage.response).includes("running_enthusiast"), "the visitor's own page follows the running interest");
  const customerBefore = await fetch(`${store.url}/v1/profiles/${CUSTOMER}`, { headers: WRITE }).then((r) => r.json());
  const runningBefore = customerBefore.profile.behaviour?.affinities?.find((a) => a.category === "running");
  assert.equal(runningBefore, undefined, "before the login the customer has no running interest");

  const login = await post("/v1/identities/login", { anonymous: ANONYMOUS, customer: CUSTOMER });
  assert.equal(login.customer, CUSTOMER);
  assert.equal(login.folded, true);
  assert.equal(login.token, store.token(CUSTOMER), "the answer carries the customer's read token");

  // The site sets the customer's cookies from the answer; the next page is the customer's, with the follow-up.
  const known = cookies({ subject: login.customer, token: login.token });
  const page = await browse(edge, "/", known);
  assert.equal(page.response.headers.get("x-persona-subject"), CUSTOMER);
  assert.ok(segments(page.response).includes("running_enthusiast"), `follow-up after login: ${segments(page.response)}`);
  const { body } = await decisionFor(edge, known);
  assert.equal(body.personalized, true);
  assert.ok(body.decision.segments.some((s) => s.name === "running_enthusiast" && s.matched), JSON.stringify(body.decision.segments));

  // The anonymous id's snapshot is superseded by the cluster's: the device still gets the same customer's view.
  const device = await browse(edge, "/", cookies({ subject: ANONYMOUS, token: store.token(ANONYMOUS) }));
  assert.ok(segments(device.response).includes("running_enthusiast"));
});
