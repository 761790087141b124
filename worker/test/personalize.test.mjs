// The worker in workerd in front of a real origin and the real store: HTML rewriting per customer, the
// three places a profile snapshot comes from (cookie, KV, store with ETag revalidation), the headers, the
// decision endpoint, and consent failing closed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AUDIENCE, ORIGIN_PAGE, SUBJECTS, browse, cookies, decisionFor, eventually, injectedDecision, sampleRuleset,
  slotsOf, startEdge, startOrigin, startRecorder, startStore, variantContent,
} from "../harness.mjs";
import { loadKvJson } from "../runtime.mjs";

let store;
let origin;
let recorder;
/** The worker without published snapshots: ruleset and profiles from the store (through the recorder). */
let edge;
/** The worker with `persona publish`'s kv.json loaded into PERSONA_KV. */
let published;

const visitor = (name, extra = {}) => cookies({ subject: SUBJECTS[name], token: store.token(SUBJECTS[name]), ...extra });
const profileRequests = (subject) => recorder.requests.filter((r) => r.path === `/v1/profiles/${subject}/snapshot`);

before(async () => {
  store = await startStore();
  [origin, recorder] = await Promise.all([startOrigin(), startRecorder(store.url)]);
  [edge, published] = await Promise.all([
    startEdge({ store, origin, storeUrl: recorder.url }).then((w) => w.mf),
    startEdge({ store, origin, storeUrl: recorder.url }).then((w) => w.mf),
  ]);
  assert.equal(await loadKvJson(published, store.publish()), 7); // keys, ruleset, five profiles
});

after(async () => {
  await Promise.all([edge?.dispose(), published?.dispose()]);
  await Promise.all([origin?.close(), recorder?.close()]);
  await store?.close();
});

