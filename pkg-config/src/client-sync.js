// Keeping the client's two snapshot slots (the ruleset, and the current subject's profile) in sync with the
// central store: conditional GETs through store-access.js, verification by the Engine (async: WebCrypto),
// the stored copies (client-storage.js) as fallback, rollback high-water marks, refusals.
//
// No waterfall: a GET needs no engine, so it leaves at once (with the ETag of the stored record, read but not
// yet verified); meanwhile the module loads, the Engine is created and the stored copy is verified. Only
// then is the answer accepted: a 304 counts only if the stored copy verified, a copy counted on as fresh
// that does not verify is asked for again.

import { getSnapshot } from "./store-access.js";
import { errorInfo } from "./client-guard.js";

/** Codes of a stored copy that does not verify NOW but may later (kept): a clock set back, no Ed25519. */
const KEEP_STORED = ["not_yet_valid", "unsupported_runtime"];
const noop = () => {};

/** What a slot holds when no snapshot is in use. */
const NOTHING = {
  /** `{ sequence, expiresAt }` of the verified snapshot in use, or null. */
  info: null,
  /** The VerifiedProfile handle in use (profiles). */
  profile: null,
  bytes: null,
  etag: null,
  /** Unix seconds until which the store is not asked again (Cache-Control max-age). */
  freshUntil: 0,
};

/**
 * A snapshot slot: the verified snapshot in use (if any) and what the last sync did. `subject` is the
 * profile's (null: anonymous or not known yet; null for the ruleset); `persist` is false after
 * `Cache-Control: no-store`; `restored` is the restore of the stored copy (a promise, once asked for) and
 * `checked` whether it is done.
 */
function newSlot(kind, subject, status) {
  return { kind, subject, status, persist: true, restored: null, checked: false, ...NOTHING };
}

/** The report of one slot (see SnapshotReport in client.d.ts). */
function slotReport(slot) {
  const report = { status: slot.status, sequence: slot.info?.sequence ?? null, expiresAt: slot.info?.expiresAt ?? null };
  if (slot.error !== undefined) Object.assign(report, { error: slot.error, message: slot.message });
  if (slot.httpStatus !== undefined) report.httpStatus = slot.httpStatus;
  return report;
}

/** The ruleset and profile slots of one client, and how they are synced. */
export class SnapshotSync {
  /** The Engine, set by the client once created. */
  engine = null;
  /** Settles once the module is initialized and the Engine created (rejects when it cannot be). */
  ready = null;
  /** Profile snapshot bytes handed over by the page, used instead of asking the store. */
  pageSnapshot = null;
  /** Ruleset snapshot bytes handed over by the page (the bootstrap), used at start instead of asking the
   * store; later syncs ask the store as usual. */
  pageRuleset = null;
  ruleset = newSlot("ruleset", null, "unavailable");
  profile;
  #options;
  #fetch;

