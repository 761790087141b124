// Storage for the client (client.js) that never throws (quota and security errors are reported, not raised),
// and the base64url form snapshot bytes are stored in.

// ---- storage that never throws ----

export function usableStorage(get) {
  try {
    const storage = get();
    if (storage && typeof storage.getItem === "function" && typeof storage.setItem === "function" &&
        typeof storage.removeItem === "function") {
      return storage;
    }
  } catch {
    // SecurityError (sandboxed frame, cookies blocked) or a throwing getter: not usable
  }
  return null;
}

export function isStorageLike(value) {
  return value !== null && typeof value === "object" && typeof value.getItem === "function" &&
    typeof value.setItem === "function" && typeof value.removeItem === "function";
}

/**
 * A Storage-like backend wrapped so that nothing throws: a failed write (QuotaExceededError, SecurityError,
 * a full or disabled store) is kept in memory instead, and every failure is recorded for the next report.
 */
export class SafeStorage {
  constructor(backend, kind, onError) {
    this.backend = backend;
    this.kind = kind;
    this.onError = onError;
    /** Values (or null = removed) whose write to the backend failed, or everything without a backend. */
    this.memory = new Map();
  }

  get(key) {
    if (this.memory.has(key)) return this.memory.get(key);
    if (!this.backend) return null;
    try {
      const value = this.backend.getItem(key);
      return typeof value === "string" ? value : null;
    } catch (error) {
      this.onError("read", key, error);
      return null;
    }
  }

  set(key, value) {
    if (this.backend) {
      try {
        this.backend.setItem(key, value);
        this.memory.delete(key);
        return;
      } catch (error) {
        this.onError("write", key, error);
      }
    }
    this.memory.set(key, value);
  }

  remove(key) {
    if (this.backend) {
      try {
        this.backend.removeItem(key);
        this.memory.delete(key);
        return;
      } catch (error) {
        this.onError("remove", key, error);
      }
    }
    this.memory.set(key, null);
  }
}

export function resolveStorage(option, globalName, onError, what) {
  if (option === "memory") return new SafeStorage(null, "memory", onError);
  if (option === false) return null;
  if (option === undefined || option === null) {
    const found = usableStorage(() => globalThis[globalName]);
    return new SafeStorage(found, found ? globalName : "memory", onError);
  }
  if (!isStorageLike(option)) {
    throw new TypeError(`PersonaClient: ${what} must be "memory" or an object with getItem, setItem and removeItem`);
  }
  return new SafeStorage(option, "custom", onError);
}

// ---- base64url (FORMAT.md section 7), with the btoa/atob every runtime has ----

export function toBase64url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
