// Tests of the high-level client (PersonaClient) of the BUILT package against a local store server.
// Run from pkg-config/test: node --test client.test.mjs
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Engine, PersonaClient } from "persona-edge";

import { SUBJECTS, flipByte, golden, makeSigner } from "./support/snapshots.mjs";
import { BlockedStorage, FullStorage, MapStorage } from "./support/storage.mjs";
import { SNAPSHOT_TYPE, startStore, unreachableUrl } from "./support/store-server.mjs";
import { startRealStore } from "./support/real-store.mjs";

const G = golden();
const NOW = G.now;
const ANA = SUBJECTS.ana;
const TOKEN = "read-token-ana";
const CONTEXT = G.cases.ana.context;
const PREFIX = `persona-edge:${G.audience}:`;

/** Waits until `check()` is truthy (bounded). */
async function until(check, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const clients = [];
/** A client with test defaults (golden keys, pinned clock, isolated storage, no session storage). */
function client(storeUrl, options = {}) {
  const c = new PersonaClient({
    storeUrl,
    keys: G.keys,
    audience: G.audience,
    subject: ANA,
    token: TOKEN,
    now: NOW,
    storage: new MapStorage(),
    sessionStorage: false,
    timeoutMs: 2000,
    ...options,
  });
  clients.push(c);
  return c;
}

/** The golden store: ruleset.snap and ana.snap with the given Cache-Control. */
function goldenStore(cacheControl = "no-cache") {
  return startStore({
    ruleset: { bytes: G.ruleset, cacheControl },
    profiles: { [ANA]: { bytes: G.snap("ana.snap"), cacheControl } },
    tokens: { [ANA]: TOKEN },
  });
}

after(() => {
  for (const c of clients) c.stop();
});

describe("sync", () => {
  test("first sync is fresh and decides exactly like the Engine", async () => {
    const store = await goldenStore("public, max-age=60");
    try {
      const storage = new MapStorage();
      const c = client(store.url, { storage });
      const report = await c.start();
      assert.deepEqual(report.ruleset, { status: "fresh", sequence: 3, expiresAt: 1796030100, httpStatus: 200 });
      assert.deepEqual(report.profile, { status: "fresh", sequence: 7, expiresAt: 1796030100, httpStatus: 200 });
      assert.deepEqual(report.storage, { backend: "custom", ok: true, errors: [] });
      assert.equal(report.at, NOW);

      const [profileRequest] = store.requestsTo(`/v1/profiles/${ANA}/snapshot`);
      assert.equal(profileRequest.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(profileRequest.headers["if-none-match"], undefined);
      assert.equal(profileRequest.headers.accept, SNAPSHOT_TYPE);

      const result = c.decide(CONTEXT);
      assert.equal(result.personalized, true);
      assert.equal(result.rulesetStatus, "fresh");
      assert.equal(result.profileStatus, "fresh");
      assert.equal(result.error, undefined);

      const engine = new Engine({ keys: G.keys, audience: G.audience });
      await engine.loadRuleset(G.ruleset, { now: NOW });
      const profile = await engine.verifyProfile(G.snap("ana.snap"), { now: NOW, subject: ANA });
      assert.deepEqual(result.decision, engine.decide({ profile, context: CONTEXT }));
      assert.deepEqual(result.decision, G.cases.ana.expected.decision);

      // Persisted: the snapshots (base64url, with ETag and freshness) and the high-water marks.
      assert.equal(storage.getItem(`${PREFIX}seq:ruleset`), "3");
      assert.equal(storage.getItem(`${PREFIX}seq:profile:${ANA}`), "7");
      const record = JSON.parse(storage.getItem(`${PREFIX}profile:${ANA}`));
      assert.equal(record.freshUntil, NOW + 60);
      assert.match(record.etag, /^".+"$/);
      assert.equal(Buffer.from(record.bytes, "base64url").equals(Buffer.from(G.snap("ana.snap"))), true);
      assert.equal(c.lastReport, report);
    } finally {
      await store.close();
    }
  });

  test("revalidates with If-None-Match and gets 304 without a re-download", async () => {
    const store = await goldenStore("no-cache");
    try {
      const storage = new MapStorage();
      const c = client(store.url, { storage });
      await c.start();
      assert.equal(store.state.bodiesSent, 2);
      const etag = JSON.parse(storage.getItem(`${PREFIX}ruleset`)).etag;

      const report = await c.sync();
      assert.equal(report.ruleset.status, "not_modified");
      assert.equal(report.profile.status, "not_modified");
      assert.equal(report.ruleset.httpStatus, 304);
      assert.equal(report.ruleset.sequence, 3);
      assert.equal(store.state.bodiesSent, 2, "nothing downloaded again");
      const lastRuleset = store.requestsTo("/v1/ruleset").at(-1);
      assert.equal(lastRuleset.headers["if-none-match"], etag);
      const lastProfile = store.requestsTo(`/v1/profiles/${ANA}/snapshot`).at(-1);
      assert.match(lastProfile.headers["if-none-match"], /^".+"$/);
      assert.equal(c.decide(CONTEXT).personalized, true);

      // A new page (same storage) revalidates with the stored ETags.
      const reloaded = client(store.url, { storage });
      const again = await reloaded.start();
      assert.equal(again.ruleset.status, "not_modified");
      assert.equal(again.profile.status, "not_modified");
      assert.equal(store.state.bodiesSent, 2);
      assert.deepEqual(reloaded.decide(CONTEXT).decision, G.cases.ana.expected.decision);
    } finally {
      await store.close();
    }
  });

  test("honours max-age: no request while fresh, revalidation after", async () => {
    const store = await goldenStore("private, max-age=60");
    try {
      let t = NOW;
      const storage = new MapStorage();
      const c = client(store.url, { storage, now: () => t });
      await c.start();
      assert.equal(store.state.requests.length, 2);

      t = NOW + 59;
      const cached = await c.sync();
      assert.equal(cached.ruleset.status, "cached");
      assert.equal(cached.profile.status, "cached");
      assert.equal(store.state.requests.length, 2, "no request while fresh");

      // A new page within max-age does not ask the store at all.
      const reloaded = client(store.url, { storage, now: () => t });
      const restored = await reloaded.start();
      assert.equal(restored.ruleset.status, "cached");
      assert.equal(restored.profile.status, "cached");
      assert.equal(store.state.requests.length, 2);
      assert.equal(reloaded.decide(CONTEXT).personalized, true);

      t = NOW + 61;
      const stale = await c.sync();
      assert.equal(stale.ruleset.status, "not_modified");
      assert.equal(stale.profile.status, "not_modified");
      assert.equal(store.state.requests.length, 4);
      assert.ok(store.state.requests.slice(2).every((r) => r.headers["if-none-match"]));

      // `force` asks even while fresh; the 304 renewed freshness, so a plain sync does not.
      const forced = await c.sync({ force: true });
      assert.equal(forced.ruleset.status, "not_modified");
      assert.equal(store.state.requests.length, 6);
      assert.equal((await c.sync()).ruleset.status, "cached");
      assert.equal(store.state.requests.length, 6);
    } finally {
      await store.close();
    }
  });

  test("no-store: used, but the bytes are not persisted (the high-water mark is)", async () => {
    const store = await goldenStore("no-store");
    try {
      const storage = new MapStorage();
      const c = client(store.url, { storage });
      const report = await c.start();
      assert.equal(report.ruleset.status, "fresh");
      assert.equal(c.decide(CONTEXT).personalized, true);
      assert.equal(storage.getItem(`${PREFIX}ruleset`), null);
      assert.equal(storage.getItem(`${PREFIX}profile:${ANA}`), null);
      assert.equal(storage.getItem(`${PREFIX}seq:ruleset`), "3");
      assert.equal(storage.getItem(`${PREFIX}seq:profile:${ANA}`), "7");
    } finally {
      await store.close();
    }
  });

  test("concurrent syncs share one round of requests", async () => {
    const store = await goldenStore("no-cache");
    try {
      const c = client(store.url);
      const [a, b] = await Promise.all([c.start(), c.sync()]);
      assert.equal(a, b);
      assert.equal(store.state.requests.length, 2);
    } finally {
      await store.close();
    }
  });
});

describe("refused snapshots", () => {
  let signer;
  const issuedAt = NOW - 3600;
  before(() => {
    signer = makeSigner();
  });
  after(() => signer?.cleanup());

  const signedStore = (rulesetBytes, profileBytes) =>
    startStore({
      ruleset: { bytes: rulesetBytes, cacheControl: "no-cache" },
      profiles: { [ANA]: { bytes: profileBytes, cacheControl: "no-cache" } },
      tokens: { [ANA]: TOKEN },
    });

  test("rollback: seq 3 after seq 5 is refused and seq 5 stays in use (also after a reload)", async () => {
    const store = await signedStore(
      signer.ruleset({ seq: 5, issuedAt }),
      signer.profile("ana", { seq: 5, issuedAt }),
    );
    try {
      const storage = new MapStorage();
      const c = client(store.url, { keys: [signer.publicKey], storage });
      const first = await c.start();
      assert.equal(first.ruleset.sequence, 5);
      assert.equal(first.profile.sequence, 5);
      const before5 = c.decide(CONTEXT).decision;

      store.state.ruleset = { bytes: signer.ruleset({ seq: 3, issuedAt }), cacheControl: "no-cache" };
      store.state.profiles.set(ANA, { bytes: signer.profile("ana", { seq: 3, issuedAt }), cacheControl: "no-cache" });
      const report = await c.sync();
      assert.equal(report.ruleset.status, "refused");
      assert.equal(report.ruleset.error, "rollback");
      assert.equal(report.ruleset.sequence, 5);
      assert.equal(report.profile.status, "refused");
      assert.equal(report.profile.error, "rollback");
      assert.equal(report.profile.sequence, 5);
      const result = c.decide(CONTEXT);
      assert.equal(result.personalized, true);
      assert.equal(result.profileStatus, "refused");
      assert.deepEqual(result.decision, before5);
      assert.equal(storage.getItem(`${PREFIX}seq:ruleset`), "5");

      // The high-water mark is persisted: a new page refuses seq 3 even with no snapshot stored.
      storage.removeItem(`${PREFIX}ruleset`);
      storage.removeItem(`${PREFIX}profile:${ANA}`);
      const reloaded = client(store.url, { keys: [signer.publicKey], storage });
      const again = await reloaded.start();
      assert.equal(again.ruleset.status, "refused");
      assert.equal(again.ruleset.error, "rollback");
      assert.equal(again.ruleset.sequence, null);
      const none = reloaded.decide(CONTEXT);
      assert.equal(none.decision, null);
      assert.equal(none.error, "no_ruleset");

      // Equal or higher sequences are accepted again.
      store.state.ruleset = { bytes: signer.ruleset({ seq: 6, issuedAt }), cacheControl: "no-cache" };
      assert.equal((await reloaded.sync()).ruleset.status, "fresh");
      assert.equal(storage.getItem(`${PREFIX}seq:ruleset`), "6");
    } finally {
      await store.close();
    }
  });

  test("an expired snapshot from the store is refused; the stored one is used", async () => {
    const store = await signedStore(
      signer.ruleset({ seq: 1, issuedAt }),
      signer.profile("ana", { seq: 1, issuedAt }),
    );
    try {
      const storage = new MapStorage();
      const c = client(store.url, { keys: [signer.publicKey], storage });
      await c.start();

      const old = NOW - 3 * 86400;
      store.state.ruleset = { bytes: signer.ruleset({ seq: 2, issuedAt: old, expiresIn: "1h" }), cacheControl: "no-cache" };
      store.state.profiles.set(ANA, { bytes: signer.profile("ana", { seq: 2, issuedAt: old, expiresIn: "1h" }), cacheControl: "no-cache" });
      const report = await c.sync();
      assert.deepEqual(
        [report.ruleset.status, report.ruleset.error, report.ruleset.sequence],
        ["refused", "expired", 1],
      );
      assert.deepEqual(
        [report.profile.status, report.profile.error, report.profile.sequence],
        ["refused", "expired", 1],
      );
      assert.equal(c.decide(CONTEXT).personalized, true);
      assert.equal(storage.getItem(`${PREFIX}seq:profile:${ANA}`), "1", "no high-water mark from a refused snapshot");

      // A new page: the stored (good) snapshots are restored and the expired ones refused again.
      const reloaded = client(store.url, { keys: [signer.publicKey], storage });
      const again = await reloaded.start();
      assert.equal(again.profile.status, "refused");
      assert.equal(again.profile.sequence, 1);
      assert.equal(reloaded.decide(CONTEXT).personalized, true);
    } finally {
      await store.close();
    }
  });

  test("tampered bytes are refused; the last good snapshots stay", async () => {
    const store = await goldenStore("no-cache");
    try {
      const storage = new MapStorage();
      const c = client(store.url, { storage });
      await c.start();

      store.state.ruleset = { bytes: flipByte(G.ruleset), cacheControl: "no-cache" };
      store.state.profiles.set(ANA, { bytes: G.snap("ana-tampered.snap"), cacheControl: "no-cache" });
      const report = await c.sync();
      assert.equal(report.ruleset.status, "refused");
      assert.equal(report.ruleset.error, "tampered");
      assert.equal(report.ruleset.sequence, 3);
      assert.equal(report.profile.status, "refused");
      assert.equal(report.profile.error, "tampered");
      assert.equal(report.profile.sequence, 7);
      assert.deepEqual(c.decide(CONTEXT).decision, G.cases.ana.expected.decision);
    } finally {
      await store.close();
    }
  });

  test("an oversized snapshot is refused before its body is read; the last good one stays", async () => {
    const store = await goldenStore("no-cache");
    try {
      const c = client(store.url);
      await c.start();
      store.state.profiles.set(ANA, { bytes: new Uint8Array(20000), cacheControl: "no-cache" });
      const report = await c.sync();
      assert.deepEqual(
        [report.profile.status, report.profile.error, report.profile.httpStatus, report.profile.sequence],
        ["refused", "oversized", 200, 7],
      );
      assert.equal(c.decide(CONTEXT).personalized, true);
    } finally {
      await store.close();
    }
  });

  test("snapshots for another audience or subject are refused", async () => {
    const store = await startStore({
      ruleset: { bytes: G.ruleset, cacheControl: "no-cache" },
      profiles: { [ANA]: { bytes: G.snap("ben.snap"), cacheControl: "no-cache" } },
    });
    try {
      const c = client(store.url);
      const report = await c.start();
      assert.equal(report.ruleset.status, "fresh");
      assert.equal(report.profile.status, "refused");
      assert.equal(report.profile.error, "wrong_subject");
      const result = c.decide(CONTEXT);
      assert.equal(result.personalized, false);
      assert.notEqual(result.decision, null);

      const other = client(store.url, { audience: "other-shop" });
      const refused = await other.start();
      assert.equal(refused.ruleset.error, "wrong_audience");
      assert.equal(other.decide(CONTEXT).decision, null);
    } finally {
      await store.close();
    }
  });

  test("stored bytes are never trusted: a tampered stored snapshot is not used and is removed", async () => {
    const storage = new MapStorage();
    const store = await goldenStore("no-cache");
    try {
      await client(store.url, { storage }).start();
    } finally {
      await store.close();
    }
    const key = `${PREFIX}profile:${ANA}`;
    const record = JSON.parse(storage.getItem(key));
    record.bytes = Buffer.from(G.snap("ana-tampered.snap")).toString("base64url");
    storage.setItem(key, JSON.stringify(record));

    const c = client(await unreachableUrl(), { storage });
    const report = await c.start();
    assert.equal(report.ruleset.status, "fallback");
    assert.equal(report.profile.status, "unavailable");
    assert.equal(report.profile.error, "network");
    assert.equal(storage.getItem(key), null);
    const result = c.decide(CONTEXT);
    assert.equal(result.personalized, false);
    assert.notEqual(result.decision, null);
  });
});

describe("offline and failures", () => {
  test("store unreachable, storage holds good snapshots: fallback decisions", async () => {
    const storage = new MapStorage();
    const store = await goldenStore("no-cache");
    let online;
    try {
      const first = client(store.url, { storage });
      await first.start();
      online = first.decide(CONTEXT).decision;
    } finally {
      await store.close();
    }
    const c = client(await unreachableUrl(), { storage });
    const report = await c.start();
    assert.equal(report.ruleset.status, "fallback");
    assert.equal(report.ruleset.error, "network");
    assert.equal(report.ruleset.sequence, 3);
    assert.equal(report.profile.status, "fallback");
    assert.equal(report.profile.sequence, 7);
    const result = c.decide(CONTEXT);
    assert.equal(result.personalized, true);
    assert.equal(result.rulesetStatus, "fallback");
    assert.deepEqual(result.decision, online);
  });

  test("store unreachable and nothing stored: non-personalized default (decision null)", async () => {
    const c = client(await unreachableUrl());
    const report = await c.start();
    assert.equal(report.ruleset.status, "unavailable");
    assert.equal(report.ruleset.error, "network");
    assert.equal(report.ruleset.sequence, null);
    assert.equal(report.profile.status, "unavailable");
    const result = c.decide(CONTEXT);
    assert.deepEqual(
      { decision: result.decision, personalized: result.personalized, error: result.error },
      { decision: null, personalized: false, error: "no_ruleset" },
    );
    assert.equal(result.rulesetStatus, "unavailable");
    assert.deepEqual(c.track({ type: "page_view", pageType: "home" }), { ok: true });
  });

  test("5xx and timeouts fall back to the stored snapshots", async () => {
    const storage = new MapStorage();
    const store = await goldenStore("no-cache");
    try {
      await client(store.url, { storage }).start();
      store.state.ruleset = { status: 503 };
      store.state.profiles.set(ANA, { hang: true });
      const c = client(store.url, { storage, timeoutMs: 300 });
      const started = Date.now();
      const report = await c.start();
      assert.ok(Date.now() - started < 2000);
      assert.deepEqual(
        [report.ruleset.status, report.ruleset.error, report.ruleset.httpStatus],
        ["fallback", "http_status", 503],
      );
      assert.deepEqual([report.profile.status, report.profile.error], ["fallback", "timeout"]);
      assert.equal(c.decide(CONTEXT).personalized, true);
    } finally {
      await store.close();
    }
  });

  test("profile: 401/403 stop personalization, 404 means absent, no subject means anonymous", async () => {
    const store = await goldenStore("no-cache");
    try {
      const storage = new MapStorage();
      await client(store.url, { storage }).start();
      const wrong = client(store.url, { storage, token: "wrong" });
      const report = await wrong.start();
      assert.deepEqual(
        [report.profile.status, report.profile.error, report.profile.httpStatus, report.profile.sequence],
        ["unavailable", "forbidden", 403, null],
      );
      assert.equal(storage.getItem(`${PREFIX}profile:${ANA}`), null, "the cached copy is forgotten");
      assert.equal(wrong.decide(CONTEXT).personalized, false);

      const nobody = client(store.url, { subject: "c_nobody", token: "t" });
      const absent = await nobody.start();
      assert.deepEqual([absent.profile.status, absent.profile.httpStatus], ["absent", 404]);

      const anonymous = client(store.url, { subject: undefined, token: undefined });
      const anon = await anonymous.start();
      assert.equal(anon.profile.status, "absent");
      assert.equal(store.requestsTo("/v1/profiles/undefined/snapshot").length, 0);
      const result = anonymous.decide(CONTEXT);
      assert.equal(result.personalized, false);
      assert.equal(result.profileStatus, "absent");
    } finally {
      await store.close();
    }
  });

  test("storage that throws QuotaExceededError (or SecurityError) never breaks the client", async () => {
    const store = await goldenStore("private, max-age=60");
    try {
      const full = client(store.url, { storage: new FullStorage() });
      const report = await full.start();
      assert.equal(report.ruleset.status, "fresh");
      assert.equal(report.profile.status, "fresh");
      assert.equal(report.storage.ok, false);
      assert.ok(report.storage.errors.length > 0);
      assert.ok(report.storage.errors.every((e) => e.operation === "write" && e.name === "QuotaExceededError"));
      assert.equal(full.decide(CONTEXT).personalized, true);
      // Freshness and high-water marks are kept in memory instead.
      const requests = store.state.requests.length;
      const again = await full.sync();
      assert.equal(again.ruleset.status, "cached");
      assert.equal(again.storage.ok, true, "errors are reported once");
      assert.equal(store.state.requests.length, requests);

      const blocked = client(store.url, { storage: new BlockedStorage() });
      const b = await blocked.start();
      assert.equal(b.ruleset.status, "fresh");
      assert.ok(b.storage.errors.some((e) => e.name === "SecurityError"));
      assert.equal(blocked.decide(CONTEXT).personalized, true);
    } finally {
      await store.close();
    }
  });
});

describe("profile snapshot handed over by the page", () => {
  test("is used without asking the store, and refused like a fetched one when tampered", async () => {
    const store = await startStore({
      ruleset: { bytes: G.ruleset, cacheControl: "no-cache" },
      profiles: {},
      tokens: {},
    });
    try {
      const c = client(store.url, { token: null, profileSnapshot: G.snap("ana.snap") });
      const report = await c.start();
      assert.equal(report.profile.status, "fresh");
      assert.equal(report.profile.sequence, 7);
      const result = c.decide(CONTEXT);
      assert.equal(result.personalized, true);
      assert.deepEqual(result.decision, G.cases.ana.expected.decision);

      const bad = client(store.url, { token: null, profileSnapshot: flipByte(G.snap("ana.snap")) });
      const badReport = await bad.start();
      assert.equal(badReport.profile.status, "refused");
      assert.equal(badReport.profile.error, "tampered");
      assert.equal(bad.decide(CONTEXT).personalized, false);
      assert.throws(() => client(store.url, { profileSnapshot: "AAAA" }), TypeError);
    } finally {
      await store.close();
    }
  });

  test("without a subject: verified, then the subject it names is adopted (with its high-water mark)", async () => {
    const store = await startStore({ ruleset: { bytes: G.ruleset, cacheControl: "no-cache" } });
    try {
      const storage = new MapStorage();
      const c = client(store.url, { subject: null, token: null, storage, profileSnapshot: G.snap("ana.snap") });
      assert.equal(c.subject, null);
      const report = await c.start();
      assert.deepEqual([report.profile.status, report.profile.sequence], ["fresh", 7]);
      assert.equal(c.subject, ANA);
      assert.equal(c.decide(CONTEXT).decision.subject, ANA);
      assert.equal(storage.getItem(`${PREFIX}seq:profile:${ANA}`), "7");
      assert.ok(storage.getItem(`${PREFIX}profile:${ANA}`), "stored under the adopted subject");
      assert.equal(store.requestsTo(`/v1/profiles/${ANA}/snapshot`).length, 0);

      // Under that subject's high-water mark it is a rollback: refused, and no subject is adopted.
      storage.setItem(`${PREFIX}seq:profile:${ANA}`, "8");
      const old = client(store.url, { subject: null, token: null, storage, profileSnapshot: G.snap("ana.snap") });
      const refused = await old.start();
      assert.deepEqual([refused.profile.status, refused.profile.error, refused.profile.sequence], ["refused", "rollback", null]);
      assert.equal(old.subject, null);
      assert.equal(old.decide(CONTEXT).personalized, false);

      const forged = client(store.url, { subject: null, token: null, profileSnapshot: G.snap("ana-tampered.snap") });
      assert.equal((await forged.start()).profile.error, "tampered");
      assert.equal(forged.subject, null);
    } finally {
      await store.close();
    }
  });
});

describe("decide and track", () => {
  test("decide never throws", async () => {
    const store = await goldenStore("no-cache");
    try {
      let t = NOW;
      const c = client(store.url, { now: () => t });
      const early = c.decide(CONTEXT);
      assert.deepEqual(
        [early.decision, early.personalized, early.error],
        [null, false, "not_started"],
      );
      await c.start();
      for (const bad of ["nope", 42, { now: -1 }, { now: "x" }, { consentBanner: "bogus" }, { extraSends: { fax: 1 } }]) {
        const result = c.decide(bad);
        assert.equal(result.decision, null, JSON.stringify(bad));
        assert.equal(result.error, "invalid_argument");
      }
      assert.equal(c.decide().personalized, true);
      assert.equal(c.decide(null).personalized, true);

      // Public methods never throw, whatever they are given (one guard turns it into their failure result).
      const boom = () => {
        throw new Error("boom");
      };
      const hostile = { get type() { return boom(); }, get kind() { return boom(); }, get device() { return boom(); } };
      assert.deepEqual(c.track(hostile), { ok: false, error: "invalid_argument", message: "boom" });
      assert.equal(c.setSession(hostile).ok, false);
      assert.equal(c.recordOutcome(hostile), false);
      assert.equal(c.recordShown({ decision: hostile }), 0);
      assert.equal(c.setSubject(42), undefined);
      assert.equal(c.subject, ANA, "an invalid subject changes nothing");
      c.forgetProfile(42);
      assert.equal(c.decide(CONTEXT).personalized, true);

      // Past the golden snapshots' expiry (+ skew): neither is used any more.
      t = 1796030100 + 301;
      const expired = c.decide({ ...CONTEXT, now: undefined });
      assert.equal(expired.decision, null);
      assert.equal(expired.rulesetStatus, "expired");
      assert.equal(expired.profileStatus, "expired");
      assert.equal(expired.error, "no_ruleset");
    } finally {
      await store.close();
    }
  });

  test("an expired profile is not used at decide time, with the ruleset still valid", async () => {
    const signer = makeSigner();
    try {
      const issuedAt = NOW - 3600;
      const store = await startStore({
        ruleset: { bytes: signer.ruleset({ seq: 1, issuedAt, expiresIn: "7d" }), cacheControl: "private, max-age=600" },
        profiles: { [ANA]: { bytes: signer.profile("ana", { seq: 1, issuedAt, expiresIn: "2h" }), cacheControl: "private, max-age=600" } },
      });
      try {
        let t = NOW;
        const c = client(store.url, { keys: [signer.publicKey], now: () => t });
        await c.start();
        assert.equal(c.decide().personalized, true);
        t = issuedAt + 7200 + 301; // past the profile's expiry and the skew
        const result = c.decide();
        assert.equal(result.profileStatus, "expired");
        assert.equal(result.personalized, false);
        assert.notEqual(result.decision, null);
        // The next sync drops the expired copy (although "fresh" per max-age) and asks the store again,
        // which still serves the expired snapshot: refused, and no profile is used.
        const report = await c.sync();
        assert.deepEqual(
          [report.profile.status, report.profile.error, report.profile.sequence],
          ["refused", "expired", null],
        );
        assert.equal(report.ruleset.status, "not_modified");
        assert.equal(c.decide().personalized, false);
      } finally {
        await store.close();
      }
    } finally {
      signer.cleanup();
    }
  });

  test("track: invalid events are ignored and reported; early events and the session are kept", async () => {
    const store = await goldenStore("no-cache");
    try {
      const sessionStorage = new MapStorage();
      const c = client(store.url, { sessionStorage });
      assert.deepEqual(c.track({ type: "page_view", pageType: "product", category: "running" }), { ok: true, pending: true });
      assert.equal(c.session, null, "no session before start()");
      await c.start();
      assert.equal(c.session.pageViews, 1);
      const bad = c.track({ type: "teleport" });
      assert.equal(bad.ok, false);
      assert.equal(bad.error, "invalid_argument");
      assert.equal(c.track(null).ok, false);
      assert.deepEqual(c.track({ type: "page_view", pageType: "product", category: "running" }), { ok: true });
      assert.equal(c.session.pageViews, 2);
      assert.equal(JSON.parse(sessionStorage.getItem(`${PREFIX}session`)).pageViews, 2);

      // The next page of the same tab continues the session.
      const next = client(store.url, { sessionStorage });
      await next.start();
      assert.equal(next.session.pageViews, 2);
      assert.deepEqual(next.session.categories, [{ category: "running", views: 2 }]);
      next.resetSession();
      assert.equal(next.session.pageViews, 0);
      assert.equal(sessionStorage.getItem(`${PREFIX}session`), null);
    } finally {
      await store.close();
    }
  });

  test("setSession: applied at start before early events, invalid ones ignored and reported", async () => {
    const store = await goldenStore("no-cache");
    try {
      const sessionStorage = new MapStorage();
      const c = client(store.url, { sessionStorage });
      const site = { live: true, device: "mobile", pageViews: 3, categories: [{ category: "camping", views: 3 }], cartValue: 0 };
      assert.deepEqual(c.setSession(site), { ok: true, pending: true });
      c.track({ type: "page_view", pageType: "product", category: "camping" });
      await c.start();
      assert.equal(c.session.device, "mobile");
      assert.equal(c.session.pageViews, 4);
      assert.deepEqual(c.session.categories, [{ category: "camping", views: 4 }]);
      const matched = c.decide(CONTEXT).decision.segments.filter((s) => s.matched).map((s) => s.name);
      assert.ok(matched.includes("mobile_shopper"), matched.join(","));
      const bad = c.setSession({ device: "toaster" });
      assert.equal(bad.ok, false);
      assert.equal(bad.error, "invalid_argument");
      assert.equal(c.session.device, "mobile", "an invalid session changes nothing");
    } finally {
      await store.close();
    }
  });

  test("setSubject switches the profile (login / logout)", async () => {
    const store = await goldenStore("no-cache");
    try {
      const c = client(store.url, { subject: null, token: null });
      await c.start();
      assert.equal(c.decide(CONTEXT).personalized, false);
      c.setSubject(ANA, TOKEN);
      const report = await c.sync();
      assert.equal(report.profile.status, "fresh");
      assert.equal(c.decide(CONTEXT).personalized, true);
      c.setSubject(null);
      assert.equal(c.decide(CONTEXT).personalized, false);
      assert.equal((await c.sync()).profile.status, "absent");
    } finally {
      await store.close();
    }
  });

  test("start rejects on invalid keys; decide still does not throw", async () => {
    const c = client(await unreachableUrl(), { keys: ["not-a-key"] });
    await assert.rejects(c.start(), (e) => e.name === "PersonaError" && e.code === "invalid_key");
    assert.equal(c.decide(CONTEXT).error, "not_started");
    assert.throws(() => new PersonaClient({ keys: G.keys, audience: G.audience }), TypeError);
  });
});

describe("feedback", () => {
  test("a full batch is sent at once in one POST", async () => {
    const store = await goldenStore("no-cache");
    try {
      const c = client(store.url, { feedback: { batchSize: 3, flushIntervalMs: 60000 } });
      await c.start();
      const result = c.decide(CONTEXT);
      assert.equal(c.recordShown(result, { slot: "hero" }), 1);
      assert.equal(c.recordOutcome({ kind: "clicked", slot: "hero", variant: "hero-service", channel: "web" }), true);
      assert.equal(c.recordOutcome({ kind: "bogus" }), false);
      assert.equal(store.state.feedbackPosts.length, 0);
      assert.equal(c.recordOutcome({ kind: "converted", at: NOW + 5 }), true);
      await until(() => store.state.feedbackPosts.length === 1);
      const [post] = store.state.feedbackPosts;
      const matched = result.decision.segments.filter((s) => s.matched).map((s) => s.name);
      assert.ok(matched.includes("service_situation"));
      assert.equal(post.contentType, "application/json");
      assert.deepEqual(post.body, {
        events: [
          { subject: ANA, kind: "shown", slot: "hero", variant: "hero-service", segments: matched, at: NOW, token: TOKEN },
          { subject: ANA, kind: "clicked", channel: "web", slot: "hero", variant: "hero-service", at: NOW, token: TOKEN },
          { subject: ANA, kind: "converted", at: NOW + 5, token: TOKEN },
        ],
      });
      // Another subject's event never carries this visitor's read token.
      assert.equal(c.recordOutcome({ kind: "opened", subject: "c_someone_else", channel: "email" }), true);
      await c.flush();
      const last = store.state.feedbackPosts.at(-1).body.events.at(-1);
      assert.equal(last.subject, "c_someone_else");
      assert.equal(last.token, undefined);
      assert.equal(c.pendingFeedback, 0);
      // recordShown without a slot: one event per content slot.
      assert.equal(c.recordShown(result.decision), 3);
      assert.deepEqual(await c.flush(), { sent: 3, pending: 0, dropped: 0 });
    } finally {
      await store.close();
    }
  });

  test("the interval flushes a partial batch", async () => {
    const store = await goldenStore("no-cache");
    try {
      const c = client(store.url, { feedback: { batchSize: 50, flushIntervalMs: 50 } });
      await c.start();
      c.recordOutcome({ kind: "opened", channel: "email" });
      await until(() => store.acceptedFeedback().length === 1);
      assert.equal(store.acceptedFeedback()[0].body.events.length, 1);
    } finally {
      await store.close();
    }
  });

  test("a failed flush (503) is retried, and nothing is sent twice", async () => {
    const store = await goldenStore("no-cache");
    try {
      const c = client(store.url, { feedback: { batchSize: 10, flushIntervalMs: 60000 } });
      await c.start();
      store.state.feedbackStatuses.push(503);
      c.recordOutcome({ kind: "delivered", channel: "email" });
      c.recordOutcome({ kind: "opened", channel: "email" });
      const failed = await c.flush();
      assert.deepEqual(failed, { sent: 0, pending: 2, dropped: 0, error: "http_status", httpStatus: 503 });
      assert.equal(c.pendingFeedback, 2);
      const retried = await c.flush();
      assert.deepEqual(retried, { sent: 2, pending: 0, dropped: 0 });
      assert.deepEqual(store.state.feedbackPosts.map((p) => p.status), [503, 202]);
      assert.deepEqual(store.acceptedFeedback()[0].body.events.map((e) => e.kind), ["delivered", "opened"]);

      // A 400 (the store rejects the batch) is dropped, not retried forever.
      store.state.feedbackStatuses.push(400);
      c.recordOutcome({ kind: "ignored" });
      assert.deepEqual(await c.flush(), { sent: 0, pending: 0, dropped: 1, error: "http_status", httpStatus: 400 });
    } finally {
      await store.close();
    }
  });

  test("the queue is bounded while the store is unreachable (oldest dropped)", async () => {
    const url = await unreachableUrl();
    const c = client(url, { feedback: { batchSize: 100, flushIntervalMs: 60000, maxQueue: 5 } });
    await c.start();
    for (let i = 0; i < 8; i++) c.recordOutcome({ kind: "shown", slot: `s${i}` });
    assert.equal(c.pendingFeedback, 5);
    const result = await c.flush();
    assert.equal(result.error, "network");
    assert.equal(result.pending, 5);
    assert.equal(result.sent, 0);
    c.stop();
  });

  test("on page hide the queue goes out with sendBeacon (fetch when it refuses)", async () => {
    const store = await goldenStore("no-cache");
    const saved = {
      document: Object.getOwnPropertyDescriptor(globalThis, "document"),
      navigator: Object.getOwnPropertyDescriptor(globalThis, "navigator"),
    };
    const beacons = [];
    let accept = true;
    const doc = new EventTarget();
    doc.visibilityState = "visible";
    Object.defineProperty(globalThis, "document", { value: doc, configurable: true, writable: true });
    Object.defineProperty(globalThis, "navigator", {
      value: {
        sendBeacon(url, body) {
          beacons.push({ url, body });
          return accept;
        },
      },
      configurable: true,
      writable: true,
    });
    try {
      const c = client(store.url, { feedback: { batchSize: 2, flushIntervalMs: 60000 } });
      await c.start();
      c.recordOutcome({ kind: "opened" });
      doc.visibilityState = "hidden";
      doc.dispatchEvent(new Event("visibilitychange"));
      assert.equal(beacons.length, 1);
      assert.equal(beacons[0].url, `${store.url}/v1/feedback`);
      assert.equal(beacons[0].body.type, "application/json");
      assert.deepEqual(JSON.parse(await beacons[0].body.text()).events.map((e) => e.kind), ["opened"]);
      assert.equal(c.pendingFeedback, 0);

      accept = false;
      c.recordOutcome({ kind: "clicked" });
      doc.dispatchEvent(new Event("visibilitychange"));
      await until(() => store.acceptedFeedback().length === 1);
      assert.deepEqual(store.acceptedFeedback()[0].body.events.map((e) => e.kind), ["clicked"]);

      c.stop();
      c.recordOutcome({ kind: "ignored" });
      doc.dispatchEvent(new Event("visibilitychange"));
      assert.equal(beacons.length, 2, "no listener after stop()");
    } finally {
      for (const [name, descriptor] of Object.entries(saved)) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete globalThis[name];
      }
      await store.close();
    }
  });
});

describe("start without a waterfall", () => {
  test("both requests leave before the engine exists, with the ETags of the stored records", async () => {
    const store = await goldenStore("no-cache");
    try {
      const storage = new MapStorage();
      await client(store.url, { storage }).start();
      const etag = (key) => JSON.parse(storage.getItem(`${PREFIX}${key}`)).etag;
      const calls = [];
      const c = client(store.url, {
        storage,
        fetch: (url, init) => {
          calls.push({ url, etag: init.headers["if-none-match"], engine: c.engine });
          return fetch(url, init);
        },
      });
      const started = c.start();
      assert.equal(calls.length, 2, "both GETs are sent at once");
      assert.equal(c.engine, null, "before the module is initialized and the engine created");
      assert.deepEqual(calls.map((call) => call.etag), [etag("ruleset"), etag(`profile:${ANA}`)]);
      const report = await started;
      assert.deepEqual([report.ruleset.status, report.profile.status], ["not_modified", "not_modified"]);
      assert.notEqual(c.engine, null);
      assert.equal(calls.length, 2);
    } finally {
      await store.close();
    }
  });

  test("a 304 counts only if the stored copy verifies; a stored copy counted on as fresh that does not is fetched", async () => {
    const store = await goldenStore("private, max-age=60");
    try {
      const storage = new MapStorage();
      await client(store.url, { storage }).start();
      const tamper = (key, bytes, changes = {}) => {
        const record = JSON.parse(storage.getItem(`${PREFIX}${key}`));
        storage.setItem(`${PREFIX}${key}`, JSON.stringify({ ...record, bytes: Buffer.from(bytes).toString("base64url"), ...changes }));
        return record;
      };
      // The ruleset record still claims to be fresh; the profile one is stale and will be revalidated.
      tamper("ruleset", flipByte(G.ruleset));
      const profile = tamper(`profile:${ANA}`, G.snap("ana-tampered.snap"), { freshUntil: 0 });
      const before = store.state.requests.length;
      const c = client(store.url, { storage });
      const report = await c.start();
      assert.deepEqual([report.ruleset.status, report.profile.status], ["fresh", "fresh"]);
      const requests = store.state.requests.slice(before);
      const rulesets = requests.filter((r) => r.path === "/v1/ruleset");
      assert.deepEqual(rulesets.map((r) => r.headers["if-none-match"]), [undefined], "asked once the copy did not verify");
      const profiles = requests.filter((r) => r.path === `/v1/profiles/${ANA}/snapshot`);
      assert.deepEqual(profiles.map((r) => r.headers["if-none-match"]), [profile.etag, undefined], "the 304 was not used");
      assert.deepEqual(c.decide(CONTEXT).decision, G.cases.ana.expected.decision);
      const stored = JSON.parse(storage.getItem(`${PREFIX}profile:${ANA}`));
      assert.ok(Buffer.from(stored.bytes, "base64url").equals(Buffer.from(G.snap("ana.snap"))), "the good bytes are stored");
    } finally {
      await store.close();
    }
  });
});

describe("subject switches", () => {
  const BEN = SUBJECTS.ben;
  const BEN_TOKEN = "read-token-ben";

  test("while the profile request is in flight: the old answer is ignored and the new subject synced", async () => {
    const store = await startStore({
      ruleset: { bytes: G.ruleset, cacheControl: "no-cache" },
      profiles: { [ANA]: { bytes: G.snap("ana.snap"), delayMs: 300 }, [BEN]: { bytes: G.snap("ben.snap") } },
      tokens: { [ANA]: TOKEN, [BEN]: BEN_TOKEN },
    });
    try {
      const storage = new MapStorage();
      const c = client(store.url, { storage });
      const started = c.start();
      await until(() => c.engine !== null);
      await until(() => store.requestsTo(`/v1/profiles/${ANA}/snapshot`).length === 1);
      c.setSubject(BEN, BEN_TOKEN);
      assert.equal(c.subject, BEN);
      assert.equal(c.decide(CONTEXT).personalized, false, "the previous profile is no longer used");
      const report = await started;
      assert.equal(report.profile.status, "fresh");
      assert.equal(c.decide(G.cases.ben.context).decision.subject, BEN);
      assert.equal(storage.getItem(`${PREFIX}profile:${ANA}`), null, "ana's late answer was not accepted");
      assert.equal(storage.getItem(`${PREFIX}seq:profile:${ANA}`), null);
      const [benRequest] = store.requestsTo(`/v1/profiles/${BEN}/snapshot`);
      assert.equal(benRequest.headers.authorization, `Bearer ${BEN_TOKEN}`);

      // Logout, then back: ben's stored copy is restored (verified) without asking the store.
      const requests = store.state.requests.length;
      c.setSubject(null);
      assert.equal(c.decide(CONTEXT).personalized, false);
      c.setSubject(BEN, BEN_TOKEN);
      await until(() => c.decide(G.cases.ben.context).personalized);
      assert.equal(c.decide(G.cases.ben.context).profileStatus, "cached");
      assert.equal(store.state.requests.length, requests);
    } finally {
      await store.close();
    }
  });
});

describe("a runtime without Ed25519 in WebCrypto", () => {
  test("reported as unsupported_runtime; decide gives decision null without throwing; stored copies are kept", async () => {
    const store = await goldenStore("no-cache");
    const storage = new MapStorage();
    const subtle = globalThis.crypto.subtle;
    try {
      await client(store.url, { storage }).start();
      subtle.importKey = async () => {
        throw new DOMException("Unrecognized algorithm name", "NotSupportedError");
      };
      const c = client(store.url, { storage });
      const report = await c.start();
      assert.deepEqual(
        [report.ruleset.status, report.ruleset.error, report.ruleset.sequence],
        ["refused", "unsupported_runtime", null],
      );
      assert.deepEqual([report.profile.error, report.profile.sequence], ["unsupported_runtime", null]);
      const result = c.decide(CONTEXT);
      assert.deepEqual(
        [result.decision, result.personalized, result.error, result.rulesetStatus],
        [null, false, "no_ruleset", "refused"],
      );
      assert.ok(storage.getItem(`${PREFIX}ruleset`), "the stored ruleset is kept");
      assert.ok(storage.getItem(`${PREFIX}profile:${ANA}`), "the stored profile is kept");
    } finally {
      delete subtle.importKey;
      await store.close();
    }
    // With Ed25519 back, the kept copies verify again (here offline).
    const back = client(await unreachableUrl(), { storage });
    const report = await back.start();
    assert.deepEqual([report.ruleset.status, report.profile.status], ["fallback", "fallback"]);
    assert.equal(back.decide(CONTEXT).personalized, true);
  });
});

describe("against the real store (persona serve, seeded)", () => {
  let store;
  before(async () => {
    store = await startRealStore();
  });
  after(() => store?.close());

  test("syncs, revalidates, decides and sends feedback the store accepts; 403 and 404 as documented", async () => {
    const token = store.token(ANA);
    const storage = new MapStorage();
    const real = (options = {}) => client(store.url, { keys: [store.publicKey], token, storage, now: undefined, ...options });

    const c = real();
    const report = await c.start();
    assert.deepEqual([report.ruleset.status, report.ruleset.httpStatus], ["fresh", 200]);
    assert.deepEqual([report.profile.status, report.profile.httpStatus], ["fresh", 200]);
    assert.ok(report.profile.sequence >= 1);
    const { decision, personalized } = c.decide({ consentBanner: "accepted" });
    assert.equal(personalized, true);
    assert.equal(decision.subject, ANA);
    assert.ok(decision.segments.some((s) => s.name === "service_situation" && s.matched), "ana's refund is pending");

    // The stand-in store of the other tests speaks the same protocol.
    const raw = await fetch(`${store.url}/v1/ruleset`);
    assert.equal(raw.headers.get("content-type"), SNAPSHOT_TYPE);
    assert.match(raw.headers.get("etag"), /^".+"$/);
    assert.match(raw.headers.get("cache-control"), /max-age=60/);
    await raw.arrayBuffer();

    // The ruleset is fresh for 60 s (not asked); the profile (private, no-cache) is revalidated: 304.
    const again = await c.sync();
    assert.equal(again.ruleset.status, "cached");
    assert.deepEqual([again.profile.status, again.profile.httpStatus], ["not_modified", 304]);
    const reloaded = real();
    const restored = await reloaded.start();
    assert.deepEqual([restored.ruleset.status, restored.profile.status], ["cached", "not_modified"]);
    assert.deepEqual(reloaded.decide({ consentBanner: "accepted" }).decision, decision);

    // Feedback with the read token in each event: accepted.
    assert.equal(c.recordShown(decision), decision.content.length);
    assert.deepEqual(await c.flush(), { sent: decision.content.length, pending: 0, dropped: 0 });

    const wrong = real({ token: store.token(SUBJECTS.ben), storage: new MapStorage() });
    const forbidden = await wrong.start();
    assert.deepEqual(
      [forbidden.profile.status, forbidden.profile.error, forbidden.profile.httpStatus],
      ["unavailable", "forbidden", 403],
    );
    const nobody = real({ subject: "c_nobody", token: store.token("c_nobody"), storage: new MapStorage() });
    const absent = await nobody.start();
    assert.deepEqual([absent.profile.status, absent.profile.httpStatus], ["absent", 404]);
    assert.equal(nobody.decide().personalized, false);
  });
});
