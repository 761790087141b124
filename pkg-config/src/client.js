// The high-level client (see client.d.ts for the API and the central store's HTTP API it speaks).
//
// It keeps a verified ruleset and the visitor's profile in sync with the central store, caches the last good
// snapshots in storage (always re-verified through the Engine before use), falls back to them when the store
// is unreachable, protects against rollback with a persisted high-water mark, decides without ever throwing
// and sends feedback events in batches.
//
// Runtime-neutral on purpose (browsers, Node >= 20, Workers): it never imports the wasm glue or an entry
// point (the entry injects `options.runtime = { init, Engine }`) and uses only web-platform globals, each
// looked up when needed and only if present.

import { parseCacheControl, freshnessSecs } from "./store-access.js";
import { usableStorage, isStorageLike, SafeStorage, resolveStorage, toBase64url, fromBase64url } from "./storage.js";

const FEEDBACK_KINDS = ["shown", "delivered", "opened", "clicked", "converted", "ignored"];
/** Size caps of the verifier (docs/FORMAT.md): a larger body is refused before it is read. */
const MAX_BYTES = { ruleset: 262144, profile: 16384 };
const DEFAULT_SKEW_SECS = 300;
const MAX_PENDING_TRACK = 100;
const MAX_RETRY_DELAY_MS = 5 * 60 * 1000;
const RECORD_VERSION = 1;

const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const isWhole = (n) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

function positiveInt(value, fallback, what) {
  if (value === undefined || value === null) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`PersonaClient: ${what} must be a positive integer`);
  return value;
}

function errorInfo(error) {
  const code =
    error && typeof error === "object" && typeof error.code === "string" && error.name === "PersonaError"
      ? error.code
      : "invalid_argument";
  const message = error instanceof Error ? error.message : String(error);
  return { code, message };
}

// ---- one snapshot slot (the ruleset, or the current subject's profile) ----

function emptySlot(status) {
  return {
    /** SnapshotInfo of the verified snapshot in use, or null. */
    info: null,
    bytes: null,
    etag: null,
    /** Unix seconds until which the store is not asked again (Cache-Control max-age). */
    freshUntil: 0,
    /** Whether the bytes may be persisted (false after `Cache-Control: no-store`). */
    persist: true,
    status,
    error: undefined,
    message: undefined,
    httpStatus: undefined,
  };
}

class RequestError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * The persona-edge client. Import it from the package entry (`import { PersonaClient } from "persona-edge"`),
 * which binds the WebAssembly runtime; this base class receives it as `options.runtime`.
 */
export class PersonaClient {
  #runtime;
  #storeUrl;
  #keys;
  #audience;
  #skew;
  #subject;
  #token;
  /** Profile snapshot bytes handed over by the page (e.g. from a cookie) instead of fetched. */
  #profileSnapshot = null;
  #clock;
  #fetchOption;
  #timeoutMs;
  #prefix;
  #storage;
  #sessionStorage;
  #storageErrors = [];
  #feedback;

  #engine = null;
  #starting = null;
  #syncing = null;
  #report = null;
  #ruleset = emptySlot("unavailable");
  #profile = emptySlot("absent");
  #pendingTrack = [];
  #pendingSession = null;

  #queue = [];
  #flushing = null;
  #timer = null;
  #timerDue = 0;
  #batchScheduled = false;
  #failures = 0;
  #sentTotal = 0;
  #droppedTotal = 0;
  #listeners = [];
  #stopped = false;

