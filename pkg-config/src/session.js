// The live session: what the visitor did in this visit, folded in Rust (the same `Session::record` the
// native core uses) and read by `decide` without any conversion.

import { LiveSession, inputNames } from "./wasm/persona_edge.js";
import { invalid } from "./errors.js";

let names;
/** The core's input vocabularies (made once, after the module is initialized): device names, and name ->
 * index maps of consent-banner answers and purposes, and the channel names. */
export function vocabulary() {
  if (!names) {
    const [devices, banners, purposes, channels] = inputNames();
    const index = (list) => new Map(list.map((name, i) => [name, i]));
    names = { devices, deviceIndex: index(devices), banners: index(banners), purposes: index(purposes), channels };
  }
  return names;
}

const EVENTS = { page_view: 0, add_to_cart: 1, cart_value: 2 };
const optionalString = (value, what) => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(what, "a string");
  return value;
};

/** The live session of one visitor. Events move category affinity at once. */
export class Session {
  #live = new LiveSession();

  /** Records one event: `{ type: "page_view", pageType, category? }`, `{ type: "add_to_cart", value,
   * category? }` or `{ type: "cart_value", value }`. Throws a PersonaError on a bad event. */
  track(event) {
    const kind = EVENTS[event?.type];
    if (kind === undefined) throw invalid("event.type", "page_view, add_to_cart or cart_value");
    const value = event.value ?? 0;
    if (kind !== 0 && typeof value !== "number") throw invalid("event.value", "a number");
    this.#live.track(kind, optionalString(event.pageType, "event.pageType"), optionalString(event.category, "event.category"), value);
  }

  /** Replaces the session by `value` (a plain session object, e.g. from session storage). Nothing changes
   * on a bad value (PersonaError `invalid_argument`). */
  set(value) {
    const next = Session.from(value);
    this.#live.free();
    this.#live = next.#live;
  }

  /** A new session from a plain object `{ live?, device?, pageType?, pageViews?, categories?, cartValue? }`. */
  static from(value) {
    const v = value ?? {};
    if (typeof v !== "object") throw invalid("session", "an object");
    const device = v.device === undefined ? 0 : (vocabulary().deviceIndex.get(v.device) ?? -1);
    const session = new Session();
    const live = session.#live;
    try {
      live.restore(v.live === true, device < 0 ? 255 : device, String(v.pageType ?? ""), v.pageViews ?? 0, v.cartValue ?? 0);
      for (const c of Array.isArray(v.categories) ? v.categories : []) {
        live.restoreCategory(String(c?.category ?? ""), c?.views ?? 0);
      }
    } catch (error) {
      live.free();
      throw error;
    }
    return session;
  }

  /** The session as a plain object (what `Session.from` reads back). */
  toJSON() {
    const state = this.#live.state();
    return { ...state, device: vocabulary().devices[state.device] };
  }

  /** Frees the session's memory in the module. */
  free() {
    this.#live.free();
  }

  /** The core handle of `value` (a Session, a plain object or none) and whether it is a temporary. */
  static handle(value) {
    if (value instanceof Session) return { live: value.#live, temporary: false };
    if (value === undefined || value === null) return { live: (empty ??= new LiveSession()), temporary: false };
    return { live: Session.from(value).#live, temporary: true };
  }
}

let empty;