  /**
   * @param {{ storeUrl: string, timeoutMs: number, skew: number, now: () => number, token: () => string | null,
   *   storage: import("./client-storage.js").SnapshotStorage, fetch?: typeof fetch, subject: string | null,
   *   pageSnapshot: Uint8Array | null, pageRuleset: Uint8Array | null }} options
   */
  constructor(options) {
    this.#options = options;
    this.profile = newSlot("profile", options.subject, "absent");
    this.pageSnapshot = options.pageSnapshot;
    this.pageRuleset = options.pageRuleset ?? null;
    const base = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    // The answer is handed over once the module is ready: its size caps are needed to read the body.
    this.#fetch = async (url, init) => {
      const response = await base(url, init);
      await this.ready?.then(noop, noop);
      return response;
    };
  }

  /** Whether the slot's snapshot may be used at `now` (the Engine's rule: expiresAt + skew >= now). */
  usable(slot, now = this.#options.now()) {
    return slot.info !== null && slot.info.expiresAt + this.#options.skew >= now;
  }

  /** The reports of both slots. */
  report() {
    return { ruleset: slotReport(this.ruleset), profile: slotReport(this.profile) };
  }

  /** Switches the profile slot to `subject` (its stored copy is restored as soon as the Engine exists). */
  use(subject) {
    this.#drop(this.profile);
    this.pageSnapshot = null;
    this.profile = newSlot("profile", subject, "absent");
    if (this.ready) void this.restore(this.profile);
  }

  /** Removes the stored profile of `subject`; stops using it when it is the current one. */
  forget(subject) {
    this.#options.storage.remove("profile", subject);
    if (subject !== this.profile.subject) return;
    this.#drop(this.profile);
    this.profile = newSlot("profile", subject, "absent");
  }

  /**
   * One sync of both slots. A profile slot replaced meanwhile (setSubject) is synced too, so that the round
   * ends with the current subject. Rejects only when the Engine cannot be created.
   */
  round(force) {
    const profiles = async () => {
      let slot;
      do {
        slot = this.profile;
        await this.#syncSlot(slot, force);
      } while (slot !== this.profile);
    };
    return Promise.all([this.#syncSlot(this.ruleset, force), profiles()]);
  }

  /** Restores the stored copy of `slot`, verified (once per slot and started engine; never rejects). */
  restore(slot) {
    slot.restored ??= this.ready.then(() => this.#restore(slot), () => (slot.restored = null)).catch(noop);
    return slot.restored;
  }

  async #restore(slot) {
    const { kind, subject } = slot;
    const record = kind === "ruleset" || subject !== null ? this.#options.storage.read(kind, subject) : null;
    if (record) {
      try {
        const verified = await this.#verify(kind, record.bytes, subject);
        if (this.#current(slot)) {
          this.#use(slot, verified, record, record.freshUntil);
          slot.status = "cached";
        } else {
          verified.profile?.free();
        }
      } catch (error) {
        // Expired, rolled back, tampered with, or for other keys: useless now.
        if (!KEEP_STORED.includes(errorInfo(error).error)) this.#options.storage.remove(kind, subject);
      }
    }
    slot.checked = true;
  }

  #current(slot) {
    return slot === this.ruleset || slot === this.profile;
  }

  /** Waits for the Engine and the slot's stored copy; false when the slot was replaced meanwhile. */
  async #settled(slot) {
    await this.ready;
    await this.restore(slot);
    return this.#current(slot);
  }

  async #syncSlot(slot, force) {
    slot.error = slot.message = slot.httpStatus = undefined;
    const now = this.#options.now();
    if (slot.info && !this.usable(slot, now)) this.#drop(slot);
    if (slot.kind === "ruleset" && this.pageRuleset) {
      // The bootstrap: bytes inlined by the page, verified like bytes from the store; no request now.
      const given = this.pageRuleset;
      this.pageRuleset = null;
      if (await this.#settled(slot)) await this.#accept(slot, { bytes: given });
      if (this.usable(slot)) return;
    }
    if (slot.kind === "profile") {
      const given = this.pageSnapshot;
      if (given) {
        // Bytes from the page: verified, rollback-checked and stored exactly like bytes from the store.
        if (await this.#settled(slot)) await this.#accept(slot, { bytes: given });
        return;
      }
      if (slot.subject === null || this.#options.token() === null) {
        // Nothing to ask the store with: the stored copy while it is valid.
        if (await this.#settled(slot)) slot.status = this.usable(slot) ? "cached" : "absent";
        return;
      }
    }
    // What is known before anything is verified: the copy in use, or (before its restore) the stored record.
    const known = slot.checked ? slot.info && slot : this.#options.storage.read(slot.kind, slot.subject);
    const etag = known?.etag ?? null;
    const asked = force || !(known?.freshUntil > now) ? this.#get(slot, etag) : null;
    if (!(await this.#settled(slot))) return;
    const at = this.#options.now();
    const inUse = this.usable(slot, at);
    if (!asked && inUse && slot.freshUntil > at) {
      slot.status = "cached";
      return;
    }
    let answer = asked && (await asked);
    if (!answer || (answer.status === "not_modified" && !(inUse && etag !== null && slot.etag === etag))) {
      // The stored copy was counted on, but it did not verify: ask for the snapshot itself.
      answer = await this.#get(slot, null);
    }
    if (this.#current(slot)) await this.#apply(slot, answer);
  }

  /** GETs the slot's snapshot; resolves to getSnapshot's answer or `{ status: "failed", error }`. */
  #get(slot, etag) {
    const { storeUrl, timeoutMs, token } = this.#options;
    const profile = slot.kind === "profile";
    return getSnapshot({
      url: profile ? `${storeUrl}/v1/profiles/${encodeURIComponent(slot.subject)}/snapshot` : `${storeUrl}/v1/ruleset`,
      kind: slot.kind,
      etag,
      token: profile ? token() : null,
      timeoutMs,
      fetch: this.#fetch,
    }).catch((error) => ({ status: "failed", error }));
  }

  async #apply(slot, answer) {
    const { status, error } = answer;
    const code = error?.code;
    if (status === "fresh") return this.#accept(slot, answer);
    if (status === "not_modified" && this.usable(slot)) {
      slot.etag = answer.etag ?? slot.etag;
      slot.freshUntil = Math.min(this.#options.now() + answer.freshSecs, slot.info.expiresAt);
      this.#keep(slot, slot.persist && !answer.noStore);
      slot.status = "not_modified";
      slot.httpStatus = 304;
    } else if (slot.kind === "profile" && (status === "absent" || code === "unauthorized" || code === "forbidden")) {
      // No profile (never built: 404, or erased: 410), or no access to it (any more): no copy of it is used
      // either.
      this.#drop(slot);
      this.#options.storage.remove("profile", slot.subject);
      slot.status = error ? "unavailable" : "absent";
      slot.httpStatus = error ? error.httpStatus : answer.httpStatus;
      if (error) Object.assign(slot, { error: code, message: `${error.message}: check the read token` });
    } else if (code === "oversized") {
      this.#refuse(slot, errorInfo(error), 200);
    } else {
      // The store could not be asked (network, timeout, 5xx, ...): the last good snapshot while valid.
      const why = error ? errorInfo(error) : { error: "http_status", message: `the store answered ${answer.httpStatus}` };
      Object.assign(slot, why, { httpStatus: error ? error.httpStatus : answer.httpStatus });
      if (this.usable(slot)) {
        slot.status = "fallback";
      } else {
        this.#drop(slot);
        slot.status = "unavailable";
      }
    }
  }

  /** Verifies `answer.bytes` for the slot and uses them; a refusal keeps the last good snapshot if valid. */
  async #accept(slot, answer) {
    let verified;
    try {
      verified = await this.#verify(slot.kind, answer.bytes, slot.subject);
    } catch (error) {
      if (this.#current(slot)) this.#refuse(slot, errorInfo(error), answer.httpStatus);
      return;
    }
    if (!this.#current(slot)) return verified.profile?.free();
    this.#use(slot, verified, answer, this.#options.now() + (answer.freshSecs ?? 0));
    this.#keep(slot, !answer.noStore);
    slot.status = "fresh";
    slot.httpStatus = answer.httpStatus;
  }

  /**
   * Verifies snapshot bytes with the Engine (as of now, above the high-water mark); a ruleset is loaded.
   * A profile without a known subject (page bytes) is verified first, then checked again for the subject it
   * names, with that subject's high-water mark (a cache hit: no second signature check).
   */
  async #verify(kind, bytes, subject) {
    const { engine } = this;
    const { storage } = this.#options;
    const now = this.#options.now();
    if (kind === "ruleset") {
      const info = await engine.loadRuleset(bytes, { now, minSequence: storage.highWater(kind, null) });
      return { info, subject: null };
    }
    const check = (s) => engine.verifyProfile(bytes, { now, subject: s, minSequence: storage.highWater(kind, s) });
    let profile;
    if (subject !== null) {
      profile = await check(subject);
    } else {
      const unnamed = await engine.verifyProfile(bytes, { now });
      try {
        profile = await check(unnamed.subject);
      } finally {
        unnamed.free();
      }
    }
    return { info: { sequence: profile.sequence, expiresAt: profile.expiresAt }, profile, subject: profile.subject };
  }

  /** Puts a verified snapshot in use in the slot and raises the high-water mark. */
  #use(slot, verified, { bytes, etag = null }, freshUntil) {
    slot.profile?.free();
    Object.assign(slot, { info: verified.info, profile: verified.profile ?? null, subject: verified.subject, bytes, etag });
    slot.freshUntil = Math.min(freshUntil, verified.info.expiresAt);
    slot.persist = true;
    this.#options.storage.raise(slot.kind, slot.subject, verified.info.sequence);
  }

  /** Persists the slot's snapshot, or removes the stored copy (`persist` false: Cache-Control no-store). */
  #keep(slot, persist) {
    slot.persist = persist;
    if (persist) this.#options.storage.write(slot.kind, slot.subject, slot);
    else this.#options.storage.remove(slot.kind, slot.subject);
  }

  /** The snapshot offered does not verify: the last good one stays while it is valid. */
  #refuse(slot, why, httpStatus) {
    Object.assign(slot, why, { status: "refused", httpStatus });
    if (!this.usable(slot)) this.#drop(slot);
  }

  #drop(slot) {
    if (slot.kind === "ruleset") this.engine?.clearRuleset();
    slot.profile?.free();
    Object.assign(slot, NOTHING);
  }
}
