// One request's decision: who is asking, their verified profile, the ruleset, the engine's decision.
// `decideForRequest` never throws: every failure becomes an Outcome with an error code and no decision,
// and the caller leaves the page as the origin sent it.

import { Session } from "persona-edge";
import { rulesetEngine } from "./ruleset.js";
import { readSettings } from "./config.js";
import { errorCode } from "./errors.js";
import { deviceOf, identifyVisitor } from "./identify.js";
import { findProfileSnapshot } from "./snapshots.js";
import { recordGpc } from "./store.js";
import { raiseHighWaterMark } from "./watermarks.js";

/**
 * @typedef {object} Outcome
 * @property {object | null} decision  the engine's Decision; null when something failed (see `error`)
 * @property {boolean} personalized    whether the decision used a verified profile
 * @property {string | null} subject   the verified profile's subject
 * @property {"verified" | "absent" | "erased" | "refused" | "unavailable"} profileStatus
 *   verified: a profile snapshot was verified and used; absent: anonymous visitor, or no profile exists;
 *   erased: the store erased this customer (the page gets the default decision and the persona cookies
 *   are cleared);
 *   refused: the engine refused the snapshot (`error` says why); unavailable: no decision could be made
 *   (the snapshot or the ruleset could not be had, or a cookie was malformed; `error` says why)
 * @property {import("./snapshots.js").FoundSnapshot["source"]} profileSource
 * @property {number | null} sequence  the verified profile snapshot's sequence
 * @property {number | null} rulesetSequence  the sequence of the ruleset decided with
 * @property {string | null} error     an EdgeError or PersonaError code
 * @property {"signature" | "cache" | null} verification  how a profile snapshot was verified: its signature
 *   checked now, or the same bytes verified earlier in this isolate (the other checks run every time)
 * @property {number} durMs            time spent deciding, I/O included (the Server-Timing `dur`)
 */

/**
 * Decides for `request`.
 * @param {Request} request
 * @param {object} env the worker's bindings
 * @param {{ waitUntil(promise: Promise<unknown>): void }} ctx
 * @returns {Promise<Outcome>}
 */
export async function decideForRequest(request, env, ctx) {
  const started = performance.now();
  const outcome = {
    decision: null,
    personalized: false,
    subject: null,
    profileStatus: "absent",
    profileSource: null,
    sequence: null,
    rulesetSequence: null,
    error: null,
    verification: null,
    durMs: 0,
  };
  try {
    const settings = readSettings(env);
    const visitor = identifyVisitor(request);
    const now = Math.floor(Date.now() / 1000);
    const [{ engine, ruleset }, found] = await Promise.all([
      rulesetEngine(settings, ctx, now),
      findProfileSnapshot(visitor, settings, now),
    ]);
    outcome.profileSource = found.source;
    if (found.erased) outcome.profileStatus = "erased";
    outcome.rulesetSequence = ruleset.sequence;
    const context = { now, country: request.cf?.country ?? null };
    if (visitor.consentBanner) context.consentBanner = visitor.consentBanner;
    if (visitor.globalPrivacyControl) {
      // At once for this request, and recorded for the customer so it holds on every channel afterwards.
      context.globalPrivacyControl = true;
      ctx.waitUntil(recordGpc(visitor, settings));
    }

    // Stateless: the engine is shared by the isolate's requests, the verified profile and the session
    // are this request's own. The engine verifies each distinct snapshot once per isolate.
    let profile = null;
    try {
      if (found.bytes !== null) {
        outcome.profileStatus = "refused"; // until verifyProfile resolves
        outcome.verification = engine.hasVerified(found.bytes) ? "cache" : "signature";
        profile = await engine.verifyProfile(found.bytes, { subject: visitor.subject, minSequence: found.minSequence, now });
        Object.assign(outcome, { profileStatus: "verified", sequence: profile.sequence, subject: profile.subject });
        ctx.waitUntil(raiseHighWaterMark(settings.kv, profile.subject, profile.sequence).catch(() => {}));
      }
      outcome.decision = engine.decide({ profile, session: sessionFor(deviceOf(request)), context });
      outcome.personalized = outcome.decision.personalized;
    } finally {
      profile?.free();
    }
  } catch (error) {
    outcome.error = errorCode(error);
    outcome.decision = null;
    outcome.personalized = false;
    if (outcome.profileStatus !== "refused") outcome.profileStatus = "unavailable";
  }
  outcome.durMs = performance.now() - started;
  return outcome;
}

/** A live session per device class, made once per isolate (a request's session is only what it shows). */
const sessions = new Map();

function sessionFor(device) {
  let session = sessions.get(device);
  if (!session) {
    session = Session.from({ live: true, device });
    sessions.set(device, session);
  }
  return session;
}

/** The names of the segments `decision` matched, highest priority first (as the engine lists them). */
export function matchedSegments(decision) {
  return decision.segments.filter((segment) => segment.matched).map((segment) => segment.name);
}
