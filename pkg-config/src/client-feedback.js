// Feedback to the central store (POST {storeUrl}/v1/feedback, `{"events": [...]}`): validated events are
// queued, sent in batches (a full batch at once, the rest after an interval), retried with backoff on
// network errors, 408, 429 and 5xx, dropped on other 4xx, bounded while the store is unreachable, and handed
// to navigator.sendBeacon when the page is hidden.

const KINDS = ["shown", "delivered", "opened", "clicked", "converted", "ignored"];
const MAX_RETRY_DELAY_MS = 5 * 60 * 1000;

/**
 * The feedback event of `input` (see OutcomeInput in client.d.ts), or null when it is invalid. `visitor`
 * is the client's `{ subject, token }` (the default subject; its read token goes into its own events, the
 * store's proof for a browser), `now` the time in Unix seconds.
 */
export function feedbackEvent(input, visitor, now) {
  if (!input || typeof input !== "object" || !KINDS.includes(input.kind)) return null;
  const subject = input.subject ?? visitor.subject;
  if (typeof subject !== "string" || subject === "") return null;
  const at = input.at ?? now;
  if (!Number.isSafeInteger(at) || at < 0) return null;
  const event = { subject, kind: input.kind };
  for (const field of ["channel", "slot", "variant"]) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") return null;
    event[field] = value;
  }
  if (input.segments !== undefined && input.segments !== null) {
    if (!Array.isArray(input.segments) || !input.segments.every((s) => typeof s === "string")) return null;
    event.segments = [...input.segments];
  }
  event.at = at;
  if (subject === visitor.subject && visitor.token !== null) event.token = visitor.token;
  return event;
}

/**
 * The "shown" inputs for a decision (a ClientDecision or a Decision): one for `options.slot` (its variant
 * looked up in the decision unless given), or one per content slot; none without a subject.
 */
export function shownInputs(decision, options, subject) {
  const d = decision && typeof decision === "object" && "decision" in decision ? decision.decision : decision;
  if (!d || typeof d !== "object") return [];
  const who = (typeof d.subject === "string" && d.subject) || subject;
  if (!who) return [];
  const segments = Array.isArray(d.segments) ? d.segments.filter((s) => s?.matched).map((s) => s.name) : undefined;
  const content = Array.isArray(d.content) ? d.content : [];
  const o = options && typeof options === "object" ? options : {};
  const shown = typeof o.slot === "string"
    ? [{ slot: o.slot, variant: o.variant ?? content.find((c) => c?.slot === o.slot)?.variant }]
    : content.map((c) => ({ slot: c.slot, variant: c.variant }));
  return shown.map(({ slot, variant }) => ({ kind: "shown", subject: who, channel: o.channel, slot, variant, segments, at: o.at }));
}

/** The queue of feedback events of one client and how it reaches the store. */
export class FeedbackQueue {
  #queue = [];
  #options;
  #flushing = null;
  #timer = null;
  #timerDue = 0;
  #batchScheduled = false;
  #failures = 0;
  #sent = 0;
  #dropped = 0;
  #listeners = [];
  #stopped = false;

  /**
   * @param {{ url: string, batchSize: number, flushIntervalMs: number, maxQueue: number, beacon: boolean,
   *   timeoutMs: number, fetch?: typeof fetch }} options
   */
  constructor(options) {
    this.#options = options;
  }

  /** How many events wait to be sent. */
  get pending() {
    return this.#queue.length;
  }