describe("HTML rewriting", () => {
  test("Ana (refund pending) gets the service hero, no offer, and the decision injected", async () => {
    const { response, text } = await browse(edge, "/", visitor("ana"));
    assert.equal(response.status, 200);
    const slots = slotsOf(text);
    assert.deepEqual(slots.hero, { variant: "hero-service", text: variantContent("hero", "hero-service") });
    assert.equal(slots.offer.variant, "offer-none-service");
    assert.equal(slots.offer.text, "");
    const injected = injectedDecision(text);
    assert.equal(injected.personalized, true);
    assert.equal(injected.profileStatus, "verified");
    assert.equal(injected.decision.subject, SUBJECTS.ana);
    assert.deepEqual(injected.decision.content.map((c) => c.variant), [slots.hero.variant, slots.recommendations.variant, slots.offer.variant]);
    assert.match(text, /<\/script>\n?<\/body>/, "the decision is injected right before </body>");
    assert.equal(response.headers.get("x-persona-subject"), SUBJECTS.ana);
    assert.equal(response.headers.get("x-persona-segments"), "service_situation,outdoor_enthusiast");
    assert.equal(response.headers.get("cache-control"), "private, no-cache", "a personalized page is never cached shared");
    assert.equal(response.headers.get("vary"), "Cookie");
    assert.equal(response.headers.get("etag"), null, "the origin's ETag describes another body");
  });

  test("David (VIP) gets the VIP hero", async () => {
    const { response, text } = await browse(edge, "/products/shoes", visitor("david"));
    const slots = slotsOf(text);
    assert.equal(slots.hero.variant, "hero-vip");
    assert.equal(slots.hero.text, variantContent("hero", "hero-vip"));
    assert.ok(response.headers.get("x-persona-segments").split(",").includes("vip"));
    assert.equal(origin.requests.at(-1).url, "/products/shoes", "the origin got the page asked for");
  });

  test("no cookie: the first-time visitor's default content, not personalized, no subject header", async () => {
    const { response, text } = await browse(edge, "/");
    const slots = slotsOf(text);
    const defaultOf = (name) => sampleRuleset.slots.find((s) => s.name === name).default.id;
    assert.equal(slots.hero.variant, defaultOf("hero"));
    assert.equal(slots.recommendations.variant, defaultOf("recommendations"));
    assert.equal(slots.offer.variant, "offer-welcome");
    assert.equal(slots.offer.text, variantContent("offer", "offer-welcome"));
    assert.equal(response.headers.get("x-persona-segments"), "first_time_visitor");
    assert.equal(response.headers.get("x-persona-subject"), null);
    assert.equal(response.headers.get("x-persona-error"), null);
    assert.equal(injectedDecision(text).personalized, false);
  });

  test("slot content is inserted as text, never as HTML", async () => {
    const { text } = await browse(edge, "/", visitor("ana"));
    assert.ok(!/<h1[^>]*>[^<]*<[a-z]/i.test(text.slice(text.indexOf("<h1"))), "no element inside the hero");
    assert.equal(injectedDecision(text).decision.content[0].content, variantContent("hero", "hero-service"));
  });

  test("non-HTML responses pass through untouched; assets cost no store request", async () => {
    const before = recorder.requests.length;
    const css = await browse(edge, "/style.css", visitor("ben"), { accept: "text/css,*/*;q=0.1" });
    assert.equal(css.text, "h1 { color: green }\n");
    assert.equal(css.response.headers.get("server-timing"), null);
    const api = await browse(edge, "/data.json", visitor("ben"), { accept: "application/json" });
    assert.equal(api.text, '{"ok":true}');
    assert.equal(recorder.requests.length, before, "nothing asked of the store for non-page requests");
    // Asked like a page (the decision starts early), answered with JSON: still untouched.
    const surprise = await browse(edge, "/data.json", visitor("ana"));
    assert.equal(surprise.text, '{"ok":true}');
    assert.equal(surprise.response.headers.get("x-persona-segments"), null);
    assert.equal(surprise.response.headers.get("server-timing"), null);
  });

  test("redirects and Set-Cookie headers of the origin pass through", async () => {
    const response = await edge.dispatchFetch("http://shop.test/login", { redirect: "manual", headers: { accept: "text/html" } });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get("location"), "/");
    assert.deepEqual(response.headers.getSetCookie(), ["persona_subject=c_x; Path=/", "persona_token=t; Path=/"]);
    await response.arrayBuffer();
  });

  test("Server-Timing carries the decision time", async () => {
    const { response } = await browse(edge, "/", visitor("carla"));
    const match = /^persona;dur=(\d+(?:\.\d+)?);desc="decide"$/.exec(response.headers.get("server-timing"));
    assert.ok(match, `Server-Timing: ${response.headers.get("server-timing")}`);
    assert.ok(Number(match[1]) >= 0 && Number(match[1]) < 5000);
  });
});

describe("where the snapshot comes from", () => {
  test("store: fetched with the read token, then revalidated with If-None-Match (304)", async () => {
    const subject = SUBJECTS.ben;
    const first = await decisionFor(edge, visitor("ben"));
    assert.equal(first.body.profileSource, "store");
    assert.equal(first.body.personalized, true);
    const second = await decisionFor(edge, visitor("ben"));
    assert.equal(second.body.profileSource, "store_not_modified");
    assert.equal(second.body.sequence, first.body.sequence);
    const [fetched, revalidated] = profileRequests(subject).slice(-2);
    assert.equal(fetched.ifNoneMatch, null);
    assert.equal(fetched.status, 200);
    assert.match(revalidated.ifNoneMatch ?? "", /^"[0-9a-f]+"$/);
    assert.equal(revalidated.status, 304);
  });

  test("store: the ruleset is fetched once and kept in the isolate", async () => {
    const rulesets = recorder.requests.filter((r) => r.path === "/v1/ruleset");
    assert.ok(rulesets.length >= 1 && rulesets.length <= 2, `${rulesets.length} ruleset requests (one per worker, within max-age)`);
    assert.ok(rulesets.every((r) => r.status === 200));
  });

  test("KV: the published snapshot is used, the store is not asked", async () => {
    const before = profileRequests(SUBJECTS.carla).length;
    const { body, response } = await decisionFor(published, visitor("carla"));
    assert.equal(body.profileSource, "kv");
    assert.equal(body.personalized, true);
    assert.ok(response.headers.get("x-persona-segments").split(",").includes("discount_seeker"));
    const { text } = await browse(published, "/", visitor("carla"));
    assert.equal(slotsOf(text).offer.variant, "offer-discount");
    assert.equal(profileRequests(SUBJECTS.carla).length, before, "no profile request reached the store");
  });

  test("cookie: a snapshot in persona_snapshot is verified and used, neither KV nor store asked", async () => {
    const snapshot = store.sign({ subject: "c_cookie_visitor", seq: 5 });
    const { body } = await decisionFor(edge, cookies({ subject: "c_cookie_visitor", snapshot }));
    assert.equal(body.profileSource, "cookie");
    assert.equal(body.profileStatus, "verified");
    assert.equal(body.personalized, true);
    assert.equal(body.sequence, 5);
    assert.equal(profileRequests("c_cookie_visitor").length, 0);
  });

  test("an accepted snapshot raises the subject's high-water mark in KV", async () => {
    const { body } = await decisionFor(published, visitor("erik"));
    assert.equal(body.personalized, true);
    const kv = await published.getKVNamespace("PERSONA_KV");
    const mark = await eventually(() => kv.get(`hwm:${SUBJECTS.erik}`));
    assert.equal(Number(mark), body.sequence);
  });
});

