// What the client persists about snapshots: the last good bytes of the ruleset and of each subject's profile
// (with their ETag and freshness), and the rollback high-water marks. Stored bytes are never trusted: they
// are verified by the Engine again before any use (client-sync.js). The storage itself is a SafeStorage
// (storage.js): nothing here throws.

import { fromBase64url, toBase64url } from "./storage.js";

const RECORD_VERSION = 1;

/** Stored snapshots and high-water marks under `prefix` in a SafeStorage (or nowhere when it is null). */
export class SnapshotStorage {
  #storage;
  #prefix;

  /** @param {import("./storage.js").SafeStorage | null} storage @param {string} prefix */
  constructor(storage, prefix) {
    this.#storage = storage;
    this.#prefix = prefix;
  }

  #key(kind, subject) {
    return kind === "ruleset" ? `${this.#prefix}ruleset` : `${this.#prefix}profile:${subject}`;
  }

  #mark(kind, subject) {
    return kind === "ruleset" ? `${this.#prefix}seq:ruleset` : `${this.#prefix}seq:profile:${subject}`;
  }

  /**
   * The stored snapshot of `kind` (for `subject`): `{ bytes, etag, freshUntil }`, NOT verified; null when
   * there is none. An unreadable record is removed.
   */
  read(kind, subject) {
    const key = this.#key(kind, subject);
    const raw = this.#storage?.get(key) ?? null;
    if (raw === null) return null;
    try {
      const record = JSON.parse(raw);
      if (record?.v !== RECORD_VERSION || typeof record.bytes !== "string") throw new Error("unknown record");
      return {
        bytes: fromBase64url(record.bytes),
        etag: typeof record.etag === "string" ? record.etag : null,
        freshUntil: Number.isFinite(record.freshUntil) ? record.freshUntil : 0,
      };
    } catch {
      this.#storage.remove(key);
      return null;
    }
  }

  /** Stores `{ bytes, etag, freshUntil }` as the last good snapshot of `kind` (for `subject`). */
  write(kind, subject, { bytes, etag, freshUntil }) {
    const record = { v: RECORD_VERSION, bytes: toBase64url(bytes), etag, freshUntil };
    this.#storage?.set(this.#key(kind, subject), JSON.stringify(record));
  }

  /** Removes the stored snapshot of `kind` (for `subject`); the high-water mark stays. */
  remove(kind, subject) {
    this.#storage?.remove(this.#key(kind, subject));
  }

  /** The highest sequence accepted so far for `kind` (and `subject`), or null. */
  highWater(kind, subject) {
    const raw = this.#storage?.get(this.#mark(kind, subject)) ?? null;
    const value = raw !== null && /^\d+$/.test(raw) ? Number(raw) : NaN;
    return Number.isSafeInteger(value) ? value : null;
  }

  /** Raises the high-water mark of `kind` (and `subject`) to `sequence` (never lowers it). */
  raise(kind, subject, sequence) {
    const current = this.highWater(kind, subject);
    if (current === null || sequence > current) this.#storage?.set(this.#mark(kind, subject), String(sequence));
  }
}

/** Failed storage operations since the last report (at most `max`), as the sync report lists them. */
export function problemLog(max = 20) {
  const list = [];
  return {
    /** The SafeStorage `onError` callback. */
    add(operation, key, error) {
      if (list.length >= max) return;
      list.push({
        operation,
        key,
        name: typeof error?.name === "string" ? error.name : "Error",
        message: error instanceof Error ? error.message : String(error),
      });
    },
    /** Everything recorded since the last call. */
    take: () => list.splice(0),
  };
}
