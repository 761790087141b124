// www/server.mjs over HTTP, against the real store (no browser): the page's config, login and logout, the
// profile and consent API with its errors, static files, and the write token never reaching a browser.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { PERSONAS } from "../personas.mjs";
import { WRITE_TOKEN, startDemo, wwwDir } from "../test-support/harness.mjs";

let demo;
let site;
before(async () => {
  demo = await startDemo({ browser: false });
  site = demo.site.url;
});
after(async () => {
  await demo?.stop();
});

/** fetch() against the shop that never follows redirects. */
const get = (path, options = {}) => fetch(site + path, { redirect: "manual", ...options });

/** The `window.personaEdge` config rendered into a page. */
function configOf(html) {
  const match = html.match(/window\.personaEdge = (\{.*?\});<\/script>/);
  assert.ok(match, "the page has the inline config");
  return JSON.parse(match[1]);
}

/** Logs in as a persona: the cookies, as a Cookie header value. */
async function login(persona) {
  const response = await get(`/login?as=${persona}`);
  assert.equal(response.status, 303);
  assert.equal(response.headers.get("location"), "/");
  return response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}

const postConsent = (cookie, body, type = "application/json") =>
  get("/api/consent", { method: "POST", headers: { cookie, "content-type": type }, body });

describe("the page", () => {
  test("a first-time visitor gets the store's keys and no subject; the write token is never in the page", async () => {
    const response = await get("/");
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /^text\/html/);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const html = await response.text();
    const config = configOf(html);
    const { keys } = await (await fetch(`${demo.store.url}/v1/keys`)).json();
    assert.deepEqual(config.keys, keys.filter((k) => k.status !== "retired").map((k) => k.public_key));
    assert.equal(config.store, demo.store.url);
    assert.equal(config.audience, "demo-shop");
    assert.equal(config.subject, null);
    assert.equal(config.token, null);
    assert.equal(config.session.live, true);
    assert.ok(!html.includes(WRITE_TOKEN), "no write token in the page");
    assert.ok(!html.includes("{{"), "every placeholder filled");
    for (const p of PERSONAS) assert.ok(html.includes(`data-persona="${p.id}"`), `switcher has ${p.id}`);
    assert.match(html, /<a href="\/logout" data-persona="visitor" aria-current="page">/);
  });

  test("a logged-in customer gets their subject, a read token the store accepts, and their session", async () => {
    const cookie = await login("ben");
    const html = await (await get("/", { headers: { cookie } })).text();
    const config = configOf(html);
    assert.equal(config.subject, "c_ben_19c2e0");
    assert.equal(config.session.device, "mobile", "Ben is on his phone");
    assert.match(html, /data-persona="ben" aria-current="page"/);
    const snapshot = await fetch(`${demo.store.url}/v1/profiles/c_ben_19c2e0/snapshot`, {
      headers: { authorization: `Bearer ${config.token}` },
    });
    assert.equal(snapshot.status, 200, "the read token works at the store");
    assert.ok(!html.includes(WRITE_TOKEN));
  });

  test("HEAD / answers without a body", async () => {
    const response = await get("/", { method: "HEAD" });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "");
  });
});

describe("login and logout", () => {
  test("cookies: readable by the page, SameSite=Lax, Path=/", async () => {
    const response = await get("/login?as=ana");
    const cookies = response.headers.getSetCookie();
    assert.equal(cookies.length, 2);
    assert.match(cookies[0], /^persona_subject=c_ana_7f3a91; Path=\/; SameSite=Lax; Max-Age=\d+$/);
    assert.match(cookies[1], /^persona_token=[\w-]+; Path=\/; SameSite=Lax; Max-Age=\d+$/);
  });

  test("logout, and login as the visitor, forget the customer", async () => {
    for (const path of ["/logout", "/login?as=visitor"]) {
      const response = await get(path);
      assert.equal(response.status, 303, path);
      const cookies = response.headers.getSetCookie();
      assert.deepEqual(cookies.map((c) => c.match(/^(\w+)=;.*Max-Age=0$/)?.[1]), ["persona_subject", "persona_token"], path);
    }
  });

  test("an unknown persona is a 400: JSON for programs, a page for browsers", async () => {
    const response = await get("/login?as=mallory");
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error.code, "unknown_persona");
    const page = await get("/login?as=mallory", { headers: { accept: "text/html" } });
    assert.equal(page.status, 400);
    assert.match(await page.text(), /<a href="\/">Back to the shop<\/a>/);
  });
});