  constructor(options) {
    if (!options || typeof options !== "object") throw new TypeError("PersonaClient: options are required");
    const { runtime } = options;
    if (!runtime || typeof runtime.init !== "function" || typeof runtime.Engine !== "function") {
      throw new TypeError('PersonaClient: import it from "persona-edge" (the entry point binds the WebAssembly runtime)');
    }
    if (typeof options.storeUrl !== "string" || options.storeUrl === "") {
      throw new TypeError("PersonaClient: options.storeUrl must be the central store's base URL");
    }
    if (!Array.isArray(options.keys) || options.keys.length === 0 || !options.keys.every((k) => typeof k === "string")) {
      throw new TypeError("PersonaClient: options.keys must be the trusted public keys (non-empty string array)");
    }
    if (typeof options.audience !== "string" || options.audience === "") {
      throw new TypeError("PersonaClient: options.audience must be a non-empty string");
    }
    if (options.now !== undefined && typeof options.now !== "number" && typeof options.now !== "function") {
      throw new TypeError("PersonaClient: options.now must be Unix seconds or a function returning them");
    }
    if (options.fetch !== undefined && typeof options.fetch !== "function") {
      throw new TypeError("PersonaClient: options.fetch must be a fetch-compatible function");
    }
    this.#runtime = runtime;
    this.#storeUrl = options.storeUrl.replace(/\/+$/, "");
    this.#keys = [...options.keys];
    this.#audience = options.audience;
    this.#skew = options.clockSkewSecs ?? DEFAULT_SKEW_SECS;
    if (!isWhole(this.#skew)) throw new TypeError("PersonaClient: options.clockSkewSecs must be a whole number >= 0");
    this.#subject = this.#checkSubject(options.subject);
    this.#token = this.#checkToken(options.token);
    if (options.profileSnapshot !== undefined && options.profileSnapshot !== null) {
      if (!(options.profileSnapshot instanceof Uint8Array)) {
        throw new TypeError("PersonaClient: profileSnapshot must be a Uint8Array");
      }
      this.#profileSnapshot = options.profileSnapshot;
    }
    this.#clock = options.now ?? (() => Date.now() / 1000);
    this.#fetchOption = options.fetch;
    this.#timeoutMs = positiveInt(options.timeoutMs, 10000, "timeoutMs");
    this.#prefix = options.storagePrefix ?? `persona-edge:${options.audience}:`;
    if (typeof this.#prefix !== "string") throw new TypeError("PersonaClient: options.storagePrefix must be a string");
    const onError = (operation, key, error) => this.#storageError(operation, key, error);
    this.#storage = resolveStorage(options.storage, "localStorage", onError, "options.storage");
    this.#sessionStorage = resolveStorage(options.sessionStorage, "sessionStorage", onError, "options.sessionStorage");
    const feedback = options.feedback ?? {};
    this.#feedback = {
      batchSize: positiveInt(feedback.batchSize, 20, "feedback.batchSize"),
      flushIntervalMs: positiveInt(feedback.flushIntervalMs, 5000, "feedback.flushIntervalMs"),
      maxQueue: positiveInt(feedback.maxQueue, 500, "feedback.maxQueue"),
      beacon: feedback.beacon !== false,
    };
  }

  // ---- lifecycle ----

  /**
   * Loads the WebAssembly module, creates the Engine, restores the last good snapshots from storage
   * (re-verified) and the session, then syncs with the store. Rejects only when the engine cannot be created
   * (module not loadable, invalid keys or audience); store and storage problems are in the report.
   */
  start() {
    this.#starting ??= this.#start().catch((error) => {
      this.#starting = null;
      throw error;
    });
    return this.#starting;
  }

