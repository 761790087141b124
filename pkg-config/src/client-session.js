// The client's live session: a `Session` of the runtime (created once the module is loaded), persisted in
// session storage so that the next page of the same tab continues it. What the page sets or tracks before
// that is kept and applied, in order, when the session is created.

import { coded, guard, ignore } from "./client-guard.js";

const MAX_PENDING_EVENTS = 100;

/** A plain session object of `value` (a Session or anything with toJSON, or a plain object). */
const plain = (value) => (typeof value?.toJSON === "function" ? value.toJSON() : value);

/** The live session of one client. Every method throws a PersonaError on invalid input (the client guards). */
export class ClientSession {
  #session = null;
  #events = [];
  #state;
  #storage;
  #key;

  /** @param {import("./storage.js").SafeStorage | null} storage @param {string} key */
  constructor(storage, key) {
    this.#storage = storage;
    this.#key = key;
  }

  /**
   * Creates the session with the runtime's `Session`: the one kept in session storage, then what was set,
   * then the events tracked before (invalid ones are dropped).
   */
  attach(Session) {
    const raw = this.#storage?.get(this.#key) ?? null;
    this.#session =
      (raw !== null && guard(() => Session.from(JSON.parse(raw)), () => this.#storage.remove(this.#key))) ||
      new Session();
    const state = this.#state;
    this.#state = undefined;
    if (state !== undefined) guard(() => this.set(state), ignore);
    for (const event of this.#events.splice(0)) guard(() => this.track(event), ignore);
  }

  /** The runtime Session (null before `attach`). */
  get live() {
    return this.#session;
  }

  /** The session as a plain object (null before `attach`). */
  get state() {
    return this.#session?.toJSON() ?? null;
  }

  /** Records one event (kept until `attach` before it). */
  track(event) {
    if (!this.#session) {
      if (this.#events.length >= MAX_PENDING_EVENTS) throw coded("invalid_argument", "too many events before start()");
      this.#events.push(event);
      return { ok: true, pending: true };
    }
    this.#session.track(event);
    this.#save();
    return { ok: true };
  }

  /** Replaces the session (kept until `attach` before it; applied then, before the events tracked meanwhile). */
  set(value) {
    if (!this.#session) {
      this.#state = plain(value);
      return { ok: true, pending: true };
    }
    this.#session.set(plain(value));
    this.#save();
    return { ok: true };
  }

  /** Starts a new, empty session (also in session storage); forgets what was kept for `attach`. */
  reset() {
    this.#events.length = 0;
    this.#state = undefined;
    this.#session?.set({});
    this.#storage?.remove(this.#key);
  }

  #save() {
    this.#storage?.set(this.#key, JSON.stringify(this.#session));
  }
}
