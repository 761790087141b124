// Each of the six personas in real headless Chromium: the real store, the shop, the drop-in from the built
// package. The slots show the persona's content and the panel explains the same decision the drop-in made:
// matched segments, every channel (chosen, ranked or excluded with its reason), the 7 x 24 heatmap with the
// planned send hour. A screenshot of each page lands in test/output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CHANNELS, PERSONAS } from "../personas.mjs";
import { openAs, readPage, screenshot, settled, startDemo } from "../test-support/harness.mjs";

/** What the domain says each persona must see (DOMAIN.md, samples/store/seed.mjs, samples/ruleset.json). */
const EXPECTED = {
  ana: {
    slots: { hero: "hero-service", offer: "offer-none-service" },
    matched: ["service_situation"],
    excluded: { phone: "consent_denied", ads: "consent_denied", email: "service_situation" },
    chosen: null,
  },
  ben: {
    slots: { hero: "hero-camping", recommendations: "rec-camping-stove" },
    matched: ["outdoor_enthusiast", "mobile_shopper"],
    notMatched: ["running_enthusiast"],
    excluded: {},
  },
  carla: {
    slots: { offer: "offer-discount" },
    matched: ["discount_seeker"],
    excluded: { phone: "consent_unknown" },
  },
  david: {
    slots: { hero: "hero-vip" },
    matched: ["vip"],
    excluded: { ads: "consent_denied" },
    chosen: "phone",
  },
  erik: {
    slots: { hero: "hero-winback" },
    matched: ["churned"],
    excluded: { ads: "churned" },
  },
  visitor: {
    slots: { hero: "hero-default", recommendations: "rec-bestsellers", offer: "offer-welcome" },
    matched: ["first_time_visitor"],
    excluded: { email: "no_profile", sms: "no_profile", phone: "no_profile" },
    chosen: "web",
  },
};

let demo;
before(async () => {
  demo = await startDemo();
});
after(async () => {
  await demo?.stop();
});

/** The panel's channel table says what the decision says, for every channel. */
function assertChannelsMatchDecision(shown, decision) {
  assert.deepEqual(Object.keys(shown), CHANNELS, "one row per channel, in order");
  for (const channel of CHANNELS) {
    const excluded = decision.channel.excluded.find((e) => e.channel === channel);
    const ranked = decision.channel.ranking.find((r) => r.channel === channel);
    const row = shown[channel];
    if (decision.channel.channel === channel) assert.equal(row.status, "chosen", channel);
    else if (excluded) {
      assert.equal(row.status, "excluded", channel);
      assert.equal(row.reason, excluded.reason, channel);
    } else {
      assert.equal(row.status, "ranked", channel);
      assert.match(row.text, new RegExp(`${ranked.expectedResponsePct}% expected response`), channel);
    }
  }
}

