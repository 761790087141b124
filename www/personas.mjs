// The six demo personas of the shop: the five sample customers of samples/store/seed.mjs and a first-time
// visitor without a profile. Each comes with the live session it browses with (the drop-in's client blends
// it into the decision: Ben is on his phone and looking at tents right now) and the request context.
// Used by server.mjs (the switcher, login, the page's config) and by the tests (who is who).

/** A session as persona-edge's `Session` type has it (see pkg/index.d.ts). */
const session = (device, categories = []) => ({
  live: true,
  device,
  pageType: "home",
  pageViews: 1 + categories.reduce((sum, c) => sum + c.views, 0),
  categories,
  cartValue: 0,
});

/** The request context of every decision on the page (`DecisionContext`): a promotional page, banner accepted. */
export const CONTEXT = Object.freeze({ consentBanner: "accepted", purpose: "promotional" });

/**
 * @typedef {object} Persona
 * @property {string} id the `as` of /login?as=ID
 * @property {string} name
 * @property {string | null} subject the store's pseudonymous id; null for the first-time visitor
 * @property {string} description one line for the switcher
 * @property {object} session the live session (persona-edge `Session`)
 */

/** @type {readonly Persona[]} */
export const PERSONAS = Object.freeze([
  {
    id: "ana",
    name: "Ana",
    subject: "c_ana_7f3a91",
    description: "Waiting for a refund; said no to phone calls, prefers e-mail.",
    session: session("desktop"),
  },
  {
    id: "ben",
    name: "Ben",
    subject: "c_ben_19c2e0",
    description: "Ran for years, camps now; shops on his phone.",
    session: session("mobile", [{ category: "camping", views: 2 }]),
  },
  {
    id: "carla",
    name: "Carla",
    subject: "c_carla_5d0b44",
    description: "Buys mostly on discount; answers text messages.",
    session: session("desktop"),
  },
  {
    id: "david",
    name: "David",
    subject: "c_david_a2e8f7",
    description: "Top customer by net value; prefers a call.",
    session: session("desktop"),
  },
  {
    id: "erik",
    name: "Erik",
    subject: "c_erik_0b77d1",
    description: "Closed his account two years ago.",
    session: session("desktop"),
  },
  {
    id: "visitor",
    name: "First-time visitor",
    subject: null,
    description: "No profile yet: the safe default.",
    session: session("desktop"),
  },
]);

/** The persona with this id, or undefined. */
export const personaById = (id) => PERSONAS.find((p) => p.id === id);

/** The persona of a subject id (the first-time visitor for none or an unknown one). */
export const personaBySubject = (subject) =>
  PERSONAS.find((p) => p.subject !== null && p.subject === subject) ?? personaById("visitor");

/** The channels persona-edge chooses between, in display order. */
export const CHANNELS = Object.freeze(["email", "sms", "push", "web", "phone", "ads"]);

/** Consent states the store accepts for a channel. */
export const CONSENT_STATES = Object.freeze(["granted", "denied", "unknown"]);
