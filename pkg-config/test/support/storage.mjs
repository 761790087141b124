// Storage doubles for the client tests (the Web Storage interface the client uses).

/** An in-memory Storage. */
export class MapStorage {
  constructor(entries = {}) {
    this.map = new Map(Object.entries(entries));
  }
  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  setItem(key, value) {
    this.map.set(key, String(value));
  }
  removeItem(key) {
    this.map.delete(key);
  }
  keys() {
    return [...this.map.keys()];
  }
}

/** A full storage: every write throws QuotaExceededError (like a browser's full localStorage). */
export class FullStorage extends MapStorage {
  setItem() {
    throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  }
}

/** A storage that throws SecurityError on every access (blocked cookies, sandboxed frame). */
export class BlockedStorage {
  getItem() {
    throw new DOMException("Access is denied for this document.", "SecurityError");
  }
  setItem() {
    throw new DOMException("Access is denied for this document.", "SecurityError");
  }
  removeItem() {
    throw new DOMException("Access is denied for this document.", "SecurityError");
  }
}