describe("the API", () => {
  test("GET /api/profile: the logged-in customer's stored profile", async () => {
    const cookie = await login("ana");
    const response = await get("/api/profile", { headers: { cookie } });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.subject, "c_ana_7f3a91");
    assert.equal(body.profile.behaviour.activity.length, 168);
    assert.equal(body.profile.consent.channels.phone.state, "denied");
  });

  test("GET /api/profile: 401 without a login, and for a hand-made cookie naming someone else", async () => {
    for (const cookie of ["", "persona_subject=c_someone_else_99; persona_token=abc"]) {
      const response = await get("/api/profile", { headers: { cookie } });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, "not_logged_in");
    }
  });

  test("POST /api/consent changes the stored consent", async () => {
    const cookie = await login("erik");
    const response = await postConsent(cookie, JSON.stringify({ channel: "email", state: "denied" }));
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.deepEqual([body.subject, body.channel, body.state], ["c_erik_0b77d1", "email", "denied"]);
    assert.ok(Number.isInteger(body.sequence));
    const profile = await (await get("/api/profile", { headers: { cookie } })).json();
    assert.equal(profile.profile.consent.channels.email.state, "denied");
  });

  test("a wrong method is a 405 with Allow", async () => {
    const response = await get("/api/consent");
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "POST");
    assert.equal((await get("/", { method: "POST" })).headers.get("allow"), "GET, HEAD");
  });

  test("POST /api/consent refuses bad requests with a clear status and code", async () => {
    const cookie = await login("carla");
    const cases = [
      [postConsent("", JSON.stringify({ channel: "sms", state: "denied" })), 401, "not_logged_in"],
      [postConsent(cookie, "channel=sms", "application/x-www-form-urlencoded"), 415, "unsupported_media_type"],
      [postConsent(cookie, "{not json"), 400, "invalid_json"],
      [postConsent(cookie, "[]"), 400, "invalid_json"],
      [postConsent(cookie, JSON.stringify({ channel: "fax", state: "denied" })), 400, "invalid_channel"],
      [postConsent(cookie, JSON.stringify({ channel: "sms", state: "maybe" })), 400, "invalid_state"],
      [postConsent(cookie, JSON.stringify({ channel: "sms", state: "denied", pad: "x".repeat(10_000) })), 413, "too_large"],
      [get("/api/consent"), 405, "method_not_allowed"],
      [get("/app.js", { method: "DELETE" }), 405, "method_not_allowed"],
      [get("/api/nothing"), 404, "not_found"],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      assert.equal(response.status, status, code);
      assert.equal((await response.json()).error.code, code);
    }
    const profile = await (await get("/api/profile", { headers: { cookie } })).json();
    assert.equal(profile.profile.consent.channels.sms.state, "granted", "nothing changed");
  });
});

describe("static files", () => {
  test("the page's scripts and the package, with types, ETags and gzip", async () => {
    for (const [path, type] of [
      ["/app.js", /^text\/javascript/],
      ["/style.css", /^text\/css/],
      ["/personas.mjs", /^text\/javascript/],
      ["/pkg/drop-in.js", /^text\/javascript/],
      ["/pkg/persona_edge_bg.wasm", /^application\/wasm$/],
    ]) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get("content-type"), type, path);
      const etag = response.headers.get("etag");
      await response.arrayBuffer();
      assert.equal((await get(path, { headers: { "if-none-match": etag } })).status, 304, path);
    }
  });

  test("gzip when asked for it", async () => {
    const { request } = await import("node:http");
    const body = await new Promise((ok, fail) => {
      request(`${site}/app.js`, { headers: { "accept-encoding": "gzip" } }, (res) => {
        assert.equal(res.headers["content-encoding"], "gzip");
        const chunks = [];
        res.on("data", (c) => chunks.push(c)).on("end", () => ok(gunzipSync(Buffer.concat(chunks)).toString()));
      }).on("error", fail).end();
    });
    assert.match(body, /persona:decision/);
  });

  test("nothing else of this folder or the disk is served", async () => {
    for (const path of ["/server.mjs", "/index.html", "/package.json", "/pkg/%2e%2e/Cargo.toml", "/pkg/..%2fCargo.toml", "/pkg/", "/nope"]) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
  });
});

test("the shop declares Global Privacy Control support at /.well-known/gpc.json", async () => {
  const response = await get("/.well-known/gpc.json");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^application\/json/);
  const body = await response.json();
  assert.equal(body.gpc, true);
  assert.match(body.lastUpdate, /^\d{4}-\d{2}-\d{2}$/);
});

test("the server refuses to start without the write token, and says why", () => {
  const env = { ...process.env, PORT: "0" };
  delete env.PERSONA_WRITE_TOKEN;
  const result = spawnSync(process.execPath, [join(wwwDir, "server.mjs")], { env, encoding: "utf8", timeout: 10_000 });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /PERSONA_WRITE_TOKEN is required/);
});
