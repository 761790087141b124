// The page never breaks when the central store is down: with nothing cached it shows its default content and
// says why in the panel; with a verified copy cached it stays personalized from it; the back end answers 502
// and keeps running. A shop started while the store is down still serves its default page.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { freePort, openAs, readPage, screenshot, settled, startDemo, startSite } from "../test-support/harness.mjs";

const DEFAULTS = {
  hero: "Gear for every adventure.",
  recommendations: "This week's bestsellers.",
  offer: "Free shipping over 50.",
};

let demo;
/** Ana's browser context from while the store was up: her cookies and verified snapshots are cached. */
let ana;
before(async () => {
  demo = await startDemo();
  ana = await openAs(demo.browser, demo.site.url, "ana");
  assert.equal((await readPage(ana.page)).slots.hero.variant, "hero-service");
  await demo.store.stop();
});
after(async () => {
  await ana?.context.close();
  await demo?.stop();
});

/** The slots show the page's own default content, untouched by the drop-in. */
function assertDefaults(shown) {
  for (const [slot, text] of Object.entries(DEFAULTS)) {
    assert.deepEqual(shown.slots[slot], { variant: null, text }, slot);
  }
}

describe("the store is down", () => {
  test("a first-time visitor: default content, the reason in the panel", async () => {
    const { context, page, problems } = await openAs(demo.browser, demo.site.url, "visitor");
    try {
      const shown = await readPage(page);
      assertDefaults(shown);
      assert.equal(shown.panel, "error");
      assert.equal(shown.personaError, "network");
      assert.equal(shown.statusKind, "error");
      assert.match(shown.status, /Not personalized: the central store could not be reached \(network\)/);
      assert.equal(shown.cells, 168, "the heatmap is still drawn");
      assert.deepEqual(shown.sendTimeCells, []);
      assert.deepEqual(problems, []);
      await screenshot(page, "store-down");
    } finally {
      await context.close();
    }
  });

  test("a customer with nothing cached: default content, error notes in the panel", async () => {
    const context = await demo.browser.newContext();
    try {
      await context.addCookies(await ana.context.cookies()); // logged in, but a new browser: no snapshots
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (error) => problems.push(String(error)));
      await page.goto(demo.site.url);
      await settled(page);
      const shown = await readPage(page);
      assertDefaults(shown);
      assert.equal(shown.panel, "error");
      assert.match(shown.status, /could not be reached/);
      assert.match(shown.activityNote, /Activity could not be loaded: the central store .* did not answer/);
      assert.equal(shown.consentVisible, false);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("a customer whose verified snapshots are cached stays personalized, and the panel says so", async () => {
    await ana.page.reload();
    await settled(ana.page);
    const shown = await readPage(ana.page);
    assert.equal(shown.slots.hero.variant, "hero-service");
    assert.equal(shown.panel, "decided");
    assert.match(shown.status, /store unreachable: last verified copy/);
    assert.deepEqual(ana.problems, []);
  });

  test("the back end answers 502 for what needs the store, and keeps serving the rest", async () => {
    const cookie = (await ana.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const profile = await fetch(`${demo.site.url}/api/profile`, { headers: { cookie } });
    assert.equal(profile.status, 502);
    assert.equal((await profile.json()).error.code, "store_unreachable");
    const consent = await fetch(`${demo.site.url}/api/consent`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ channel: "email", state: "denied" }),
    });
    assert.equal(consent.status, 502);
    const login = await fetch(`${demo.site.url}/login?as=ben`, { redirect: "manual", headers: { accept: "text/html" } });
    assert.equal(login.status, 502);
    assert.match(await login.text(), /did not answer/);
    assert.equal((await fetch(`${demo.site.url}/healthz`)).status, 200);
    assert.equal((await fetch(demo.site.url)).status, 200);
  });

  test("a shop started while the store is down serves its default page", async () => {
    const port = await freePort();
    const deadStore = `http://127.0.0.1:${await freePort()}`;
    const site = await startSite({ port, storeUrl: deadStore });
    try {
      const { context, page, problems } = await openAs(demo.browser, site.url, "visitor");
      try {
        const shown = await readPage(page);
        assertDefaults(shown);
        assert.equal(shown.panel, "error");
        assert.match(shown.status, /Not personalized/);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    } finally {
      await site.stop();
    }
  });
});