describe("the decision endpoint and consent", () => {
  test("GET /__persona/decision returns the decision as JSON for server-side callers", async () => {
    const { response, body } = await decisionFor(edge, visitor("david"));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /^application\/json/);
    assert.equal(response.headers.get("cache-control"), "private, no-store");
    assert.equal(body.personalized, true);
    assert.equal(body.profileStatus, "verified");
    assert.equal(body.decision.subject, SUBJECTS.david);
    assert.equal(body.decision.content.find((c) => c.slot === "hero").variant, "hero-vip");
    assert.ok(response.headers.get("server-timing").startsWith("persona;dur="));
    assert.equal(origin.requests.filter((r) => r.url === "/__persona/decision").length, 0, "answered at the edge");
  });

  test("POST /__persona/decision is refused", async () => {
    const response = await edge.dispatchFetch("http://shop.test/__persona/decision", { method: "POST", body: "{}" });
    assert.equal(response.status, 405);
    await response.text();
  });

  const optInChannels = Object.entries(sampleRuleset.channels.rules).filter(([, rule]) => rule.requires_opt_in).map(([name]) => name);

  test("fail closed: without a verified profile no channel that needs consent is chosen, even if the banner was accepted", async () => {
    assert.ok(optInChannels.length >= 4);
    for (const consent of ["accepted", "partial", undefined]) {
      const { body } = await decisionFor(edge, cookies({ consent }));
      assert.equal(body.personalized, false);
      const { channel, excluded, ranking } = body.decision.channel;
      assert.ok(channel === null || !optInChannels.includes(channel), `chose ${channel} with banner ${consent}`);
      for (const name of optInChannels) {
        assert.ok(excluded.some((e) => e.channel === name), `${name} is excluded`);
        assert.ok(!ranking.some((r) => r.channel === name), `${name} is not ranked`);
      }
    }
  });

  test("the same check fails for a verified profile that consented (so it can fail)", async () => {
    const { body } = await decisionFor(edge, visitor("carla", { consent: "accepted" }));
    assert.equal(body.personalized, true);
    assert.ok(optInChannels.includes(body.decision.channel.channel), `Carla: ${body.decision.channel.channel}`);
  });

  test("a refused snapshot gives no decision at all, hence no channel", async () => {
    const snapshot = store.sign({ subject: "c_cookie_visitor", seq: 9, audience: "another-shop" });
    const { body, response } = await decisionFor(edge, cookies({ subject: "c_cookie_visitor", snapshot, consent: "accepted" }));
    assert.equal(body.decision, null);
    assert.equal(body.personalized, false);
    assert.equal(response.headers.get("x-persona-error"), "wrong_audience");
    assert.notEqual(AUDIENCE, "another-shop");
  });

  test("the origin's page is what an unchanged response carries", async () => {
    // Sanity check of the helper the refusal tests rely on: the origin really serves ORIGIN_PAGE.
    const direct = await (await fetch(`${origin.url}/`)).text();
    assert.equal(direct, ORIGIN_PAGE);
  });
});
