// The high-level client (see client.d.ts for the API and the central store's HTTP API it speaks): the
// lifecycle, deciding, and the public methods, each run through the one never-throw guard (client-guard.js).
// The work is done by client-sync.js (snapshots from the store), client-storage.js (what is persisted),
// client-session.js (the live session) and client-feedback.js (feedback to the store).
//
// Runtime-neutral on purpose (browsers, Node >= 20, Workers): the entry point injects
// `options.runtime = { init, Engine, Session }`; only web-platform globals are used, each looked up when
// needed and only if present.

import { coded, guard, ignore } from "./client-guard.js";
import { feedbackEvent, FeedbackQueue, shownInputs } from "./client-feedback.js";
import { ClientSession } from "./client-session.js";
import { problemLog, SnapshotStorage } from "./client-storage.js";
import { SnapshotSync } from "./client-sync.js";
import { resolveStorage } from "./storage.js";

const DEFAULT_SKEW_SECS = 300;

/** Throws the TypeError of an invalid option. */
function bad(what, rule) {
  throw new TypeError(`PersonaClient: ${what} must be ${rule}`);
}

function positiveInt(value, fallback, what) {
  if (value === undefined || value === null) return fallback;
  return Number.isSafeInteger(value) && value > 0 ? value : bad(what, "a positive integer");
}

/** A subject or token option: a non-empty string, or null for none. */
function optionalString(value, what) {
  if (value === undefined || value === null || value === "") return null;
  return typeof value === "string" ? value : bad(what, "a string");
}

/**
 * The persona-edge client. Import it from the package entry (`import { PersonaClient } from "persona-edge"`),
 * which binds the WebAssembly runtime; this base class receives it as `options.runtime`.
 */
export class PersonaClient {
  #runtime;
  #engineOptions;
  #token;
  #clock;
  #backend;
  #problems = problemLog();
  #sync;
  #session;
  #feedback;
  #engine = null;
  #starting = null;
  #syncing = null;
  #report = null;