describe("every persona sees their content and the panel explains it", () => {
  for (const persona of PERSONAS) {
    test(`${persona.name} (${persona.id})`, async () => {
      const expected = EXPECTED[persona.id];
      const { context, page, problems } = await openAs(demo.browser, demo.site.url, persona.id);
      try {
        const shown = await readPage(page);
        assert.equal(shown.panel, "decided", shown.status);
        const { decision } = shown;
        assert.ok(decision, "the drop-in decided");
        assert.equal(decision.personalized, persona.subject !== null);

        // The slots: the expected variants, with the decision's content, for every slot the ruleset has.
        for (const [slot, variant] of Object.entries(expected.slots)) {
          assert.equal(shown.slots[slot].variant, variant, `slot ${slot}`);
        }
        for (const choice of decision.content) {
          assert.equal(shown.slots[choice.slot].text, choice.content, `slot ${choice.slot} shows the decision`);
        }

        // Segments: every segment listed, the matched ones marked as the decision says.
        assert.deepEqual(shown.segments.map((s) => s.name), decision.segments.map((s) => s.name));
        const matched = shown.segments.filter((s) => s.matched).map((s) => s.name);
        assert.deepEqual(matched, decision.segments.filter((s) => s.matched).map((s) => s.name));
        for (const name of expected.matched) assert.ok(matched.includes(name), `${name} matched (${matched})`);
        for (const name of expected.notMatched ?? []) assert.ok(!matched.includes(name), `${name} not matched`);

        // Channels: the table is the decision; the domain's exclusions are there with their reasons.
        assertChannelsMatchDecision(shown.channels, decision);
        for (const [channel, reason] of Object.entries(expected.excluded)) {
          assert.deepEqual([shown.channels[channel].status, shown.channels[channel].reason], ["excluded", reason], channel);
          assert.ok(decision.channel.excluded.some((e) => e.channel === channel && e.reason === reason));
        }
        if ("chosen" in expected) assert.equal(decision.channel.channel, expected.chosen);

        // The heatmap: 7 x 24, the planned send hour marked when a channel was chosen for a later time.
        assert.equal(shown.cells, 168);
        const planned = decision.channel.channel ? decision.timing?.localHourOfWeek ?? null : null;
        assert.deepEqual(shown.sendTimeCells, planned === null ? [] : [planned]);
        if (planned !== null) assert.match(shown.heatmapLabel, /planned send \w{3} \d\d:00/);

        // Consent switches for customers, none for the visitor.
        assert.equal(shown.consentVisible, persona.subject !== null);
        if (persona.subject !== null) assert.deepEqual(Object.keys(shown.consent), CHANNELS);

        assert.deepEqual(problems, [], "no uncaught errors in the page");
        await screenshot(page, persona.id);
      } finally {
        await context.close();
      }
    });
  }

  test("Ana's offer slot takes no room (service before selling)", async () => {
    const { context, page } = await openAs(demo.browser, demo.site.url, "ana");
    try {
      assert.equal(await page.locator(".offer").isVisible(), false);
      assert.equal(await page.locator('#channels tr[data-channel="phone"] .why').textContent(), "consent denied");
    } finally {
      await context.close();
    }
  });

  test("Ben's send time: the heatmap marks the hour the timing text names", async () => {
    const { context, page } = await openAs(demo.browser, demo.site.url, "ben");
    try {
      const { decision, timing, sendTimeCells } = await readPage(page);
      const how = decision.timing.localHourOfWeek;
      assert.deepEqual(sendTimeCells, [how]);
      const label = `${["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][Math.floor(how / 24)]} ${String(how % 24).padStart(2, "0")}:00`;
      assert.ok(timing.includes(label), `${timing} names ${label}`);
    } finally {
      await context.close();
    }
  });
});

describe("the panel without the drop-in's decision", () => {
  /**
   * Opens the shop as `persona` with the drop-in script replaced (`dropIn`: the body to serve, or null for a
   * 404) and, when `injected` is given, the page carrying it as the edge worker's decision JSON.
   */
  async function openWith(persona, { dropIn, injected }) {
    const { context, page, problems } = await openAs(demo.browser, demo.site.url, persona);
    await page.route("**/pkg/drop-in.js", (route) =>
      dropIn === null ? route.fulfill({ status: 404, body: "" }) : route.fulfill({ contentType: "text/javascript", body: dropIn }),
    );
    if (injected) {
      await page.route(demo.site.url + "/", async (route) => {
        const response = await route.fetch();
        const json = JSON.stringify(injected).replace(/</g, "\\u003c");
        const body = (await response.text()).replace("</body>", `<script type="application/json" id="persona-decision">${json}</script></body>`);
        await route.fulfill({ response, body });
      });
    }
    await page.reload();
    await settled(page);
    return { context, page, problems };
  }

  test("a page personalized by the edge worker: the panel shows the worker's decision", async () => {
    const first = await openAs(demo.browser, demo.site.url, "david");
    const { decision } = await readPage(first.page);
    await first.context.close();

    const { context, page, problems } = await openWith("david", {
      dropIn: "// the drop-in is not used here",
      injected: { personalized: true, decision, profileStatus: "fresh" },
    });
    try {
      const shown = await readPage(page);
      assert.equal(shown.panel, "decided");
      assert.match(shown.status, /^Decided at the edge for David/);
      assertChannelsMatchDecision(shown.channels, decision);
      assert.deepEqual(shown.segments.filter((s) => s.matched).map((s) => s.name), decision.segments.filter((s) => s.matched).map((s) => s.name));
      assert.deepEqual(shown.sendTimeCells, [decision.timing.localHourOfWeek]);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("a drop-in that does not load: default content, the reason in the panel", async () => {
    const { context, page, problems } = await openWith("carla", { dropIn: null });
    try {
      const shown = await readPage(page);
      assert.equal(shown.panel, "error");
      assert.equal(shown.slots.offer.variant, null);
      assert.equal(shown.slots.offer.text, "Free shipping over 50.");
      assert.match(shown.status, /the personalization module did not load \(load_failed\)/);
      assert.equal(shown.cells, 168);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