  /** Queues one event (from `feedbackEvent`): a full batch goes at once, the rest after the interval. */
  add(event) {
    const { batchSize } = this.#options;
    this.#queue.push(event);
    this.#trim();
    if (this.#stopped) return;
    if (this.#queue.length < batchSize || this.#failures > 0) return this.#arm(this.#delay());
    if (this.#batchScheduled) return;
    this.#batchScheduled = true;
    // A microtask: events recorded in the same task go in the same batch.
    queueMicrotask(() => {
      this.#batchScheduled = false;
      if (this.#queue.length >= batchSize) void this.flush();
    });
  }

  /** Sends every queued event now, batch by batch. Resolves to a FlushResult counted from the call. */
  async flush() {
    const sentBefore = this.#sent;
    const droppedBefore = this.#dropped;
    while (this.#flushing) await this.#flushing;
    this.#flushing = this.#flushNow();
    try {
      const result = await this.#flushing;
      return { ...result, sent: this.#sent - sentBefore, dropped: this.#dropped - droppedBefore };
    } finally {
      this.#flushing = null;
    }
  }

  /** Sends what is queued when the page is hidden (visibilitychange, pagehide), in browsers. */
  listen() {
    const doc = globalThis.document;
    if (this.#stopped || this.#listeners.length > 0 || typeof doc?.addEventListener !== "function") return;
    const on = (target, type, listener) => {
      target.addEventListener(type, listener);
      this.#listeners.push([target, type, listener]);
    };
    on(doc, "visibilitychange", () => doc.visibilityState === "hidden" && this.#flushOnHide());
    if (typeof globalThis.addEventListener === "function") on(globalThis, "pagehide", () => this.#flushOnHide());
  }

  /** Stops the timer and the page-hide listeners (queued events stay; `flush()` still sends them). */
  stop() {
    this.#stopped = true;
    this.#clearTimer();
    for (const [target, type, listener] of this.#listeners.splice(0)) target.removeEventListener(type, listener);
  }

  async #flushNow() {
    this.#clearTimer();
    const result = { pending: 0 };
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.batchSize);
      const outcome = await this.#post(batch);
      if (outcome.ok) {
        this.#sent += batch.length;
        this.#failures = 0;
        continue;
      }
      result.error = outcome.code;
      if (outcome.httpStatus !== undefined) result.httpStatus = outcome.httpStatus;
      if (!outcome.retry) {
        this.#dropped += batch.length;
        continue;
      }
      this.#queue.unshift(...batch);
      this.#trim();
      this.#failures++;
      break;
    }
    result.pending = this.#queue.length;
    if (this.#queue.length > 0) this.#arm(this.#delay());
    return result;
  }

  /** POSTs one batch, with a timeout: `{ ok }`, or `{ ok: false, retry, code, httpStatus? }`. */
  async #post(events) {
    const { url, timeoutMs } = this.#options;
    const go = this.#options.fetch ?? ((...args) => globalThis.fetch(...args));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }), signal: controller.signal };
    // keepalive lets the request outlive the page; only browsers implement it.
    if (globalThis.document !== undefined) init.keepalive = true;
    try {
      const response = await go(url, init);
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return { ok: true };
      const retry = response.status === 408 || response.status === 429 || response.status >= 500;
      return { ok: false, retry, code: "http_status", httpStatus: response.status };
    } catch {
      return { ok: false, retry: true, code: controller.signal.aborted ? "timeout" : "network" };
    } finally {
      clearTimeout(timer);
    }
  }

  /** On page hide: everything queued to sendBeacon, batch by batch (a flush with fetch when it refuses). */
  #flushOnHide() {
    const { batchSize, beacon, url } = this.#options;
    const nav = globalThis.navigator;
    while (beacon && this.#queue.length > 0 && typeof nav?.sendBeacon === "function" && typeof Blob === "function") {
      const batch = this.#queue.slice(0, batchSize);
      let queued = false;
      try {
        queued = nav.sendBeacon(url, new Blob([JSON.stringify({ events: batch })], { type: "application/json" })) === true;
      } catch {
        // refused: sent with fetch below
      }
      if (!queued) break;
      this.#queue.splice(0, batch.length);
      this.#sent += batch.length;
    }
    if (this.#queue.length > 0) void this.flush();
  }

  /** The flush interval, or the retry backoff after failed flushes (doubling, at most 5 minutes). */
  #delay() {
    const base = this.#options.flushIntervalMs;
    return this.#failures > 0 ? Math.min(base * 2 ** (this.#failures - 1), MAX_RETRY_DELAY_MS) : base;
  }

  #trim() {
    const over = this.#queue.length - this.#options.maxQueue;
    if (over > 0) {
      this.#queue.splice(0, over);
      this.#dropped += over;
    }
  }

  #arm(delay) {
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
}