  /** Throws a TypeError on invalid options (the only exception the client ever throws). */
  constructor(options) {
    if (!options || typeof options !== "object") bad("options", "an object");
    const { runtime, storeUrl, keys, audience, now, fetch, profileSnapshot, rulesetSnapshot } = options;
    if (typeof runtime?.init !== "function" || typeof runtime.Engine !== "function" || typeof runtime.Session !== "function") {
      bad("options.runtime", 'bound by the entry point: import PersonaClient from "persona-edge"');
    }
    if (typeof storeUrl !== "string" || storeUrl === "") bad("options.storeUrl", "the central store's base URL");
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === "string")) {
      bad("options.keys", "the trusted public keys (non-empty string array)");
    }
    if (typeof audience !== "string" || audience === "") bad("options.audience", "a non-empty string");
    if (now !== undefined && typeof now !== "number" && typeof now !== "function") {
      bad("options.now", "Unix seconds or a function returning them");
    }
    if (fetch !== undefined && typeof fetch !== "function") bad("options.fetch", "a fetch-compatible function");
    for (const [name, value] of [["profileSnapshot", profileSnapshot], ["rulesetSnapshot", rulesetSnapshot]]) {
      if (value !== undefined && value !== null && !(value instanceof Uint8Array)) bad(`options.${name}`, "a Uint8Array");
    }
    const skew = options.clockSkewSecs ?? DEFAULT_SKEW_SECS;
    if (!Number.isSafeInteger(skew) || skew < 0) bad("options.clockSkewSecs", "a whole number >= 0");
    const prefix = options.storagePrefix ?? `persona-edge:${audience}:`;
    if (typeof prefix !== "string") bad("options.storagePrefix", "a string");
    const timeoutMs = positiveInt(options.timeoutMs, 10000, "timeoutMs");
    const feedback = options.feedback ?? {};
    const feedbackOptions = {
      batchSize: positiveInt(feedback.batchSize, 20, "feedback.batchSize"),
      flushIntervalMs: positiveInt(feedback.flushIntervalMs, 5000, "feedback.flushIntervalMs"),
      maxQueue: positiveInt(feedback.maxQueue, 500, "feedback.maxQueue"),
      beacon: feedback.beacon !== false,
    };
    const subject = optionalString(options.subject, "subject");
    this.#token = optionalString(options.token, "token");
    const onError = this.#problems.add;
    const storage = resolveStorage(options.storage, "localStorage", onError, "options.storage");
    const sessionStorage = resolveStorage(options.sessionStorage, "sessionStorage", onError, "options.sessionStorage");

    this.#runtime = runtime;
    this.#engineOptions = { keys: [...keys], audience, clockSkewSecs: skew };
    this.#clock = now ?? (() => Date.now() / 1000);
    this.#backend = storage ? storage.kind : "memory";
    const base = storeUrl.replace(/\/+$/, "");
    this.#sync = new SnapshotSync({
      storeUrl: base,
      timeoutMs,
      skew,
      fetch,
      subject,
      pageSnapshot: profileSnapshot ?? null,
      pageRuleset: rulesetSnapshot ?? null,
      now: () => this.#now(),
      token: () => this.#token,
      storage: new SnapshotStorage(storage, prefix),
    });
    this.#session = new ClientSession(sessionStorage, `${prefix}session`);
    this.#feedback = new FeedbackQueue({ ...feedbackOptions, url: `${base}/v1/feedback`, timeoutMs, fetch });
  }

  // ---- lifecycle ----

  /**
   * Starts the client: loads the WebAssembly module while the ruleset and profile requests are already in
   * flight (they need no engine), then creates the Engine, restores the session and the stored snapshots
   * (verified) and accepts the store's answers. Rejects only when the engine cannot be created (module not
   * loadable, invalid keys or audience); store and storage problems are in the report. Calling it again
   * returns the same promise.
   */
  start() {
    this.#starting ??= this.#begin();
    return this.#starting;
  }

  #begin() {
    const ready = Promise.resolve()
      .then(() => this.#runtime.init())
      .then(() => {
        this.#engine = this.#sync.engine = new this.#runtime.Engine(this.#engineOptions);
        this.#session.attach(this.#runtime.Session);
        this.#feedback.listen();
      });
    this.#sync.ready = ready;
    return this.#round(false).catch((error) => {
      this.#starting = this.#sync.ready = null;
      throw error;
    });
  }

  /**
   * Brings the ruleset and the profile up to date with the store (nothing is requested while the cached
   * copies are fresh, unless `force`). Concurrent calls share one round. Before `start()`, starts the client.
   */
  sync(options) {
    if (!this.#starting) return this.start();
    return this.#round(options?.force === true);
  }

  #round(force) {
    this.#syncing ??= (async () => {
      const round = guard(() => this.#sync.round(force), ignore);
      try {
        await this.#sync.ready;
      } finally {
        await round;
      }
      return this.#makeReport();
    })().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  /** Stops the feedback timer and the page-hide listeners. Queued events stay; call `flush()` to send them. */
  stop() {
    guard(() => this.#feedback.stop(), ignore);
  }

  /** The report of the last sync (null before the first one). */
  get lastReport() {
    return this.#report;
  }

  /** The underlying Engine once created by `start()` (null before), for advanced use. */
  get engine() {
    return this.#engine;
  }

  /** The subject whose profile is used (adopted from a verified `profileSnapshot` when none was given). */
  get subject() {
    return this.#sync.profile.subject;
  }

  /** The live session as a plain object (null before `start()` created it). */
  get session() {
    return guard(() => this.#session.state, () => null);
  }

  /** How many feedback events wait to be sent. */
  get pendingFeedback() {
    return this.#feedback.pending;
  }

  /**
   * Switches the visitor (login, logout with `null`) and/or the read token. The previous profile is no longer
   * used at once; the new subject's stored profile is restored (verified) if valid. Call `sync()` to fetch
   * it. An invalid subject or token changes nothing.
   */
  setSubject(subject, token) {
    guard(() => {
      const next = optionalString(subject, "subject");
      this.#token = optionalString(token, "token");
      if (next !== this.subject) this.#sync.use(next);
    }, ignore);
  }

  /** Removes the stored profile snapshot of `subject` (default: the current one), e.g. on a shared device. */
  forgetProfile(subject = this.subject) {
    guard(() => typeof subject === "string" && subject !== "" && this.#sync.forget(subject), ignore);
  }

  // ---- deciding and the session ----

  /**
   * Decides with the verified ruleset and profile and the live session. Never throws: without a usable
   * ruleset `decision` is null (keep the page's default content), and `error` says why.
   */
  decide(context) {
    const sync = this.#sync;
    const result = { decision: null, personalized: false, rulesetStatus: sync.ruleset.status, profileStatus: sync.profile.status };
    return guard(() => {
      if (!this.#engine) throw coded("not_started", "call start() first");
      if (context !== undefined && context !== null && typeof context !== "object") {
        throw coded("invalid_argument", "context must be an object");
      }
      const given = context ?? {};
      const now = given.now ?? this.#now();
      const at = typeof now === "number" ? now : this.#now();
      const profile = sync.usable(sync.profile, at) ? sync.profile.profile : null;
      if (sync.profile.info && !profile) result.profileStatus = "expired";
      if (!sync.usable(sync.ruleset, at)) {
        if (sync.ruleset.info) result.rulesetStatus = "expired";
        throw coded("no_ruleset", "no valid ruleset snapshot: keep the default content");
      }
      result.decision = this.#engine.decide({ profile, session: this.#session.live, context: { ...given, now } });
      result.personalized = result.decision.personalized === true;
      return result;
    }, (failure) => Object.assign(result, { decision: null, personalized: false }, failure));
  }

  /**
   * Records one event of the live session (it moves category affinity at once). Never throws: an invalid
   * event is ignored and the result says why. Events tracked before `start()` are applied when it runs.
   */
  track(event) {
    return guard(() => this.#session.track(event), (failure) => ({ ok: false, ...failure }));
  }

  /**
   * Replaces the live session (e.g. what the site's back end knows about this visit: the device, the
   * categories viewed). Never throws: an invalid session is ignored and the result says why. A session
   * set before `start()` is applied when it runs, before events tracked meanwhile.
   */
  setSession(session) {
    return guard(() => this.#session.set(session), (failure) => ({ ok: false, ...failure }));
  }

  /** Starts a new, empty session (also in session storage). */
  resetSession() {
    guard(() => this.#session.reset(), ignore);
  }

  // ---- feedback ----

  /**
   * Queues "shown" events for a decision: one for `options.slot` (its variant looked up in the decision
   * unless given), or one per content slot of the decision. Returns how many events were queued (0 without
   * a subject: feedback is about known customers).
   */
  recordShown(decision, options) {
    return guard(() => shownInputs(decision, options, this.subject).filter((e) => this.recordOutcome(e)).length, () => 0);
  }

  /** Queues one feedback event (subject defaults to the current one, `at` to now). False if it is invalid. */
  recordOutcome(event) {
    return guard(() => {
      const out = feedbackEvent(event, { subject: this.subject, token: this.#token }, this.#now());
      if (out) this.#feedback.add(out);
      return out !== null;
    }, () => false);
  }

  /**
   * Sends every queued event now (in batches of `batchSize`). Never rejects. A batch that fails with a
   * network error, a timeout, 408, 429 or 5xx goes back to the queue and is retried later (with backoff); a
   * batch the store rejects with another 4xx is dropped.
   */
  flush() {
    return guard(() => this.#feedback.flush(), (failure) => ({ sent: 0, pending: this.#feedback.pending, dropped: 0, ...failure }));
  }

  // ---- helpers ----

  #makeReport() {
    const errors = this.#problems.take();
    this.#report = {
      at: this.#now(),
      ...this.#sync.report(),
      storage: { backend: this.#backend, ok: errors.length === 0, errors },
    };
    return this.#report;
  }

  /** The client's clock, whole Unix seconds (the system clock when the option gives no usable time). */
  #now() {
    const t = guard(() => (typeof this.#clock === "function" ? this.#clock() : this.#clock), ignore);
    return Math.floor(typeof t === "number" && Number.isFinite(t) && t >= 0 ? t : Date.now() / 1000);
  }
}
