#!/usr/bin/env node
// The demo's sample customers as `persona import` NDJSON, with event times relative to now (so the decayed
// aggregates look the same whenever the demo runs). Covers the situations of DOMAIN.md:
//   ana    declined phone, prefers e-mail, a refund pending           -> service situation
//   ben    mobile shopper whose interest moved from running to camping -> outdoor enthusiast, not running
//   carla  buys mostly on discount                                      -> discount seeker
//   david  top net value after returns and costs                        -> VIP
//   erik   has left                                                     -> churned
// (The sixth situation, a first-time visitor, is a visitor with no profile at all.)
//
//   node samples/store/seed.mjs > seed.ndjson && persona import seed.ndjson
import { SUBJECTS } from "../subjects.mjs";

const now = Math.floor(Date.now() / 1000);
const DAY = 86400;
const at = (daysAgo, hour = 19) => now - daysAgo * DAY - ((now % DAY) - hour * 3600 + DAY) % DAY;
const lines = [];
const profile = (subject, body) => lines.push({ subject, profile: body });
const event = (subject, type, daysAgo, fields = {}) => lines.push({ subject, type, at: at(daysAgo), ...fields });
let order = 0;
const purchase = (subject, daysAgo, value, category, extra = {}) =>
  event(subject, "purchase", daysAgo, { order_id: `o-${subject}-${++order}`, value, items: 1, category, ...extra });
const opened = (subject, channel, daysAgo) => {
  event(subject, "message_delivered", daysAgo, { channel });
  event(subject, "message_opened", daysAgo, { channel });
};

// Ana: e-mail yes, phone no; a refund is pending (service before selling).
const ana = SUBJECTS.ana;
profile(ana, {
  traits: { locale: "de-DE", country: "DE", time_zone: "Europe/Berlin", loyalty_tier: "silver" },
  preferences: { preferred_channel: "email", interests: ["camping", "hiking"], quiet_hours: { start_hour: 20, end_hour: 9 } },
  consent: {
    channels: { email: "granted", sms: "granted", phone: "denied", ads: "denied" },
    purposes: { marketing: "granted", personalization: "granted", ad_targeting: "denied" },
  },
});
for (const d of [200, 120, 60, 20]) purchase(ana, d, 120, "camping", { cost: 60 });
for (const d of [10, 5, 3]) event(ana, "category_view", d, { category: "camping" });
for (const d of [30, 23, 16, 9, 2]) opened(ana, "email", d);
event(ana, "refund_requested", 1, { case_id: "r-ana-1" });

// Ben: bought running gear long ago, browses camping now, mostly on his phone.
const ben = SUBJECTS.ben;
profile(ben, {
  traits: { locale: "en-GB", country: "GB", time_zone: "Europe/London", loyalty_tier: "bronze" },
  consent: { channels: { email: "granted", push: "granted", ads: "granted" }, purposes: { marketing: "granted", personalization: "granted" } },
});
for (const d of [700, 650, 600, 560]) purchase(ben, d, 90, "running", { cost: 45 });
for (const d of [6, 5, 4, 3, 2, 1, 1, 0]) event(ben, "category_view", d, { category: "camping" });
purchase(ben, 12, 60, "camping", { cost: 30 });
event(ben, "add_to_cart", 1, { category: "camping", value: 149 });
for (const d of [12, 5]) opened(ben, "push", d);

// Carla: eight of ten orders on discount.
const carla = SUBJECTS.carla;
profile(carla, {
  traits: { locale: "en-US", country: "US", time_zone: "America/New_York", loyalty_tier: "silver" },
  consent: { channels: { email: "granted", sms: "granted", push: "granted", ads: "granted" }, purposes: { marketing: "granted", personalization: "granted" } },
});
for (let i = 0; i < 10; i++) purchase(carla, 15 + i * 20, 45, "running", { cost: 25, discounted: i < 8 });
for (const d of [3, 2, 1]) event(carla, "category_view", d, { category: "running" });
for (const d of [20, 13, 6]) opened(carla, "sms", d);

// David: the store's best customer by net value, few returns, prefers a call.
const david = SUBJECTS.david;
profile(david, {
  traits: { locale: "de-DE", country: "DE", time_zone: "Europe/Berlin", loyalty_tier: "platinum" },
  preferences: { preferred_channel: "phone", interests: ["running", "cycling"] },
  consent: { channels: { email: "granted", sms: "granted", push: "granted", phone: "granted", ads: "denied" }, purposes: { marketing: "granted", personalization: "granted" } },
});
for (let i = 0; i < 24; i++) purchase(david, 5 + i * 15, 300, i % 3 === 0 ? "cycling" : "running", { cost: 100 });
event(david, "return", 40, { value: 300, items: 1 });
for (const d of [4, 2, 1]) event(david, "category_view", d, { category: "running" });
for (const d of [14, 7]) opened(david, "email", d);

// Erik: closed his account a while ago.
const erik = SUBJECTS.erik;
profile(erik, {
  traits: { locale: "sv-SE", country: "SE", time_zone: "Europe/Stockholm", account_closed: true },
  consent: { channels: { email: "granted", ads: "granted" }, purposes: { marketing: "granted" } },
});
for (const d of [900, 820, 760]) purchase(erik, d, 60, "cycling", { cost: 30 });

process.stdout.write(lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