  async #start() {
    await this.#runtime.init();
    const engineOptions = { keys: this.#keys, audience: this.#audience, clockSkewSecs: this.#skew };
    this.#engine = new this.#runtime.Engine(engineOptions);
    this.#restoreSession();
    if (this.#pendingSession !== null) {
      const session = this.#pendingSession;
      this.#pendingSession = null;
      this.setSession(session);
    }
    for (const event of this.#pendingTrack.splice(0)) this.track(event);
    const now = this.#now();
    this.#restore("ruleset", now);
    this.#restore("profile", now);
    this.#listenForPageHide();
    return this.sync();
  }

  /**
   * Brings the ruleset and the profile up to date with the store (nothing is requested while the cached
   * copies are fresh, unless `force`). Never rejects: what happened is in the report.
   */
  sync(options = {}) {
    if (!this.#engine) return this.start();
    this.#syncing ??= this.#sync(options?.force === true).finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #sync(force) {
    await Promise.all([this.#syncSlot("ruleset", force), this.#syncSlot("profile", force)]);
    return this.#makeReport();
  }

  /** Stops the feedback timer and the page-hide listeners. Queued events stay; call `flush()` to send them. */
  stop() {
    this.#stopped = true;
    this.#clearTimer();
    for (const [target, type, listener] of this.#listeners.splice(0)) {
      try {
        target.removeEventListener(type, listener);
      } catch {
        // nothing to undo
      }
    }
  }

  /** The report of the last sync (null before the first one). */
  get lastReport() {
    return this.#report;
  }

  /** The underlying Engine once started (null before), for advanced use. */
  get engine() {
    return this.#engine;
  }

  /** The subject whose profile is used, or null for an anonymous visitor. */
  get subject() {
    return this.#subject;
  }

  /** How many feedback events wait to be sent. */
  get pendingFeedback() {
    return this.#queue.length;
  }

  /**
   * Switches the visitor (login, logout with `null`, or a new read token). The previous profile is no longer
   * used at once; the new subject's stored profile is restored if valid. Call `sync()` to fetch it.
   */
  setSubject(subject, token) {
    const next = this.#checkSubject(subject);
    this.#token = this.#checkToken(token);
    if (next === this.#subject) return;
    this.#profileSnapshot = null;
    this.#subject = next;
    this.#dropProfile();
    this.#profile = emptySlot("absent");
    if (this.#engine) this.#restore("profile", this.#now());
  }

  /** Removes the stored profile snapshot of `subject` (default: the current one), e.g. on a shared device. */
  forgetProfile(subject = this.#subject) {
    if (typeof subject !== "string" || subject === "") return;
    this.#storage?.remove(this.#entryKey("profile", subject));
    if (subject === this.#subject) {
      this.#dropProfile();
      this.#profile = emptySlot("absent");
    }
  }

  // ---- deciding and the session ----

  /**
   * Decides with the verified ruleset and profile and the live session. Never throws: without a usable
   * ruleset `decision` is null (keep the page's default content), and `error` says why.
   */
  decide(context) {
    const ruleset = this.#ruleset;
    const profile = this.#profile;
    const result = {
      decision: null,
      personalized: false,
      rulesetStatus: ruleset.status,
      profileStatus: profile.status,
    };
    try {
      if (!this.#engine) {
        result.error = "not_started";
        result.message = "call start() first";
        return result;
      }
      const given = context !== null && typeof context === "object" ? context : {};
      if (context !== undefined && context !== null && typeof context !== "object") {
        result.error = "invalid_argument";
        result.message = "context must be an object";
        return result;
      }
      const now = given.now ?? this.#now();
      const at = typeof now === "number" ? now : this.#now();
      if (profile.info && !this.#usable(profile, at)) result.profileStatus = "expired";
      if (!this.#usable(ruleset, at)) {
        if (ruleset.info) result.rulesetStatus = "expired";
        result.error = "no_ruleset";
        result.message = "no valid ruleset snapshot: keep the default content";
        return result;
      }
      const decision = this.#engine.decide({ ...given, now });
      result.decision = decision;
      result.personalized = decision.personalized === true;
      return result;
    } catch (error) {
      const { code, message } = errorInfo(error);
      result.decision = null;
      result.personalized = false;
      result.error = code;
      result.message = message;
      return result;
    }
  }

  /**
   * Records one event of the live session (it moves category affinity at once). Never throws: an invalid
   * event is ignored and the result says why. Events tracked before `start()` are applied when it runs.
   */
  track(event) {
    if (!this.#engine) {
      if (this.#pendingTrack.length >= MAX_PENDING_TRACK) {
        return { ok: false, error: "invalid_argument", message: "too many events before start()" };
      }
      this.#pendingTrack.push(event);
      return { ok: true, pending: true };
    }
    try {
      this.#engine.track(event);
    } catch (error) {
      const { code, message } = errorInfo(error);
      return { ok: false, error: code, message };
    }
    this.#saveSession();
    return { ok: true };
  }

  /**
   * Replaces the live session (e.g. what the site's back end knows about this visit: the device, the
   * categories viewed). Never throws: an invalid session is ignored and the result says why. A session
   * set before `start()` is applied when it runs, before events tracked meanwhile.
   */
  setSession(session) {
    if (!this.#engine) {
      this.#pendingSession = session;
      return { ok: true, pending: true };
    }
    try {
      this.#engine.setSession(session);
    } catch (error) {
      const { code, message } = errorInfo(error);
      return { ok: false, error: code, message };
    }
    this.#saveSession();
    return { ok: true };
  }

  /** Starts a new, empty session (also in session storage). */
  resetSession() {
    this.#pendingTrack.length = 0;
    if (!this.#engine) return;
    this.#engine.resetSession();
    this.#sessionStorage?.remove(this.#prefix + "session");
  }

  #restoreSession() {
    if (!this.#sessionStorage) return;
    const key = this.#prefix + "session";
    const raw = this.#sessionStorage.get(key);
    if (raw === null) return;
    try {
      this.#engine.setSession(JSON.parse(raw));
    } catch {
      this.#sessionStorage.remove(key);
    }
  }

  #saveSession() {
    if (!this.#sessionStorage) return;
    try {
      this.#sessionStorage.set(this.#prefix + "session", JSON.stringify(this.#engine.session));
    } catch {
      // the session simply is not persisted
    }
  }

  // ---- feedback ----

  /**
   * Queues "shown" events for a decision: one for `options.slot` (its variant looked up in the decision
   * unless given), or one per content slot of the decision. Returns how many events were queued (0 without
   * a subject: feedback is about known customers).
   */
  recordShown(decision, options = {}) {
    const d = decision && typeof decision === "object" && "decision" in decision ? decision.decision : decision;
    if (!d || typeof d !== "object") return 0;
    const subject = (typeof d.subject === "string" && d.subject) || this.#subject;
    if (!subject) return 0;
    const segments = Array.isArray(d.segments)
      ? d.segments.filter((s) => s && s.matched).map((s) => s.name)
      : undefined;
    const content = Array.isArray(d.content) ? d.content : [];
    const opts = options && typeof options === "object" ? options : {};
    let shown;
    if (typeof opts.slot === "string") {
      const variant = opts.variant ?? content.find((c) => c && c.slot === opts.slot)?.variant;
      shown = [{ slot: opts.slot, variant }];
    } else {
      shown = content.map((c) => ({ slot: c.slot, variant: c.variant }));
    }
    let queued = 0;
    for (const { slot, variant } of shown) {
      const ok = this.recordOutcome({
        kind: "shown",
        subject,
        channel: opts.channel,
        slot,
        variant,
        segments,
        at: opts.at,
      });
      if (ok) queued++;
    }
    return queued;
  }

  /** Queues one feedback event (subject defaults to the current one, `at` to now). False if it is invalid. */
  recordOutcome(event) {
    if (!event || typeof event !== "object" || !FEEDBACK_KINDS.includes(event.kind)) return false;
    const subject = event.subject ?? this.#subject;
    if (typeof subject !== "string" || subject === "") return false;
    const at = event.at ?? this.#now();
    if (!isWhole(at)) return false;
    const out = { subject, kind: event.kind };
    for (const field of ["channel", "slot", "variant"]) {
      if (event[field] === undefined || event[field] === null) continue;
      if (typeof event[field] !== "string") return false;
      out[field] = event[field];
    }
    if (event.segments !== undefined && event.segments !== null) {
      if (!Array.isArray(event.segments) || !event.segments.every((s) => typeof s === "string")) return false;
      out.segments = [...event.segments];
    }
    out.at = at;
    // The store takes feedback from browsers (no Authorization header with sendBeacon) when each event
    // carries its subject's read token.
    if (subject === this.#subject && this.#token !== null) out.token = this.#token;
    this.#enqueue(out);
    return true;
  }

  #enqueue(event) {
    this.#queue.push(event);
    this.#trimQueue();
    if (this.#stopped) return;
    if (this.#queue.length >= this.#feedback.batchSize && this.#failures === 0) {
      if (!this.#batchScheduled) {
        this.#batchScheduled = true;
        // A microtask: events recorded in the same task go in the same batch.
        queueMicrotask(() => {
          this.#batchScheduled = false;
          if (this.#queue.length >= this.#feedback.batchSize) void this.flush();
        });
      }
    } else {
      this.#armTimer(this.#nextDelay());
    }
  }

  /** The flush interval, or the retry backoff after failed flushes (doubling, at most 5 minutes). */
  #nextDelay() {
    const base = this.#feedback.flushIntervalMs;
    return this.#failures > 0 ? Math.min(base * 2 ** (this.#failures - 1), MAX_RETRY_DELAY_MS) : base;
  }

  #trimQueue() {
    const over = this.#queue.length - this.#feedback.maxQueue;
    if (over > 0) {
      this.#queue.splice(0, over);
      this.#droppedTotal += over;
    }
  }

  /**
   * Sends every queued event now (in batches of `batchSize`) with fetch. Never rejects. A batch that fails
   * with a network error, a timeout, 408, 429 or 5xx goes back to the queue and is retried later (with
   * backoff); a batch the store rejects with another 4xx is dropped.
   */
  flush() {
    const run = async () => {
      // Counted from the call: a flush already running may send (some of) these events.
      const sentBefore = this.#sentTotal;
      const droppedBefore = this.#droppedTotal;
      while (this.#flushing) await this.#flushing;
      this.#flushing = this.#flushNow();
      try {
        const result = await this.#flushing;
        result.sent = this.#sentTotal - sentBefore;
        result.dropped = this.#droppedTotal - droppedBefore;
        return result;
      } finally {
        this.#flushing = null;
      }
    };
    return run();
  }

  async #flushNow() {
    this.#clearTimer();
    const result = { sent: 0, pending: 0, dropped: 0 };
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#feedback.batchSize);
      const outcome = await this.#postFeedback(batch);
      if (outcome.ok) {
        this.#sentTotal += batch.length;
        this.#failures = 0;
        continue;
      }
      if (outcome.retry) {
        this.#queue.unshift(...batch);
        this.#trimQueue();
        this.#failures++;
      } else {
        this.#droppedTotal += batch.length;
      }
      result.error = outcome.code;
      if (outcome.httpStatus !== undefined) result.httpStatus = outcome.httpStatus;
      if (outcome.retry) break;
    }
    result.pending = this.#queue.length;
    if (this.#queue.length > 0) this.#armTimer(this.#nextDelay());
    return result;
  }

  async #postFeedback(events) {
    const init = {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events }),
    };
    // keepalive lets the request outlive the page; only browsers implement it.
    if (typeof globalThis.document !== "undefined") init.keepalive = true;
    try {
      const response = await this.#request(`${this.#storeUrl}/v1/feedback`, init, async (r) => {
        await this.#discard(r);
        return r;
      });
      if (response.status >= 200 && response.status < 300) return { ok: true };
      const retry = response.status === 408 || response.status === 429 || response.status >= 500;
      return { ok: false, retry, code: "http_status", httpStatus: response.status };
    } catch (error) {
      return { ok: false, retry: true, code: error.code ?? "network" };
    }
  }

  /** On page hide: hand everything queued to sendBeacon (fetch with keepalive when it refuses). */
  #flushOnHide() {
    if (this.#queue.length === 0) return;
    const beacon = this.#feedback.beacon ? globalThis.navigator?.sendBeacon : undefined;
    if (typeof beacon === "function" && typeof Blob === "function") {
      while (this.#queue.length > 0) {
        const batch = this.#queue.slice(0, this.#feedback.batchSize);
        let queued = false;
        try {
          const body = new Blob([JSON.stringify({ events: batch })], { type: "application/json" });
          queued = beacon.call(globalThis.navigator, `${this.#storeUrl}/v1/feedback`, body) === true;
        } catch {
          queued = false;
        }
        if (!queued) break;
        this.#queue.splice(0, batch.length);
        this.#sentTotal += batch.length;
      }
    }
    if (this.#queue.length > 0) void this.flush();
  }

  #listenForPageHide() {
    if (this.#stopped || this.#listeners.length > 0) return;
    const doc = globalThis.document;
    if (doc && typeof doc.addEventListener === "function") {
      const onVisibility = () => {
        if (doc.visibilityState === "hidden") this.#flushOnHide();
      };
      doc.addEventListener("visibilitychange", onVisibility);
      this.#listeners.push([doc, "visibilitychange", onVisibility]);
    }
    if (doc && typeof globalThis.addEventListener === "function") {
      const onPageHide = () => this.#flushOnHide();
      globalThis.addEventListener("pagehide", onPageHide);
      this.#listeners.push([globalThis, "pagehide", onPageHide]);
    }
  }

  #armTimer(delay) {
    if (this.#stopped || this.#queue.length === 0) return;
    const due = Date.now() + delay;
    if (this.#timer !== null && this.#timerDue <= due) return;
    this.#clearTimer();
    this.#timerDue = due;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, delay);
    // Node: a pending flush must not keep the process alive (call flush() before exiting).
    this.#timer?.unref?.();
  }

  #clearTimer() {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  // ---- sync of one snapshot ----

  async #syncSlot(kind, force) {
    const slot = kind === "ruleset" ? this.#ruleset : this.#profile;
    const subject = this.#subject;
    slot.error = slot.message = slot.httpStatus = undefined;
    const now = this.#now();
    const valid = this.#usable(slot, now);
    if (!valid && slot.info) this.#drop(kind, slot);

    if (kind === "profile") {
      if (subject === null) {
        slot.status = "absent";
        return;
      }
      if (this.#profileSnapshot !== null) {
        // Bytes from the page: verified, rollback-checked and stored exactly like bytes from the store.
        const given = { status: 200, headers: new Headers(), bytes: this.#profileSnapshot };
        this.#accept(kind, slot, given, subject, now);
        return;
      }
      if (this.#token === null) {
        // Nothing to ask the store with: use the stored copy while it is valid.
        slot.status = valid ? "cached" : "absent";
        return;
      }
    }
    if (valid && !force && slot.freshUntil > now) {
      slot.status = "cached";
      return;
    }

    const headers = { accept: "application/octet-stream" };
    const conditional = valid && slot.etag !== null;
    if (conditional) headers["if-none-match"] = slot.etag;
    if (kind === "profile") headers.authorization = `Bearer ${this.#token}`;
    const url = kind === "ruleset"
      ? `${this.#storeUrl}/v1/ruleset`
      : `${this.#storeUrl}/v1/profiles/${encodeURIComponent(subject)}/snapshot`;

    let response;
    try {
      response = await this.#request(url, { method: "GET", headers }, (r) => this.#readSnapshot(r, kind));
    } catch (error) {
      if (kind === "profile" && this.#subject !== subject) return;
      this.#fallback(kind, slot, error.code ?? "network", error.message);
      return;
    }
    // The visitor changed while the request was in flight: this answer is about someone else.
    if (kind === "profile" && this.#subject !== subject) return;
    const after = this.#now();
    const status = response.status;

    if (status === 200) {
      this.#accept(kind, slot, response, subject, after);
    } else if (status === 304 && conditional && this.#usable(slot, after)) {
      const cc = parseCacheControl(response.headers.get("cache-control"));
      slot.etag = response.headers.get("etag") ?? slot.etag;
      slot.freshUntil = Math.min(after + freshnessSecs(cc, response.headers.get("age")), slot.info.expiresAt);
      if (cc.noStore) {
        slot.persist = false;
        this.#storage?.remove(this.#entryKey(kind, subject));
      } else if (slot.persist) {
        this.#persist(kind, slot, subject);
      }
      slot.status = "not_modified";
      slot.httpStatus = 304;
    } else if (kind === "profile" && status === 404) {
      // No profile (never built, or erased): stop using any copy of it.
      this.#drop(kind, slot);
      this.#storage?.remove(this.#entryKey(kind, subject));
      slot.status = "absent";
      slot.httpStatus = 404;
    } else if (kind === "profile" && (status === 401 || status === 403)) {
      // The token does not give access to this profile (any more): do not personalize from a copy either.
      this.#drop(kind, slot);
      this.#storage?.remove(this.#entryKey(kind, subject));
      slot.status = "unavailable";
      slot.error = status === 401 ? "unauthorized" : "forbidden";
      slot.message = `the store answered ${status} for the profile: check the read token`;
      slot.httpStatus = status;
    } else {
      this.#fallback(kind, slot, "http_status", `the store answered ${status}`);
      slot.httpStatus = status;
    }
  }

  async #readSnapshot(response, kind) {
    if (response.status !== 200) {
      await this.#discard(response);
      return { status: response.status, headers: response.headers, bytes: null };
    }
    const length = Number(response.headers.get("content-length"));
    if (Number.isFinite(length) && length > MAX_BYTES[kind]) {
      await this.#discard(response);
      return { status: 200, headers: response.headers, bytes: null, oversized: length };
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { status: 200, headers: response.headers, bytes };
  }

  #accept(kind, slot, response, subject, now) {
    if (response.bytes === null) {
      this.#refuse(kind, slot, "oversized", `the ${kind} snapshot is larger than ${MAX_BYTES[kind]} bytes`, now);
      return;
    }
    const highWater = this.#highWater(kind, subject);
    const load = { now };
    if (highWater !== null) load.minSequence = highWater;
    if (kind === "profile") load.subject = subject;
    let info;
    try {
      info = kind === "ruleset"
        ? this.#engine.loadRuleset(response.bytes, load)
        : this.#engine.loadProfile(response.bytes, load);
    } catch (error) {
      const { code, message } = errorInfo(error);
      this.#refuse(kind, slot, code, message, now);
      return;
    }
    const cc = parseCacheControl(response.headers.get("cache-control"));
    slot.info = info;
    slot.bytes = response.bytes;
    slot.etag = response.headers.get("etag");
    slot.freshUntil = Math.min(now + freshnessSecs(cc, response.headers.get("age")), info.expiresAt);
    slot.persist = !cc.noStore;
    slot.status = "fresh";
    slot.httpStatus = 200;
    this.#setHighWater(kind, subject, info.sequence);
    if (slot.persist) this.#persist(kind, slot, subject);
    else this.#storage?.remove(this.#entryKey(kind, subject));
  }

  /** The store sent a snapshot that does not verify: keep the last good one while it is valid. */
  #refuse(kind, slot, code, message, now) {
    slot.status = "refused";
    slot.error = code;
    slot.message = message;
    slot.httpStatus = 200;
    if (!this.#usable(slot, now)) this.#drop(kind, slot);
  }

  /** The store could not be asked (network, timeout, 5xx...): the last good snapshot if still valid. */
  #fallback(kind, slot, code, message) {
    slot.error = code;
    slot.message = message;
    if (this.#usable(slot, this.#now())) {
      slot.status = "fallback";
    } else {
      this.#drop(kind, slot);
      slot.status = "unavailable";
    }
  }

  #drop(kind, slot) {
    if (kind === "profile") this.#dropProfile();
    // The Engine cannot unload a ruleset: without `info` the client simply stops using it.
    slot.info = null;
    slot.bytes = null;
    slot.etag = null;
    slot.freshUntil = 0;
  }

  #dropProfile() {
    try {
      this.#engine?.clearProfile();
    } catch {
      // a freed or broken engine has no profile either
    }
    this.#profile.info = null;
  }

  /** Whether the slot's snapshot may be used at `now` (the Engine's rule: expiresAt + skew >= now). */
  #usable(slot, now) {
    return slot.info !== null && slot.info.expiresAt + this.#skew >= now;
  }

  // ---- storage of snapshots and high-water marks ----

  #entryKey(kind, subject) {
    return kind === "ruleset" ? `${this.#prefix}ruleset` : `${this.#prefix}profile:${subject}`;
  }

  #highWaterKey(kind, subject) {
    return kind === "ruleset" ? `${this.#prefix}seq:ruleset` : `${this.#prefix}seq:profile:${subject}`;
  }

