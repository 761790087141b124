// Consent switching in the browser: the customer's switch goes to the shop's back end (which holds the write
// token), the store gives the profile a new sequence, and the next decision obeys it. Consent is law: the
// channel the decision chose, once denied, is excluded with consent_denied and another one is chosen.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openAs, readPage, settled, startDemo } from "../test-support/harness.mjs";

let demo;
before(async () => {
  demo = await startDemo();
});
after(async () => {
  await demo?.stop();
});

/** Flips a channel's consent switch and waits for the reloaded page's new decision. */
async function flip(page, channelName) {
  const loaded = page.waitForEvent("load");
  await page.getByRole("switch", { name: channelName, exact: true }).click();
  await loaded;
  await settled(page);
  return readPage(page);
}

describe("consent switches change the next decision", () => {
  for (const [persona, channel, name] of [
    ["david", "phone", "Phone"],
    ["carla", "sms", "SMS"],
  ]) {
    test(`${persona}: deny the chosen channel (${channel}), then grant it again`, async () => {
      const { context, page, problems } = await openAs(demo.browser, demo.site.url, persona);
      try {
        const before = await readPage(page);
        assert.equal(before.decision.channel.channel, channel, `${persona}'s channel is ${channel} to begin with`);
        assert.equal(before.consent[channel], "granted");

        const denied = await flip(page, name);
        assert.equal(denied.panel, "decided", denied.status);
        assert.equal(denied.consent[channel], "denied", "the switch shows the stored consent");
        assert.deepEqual(denied.decision.channel.excluded.find((e) => e.channel === channel), { channel, reason: "consent_denied" });
        assert.notEqual(denied.decision.channel.channel, channel);
        assert.equal(denied.channels[channel].status, "excluded");
        assert.equal(denied.channels[channel].reason, "consent_denied");
        assert.equal(denied.channels[denied.decision.channel.channel].status, "chosen");
        assert.match(await page.locator("#consent-note").textContent(), /now denied/);

        const granted = await flip(page, name);
        assert.equal(granted.consent[channel], "granted");
        assert.equal(granted.decision.channel.channel, channel, "granted again: chosen again");
        assert.equal(granted.channels[channel].status, "chosen");
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});
