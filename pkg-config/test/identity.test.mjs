// Anonymous to known in real headless Chromium, with the REAL store (persona serve, seeded): the built
// package's PersonaClient on a page, the store behind a same-origin proxy. A visitor fills a cart under an
// anonymous device id while browsing running gear; the site's back end logs them in
// (POST /v1/identities/login, which folds the visitor's activity into the customer); the page switches the
// client with setSubject(customer, token) and syncs, without a reload: the live session (the cart) is
// still there and the customer's profile now carries the running interest: the follow-up shows.
// Run from pkg-config/test: node --test identity.test.mjs   (build first: node pkg-config/build.mjs)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, pkgDir, readBody, send, sendFile, startServer } from "./browser/harness.mjs";
import { startRealStore } from "./support/real-store.mjs";

const WRITE = { authorization: "Bearer pkg-test-write-token", "content-type": "application/json" };
const ANONYMOUS = "a_device_b1";
const CUSTOMER = "c_login_b1";
const PAGE = `<!doctype html><meta charset="utf-8"><title>login</title>
<script type="module">
import { PersonaClient } from "/pkg/index.js";
window.makeClient = (options) => new PersonaClient({ storeUrl: new URL("/store", location.href).href, ...options });
document.documentElement.dataset.ready = "true";
</script>`;

let store;
let server;
let browser;

before(async () => {
  store = await startRealStore();
  server = await startServer(async (req, res, url) => {
    if (url.pathname.startsWith("/pkg/")) return sendFile(res, pkgDir, url.pathname.slice("/pkg/".length));
    if (url.pathname === "/") return send(res, 200, PAGE, "text/html");
    if (!url.pathname.startsWith("/store/")) return send(res, 404, "not found");
    // The store, same origin: method, path, the headers the client sends, the body.
    const headers = {};
    for (const name of ["authorization", "content-type", "if-none-match"]) {
      if (req.headers[name]) headers[name] = req.headers[name];
    }
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
    const answer = await fetch(`${store.url}${url.pathname.slice("/store".length)}${url.search}`, { method: req.method, headers, body });
    const out = {};
    for (const name of ["content-type", "etag", "cache-control"]) {
      if (answer.headers.get(name)) out[name] = answer.headers.get(name);
    }
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
});

async function post(path, body) {
  const response = await fetch(`${store.url}${path}`, { method: "POST", headers: WRITE, body: JSON.stringify(body) });
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return json;
}

test("a cart filled anonymously is followed up for the customer after login, without a reload", async () => {
  const now = Math.floor(Date.now() / 1000);
  await post("/v1/events", {
    events: [{ id: "b1-o", subject: CUSTOMER, type: "purchase", order_id: "b1-order", value: 60, items: 1, category: "hiking", at: now - 86400 }],
  });
  // What the site's back end recorded while the visitor was anonymous.
  const visited = [];
  for (let i = 0; i < 4; i++) visited.push({ id: `b1-v${i}`, subject: ANONYMOUS, type: "page_view", category: "running", at: now - 300 + i });
  visited.push({ id: "b1-c", subject: ANONYMOUS, type: "add_to_cart", category: "running", value: 149, at: now - 60 });
  await post("/v1/events", { events: visited });

  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error)));
  try {
    await page.goto(server.origin + "/");
    await page.waitForSelector("html[data-ready]", { state: "attached" });
    const matched = () => {
      const d = window.client.decide({ consentBanner: "accepted" });
      return {
        subject: d.decision?.subject ?? null,
        personalized: d.personalized,
        profileStatus: d.profileStatus,
        segments: (d.decision?.segments ?? []).filter((s) => s.matched).map((s) => s.name),
      };
    };
    const anonymous = await page.evaluate(
      async ({ keys, subject, token, read }) => {
        window.loadedAt = performance.timeOrigin;
        window.client = window.makeClient({ keys, audience: "demo-shop", subject, token, sessionStorage: false });
        await window.client.start();
        // The live session: the cart, as the page tracks it (no category, so any running interest comes
        // from the profile the store keeps).
        window.client.track({ type: "cart_value", value: 149 });
        return new Function(`return (${read})()`)();
      },
      { keys: [store.publicKey], subject: ANONYMOUS, token: store.token(ANONYMOUS), read: matched.toString() },
    );
    assert.equal(anonymous.subject, ANONYMOUS);
    assert.ok(anonymous.segments.includes("running_enthusiast"), `the visitor: ${anonymous.segments}`);
    assert.ok(anonymous.segments.includes("cart_builder"));

    const customer = await fetch(`${store.url}/v1/profiles/${CUSTOMER}`, { headers: WRITE }).then((r) => r.json());
    assert.equal(customer.profile.behaviour?.affinities?.find((a) => a.category === "running"), undefined, "no running interest before the login");

    const login = await post("/v1/identities/login", { anonymous: ANONYMOUS, customer: CUSTOMER });
    assert.equal(login.folded, true);

    const known = await page.evaluate(
      async ({ subject, token, read }) => {
        window.client.setSubject(subject, token);
        const report = await window.client.sync();
        return { ...new Function(`return (${read})()`)(), sync: report.profile.status, sameDocument: window.loadedAt === performance.timeOrigin };
      },
      { subject: login.customer, token: login.token, read: matched.toString() },
    );
    assert.equal(known.sameDocument, true, "no reload");
    assert.equal(known.sync, "fresh");
    assert.equal(known.subject, CUSTOMER);
    assert.equal(known.personalized, true);
    assert.ok(known.segments.includes("running_enthusiast"), `the customer after login: ${known.segments}`);
    assert.ok(known.segments.includes("cart_builder"), "the session's cart survived the switch");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