  #highWater(kind, subject) {
    const raw = this.#storage?.get(this.#highWaterKey(kind, subject)) ?? null;
    if (raw === null || !/^\d+$/.test(raw)) return null;
    const value = Number(raw);
    return Number.isSafeInteger(value) ? value : null;
  }

  #setHighWater(kind, subject, sequence) {
    const current = this.#highWater(kind, subject);
    if (current === null || sequence > current) {
      this.#storage?.set(this.#highWaterKey(kind, subject), String(sequence));
    }
  }

  #persist(kind, slot, subject) {
    if (!this.#storage || slot.bytes === null) return;
    const record = {
      v: RECORD_VERSION,
      bytes: toBase64url(slot.bytes),
      etag: slot.etag,
      freshUntil: slot.freshUntil,
    };
    this.#storage.set(this.#entryKey(kind, subject), JSON.stringify(record));
  }

  /** Loads the stored snapshot of `kind` through the Engine (never trusting the stored bytes). */
  #restore(kind, now) {
    const slot = kind === "ruleset" ? this.#ruleset : this.#profile;
    const subject = this.#subject;
    if (!this.#storage || (kind === "profile" && subject === null)) return;
    const key = this.#entryKey(kind, subject);
    const raw = this.#storage.get(key);
    if (raw === null) return;
    let record;
    let bytes;
    try {
      record = JSON.parse(raw);
      if (!record || record.v !== RECORD_VERSION || typeof record.bytes !== "string") throw new Error("unknown record");
      bytes = fromBase64url(record.bytes);
    } catch {
      this.#storage.remove(key);
      return;
    }
    const highWater = this.#highWater(kind, subject);
    const load = { now };
    if (highWater !== null) load.minSequence = highWater;
    if (kind === "profile") load.subject = subject;
    let info;
    try {
      info = kind === "ruleset" ? this.#engine.loadRuleset(bytes, load) : this.#engine.loadProfile(bytes, load);
    } catch (error) {
      // Expired, rolled back, tampered with, or for other keys: useless now (a clock set back aside).
      if (errorInfo(error).code !== "not_yet_valid") this.#storage.remove(key);
      return;
    }
    slot.info = info;
    slot.bytes = bytes;
    slot.etag = typeof record.etag === "string" ? record.etag : null;
    const freshUntil = typeof record.freshUntil === "number" && Number.isFinite(record.freshUntil) ? record.freshUntil : 0;
    slot.freshUntil = Math.min(freshUntil, info.expiresAt);
    slot.persist = true;
    slot.status = "cached";
    this.#setHighWater(kind, subject, info.sequence);
  }

  #storageError(operation, key, error) {
    const entry = {
      operation,
      key,
      name: error && typeof error.name === "string" ? error.name : "Error",
      message: error instanceof Error ? error.message : String(error),
    };
    if (this.#storageErrors.length < 20) this.#storageErrors.push(entry);
  }

  // ---- helpers ----

  #makeReport() {
    const slotReport = (slot) => {
      const report = {
        status: slot.status,
        sequence: slot.info ? slot.info.sequence : null,
        expiresAt: slot.info ? slot.info.expiresAt : null,
      };
      if (slot.error !== undefined) {
        report.error = slot.error;
        report.message = slot.message;
      }
      if (slot.httpStatus !== undefined) report.httpStatus = slot.httpStatus;
      return report;
    };
    const errors = this.#storageErrors.splice(0);
    this.#report = {
      at: this.#now(),
      ruleset: slotReport(this.#ruleset),
      profile: slotReport(this.#profile),
      storage: {
        backend: this.#storage ? this.#storage.kind : "memory",
        ok: errors.length === 0,
        errors,
      },
    };
    return this.#report;
  }

  #now() {
    let t;
    try {
      t = typeof this.#clock === "function" ? this.#clock() : this.#clock;
    } catch {
      t = undefined;
    }
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) t = Date.now() / 1000;
    return Math.floor(t);
  }

  #checkSubject(subject) {
    if (subject === undefined || subject === null || subject === "") return null;
    if (typeof subject !== "string") throw new TypeError("PersonaClient: subject must be a string");
    return subject;
  }

  #checkToken(token) {
    if (token === undefined || token === null || token === "") return null;
    if (typeof token !== "string") throw new TypeError("PersonaClient: token must be a string");
    return token;
  }

  /** fetch with a timeout covering the body too; throws RequestError("network" | "timeout"). */
  async #request(url, init, read) {
    const fetchFn = this.#fetchOption ?? globalThis.fetch;
    if (typeof fetchFn !== "function") throw new RequestError("network", "no fetch in this runtime: pass options.fetch");
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller?.abort();
    }, this.#timeoutMs);
    try {
      const response = await (this.#fetchOption
        ? fetchFn(url, { ...init, signal: controller?.signal })
        : fetchFn.call(globalThis, url, { ...init, signal: controller?.signal }));
      return await read(response);
    } catch (error) {
      if (timedOut) throw new RequestError("timeout", `no answer from the store within ${this.#timeoutMs} ms`);
      throw new RequestError("network", error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
    }
  }

  async #discard(response) {
    try {
      await response.body?.cancel();
    } catch {
      // already consumed or closed
    }
  }
}
