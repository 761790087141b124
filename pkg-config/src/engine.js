// The public Engine: the wasm core (src/wasm/) with the signature check done by WebCrypto Ed25519 between
// the core's `open` and `accept*`, and a bounded cache so that each profile snapshot is verified once per
// engine (per page in a browser, per isolate in a worker).
//
// Rust stays the authority on everything but the curve arithmetic: it checks the trusted keys (canonical,
// not of small order), parses every snapshot, builds the exact message that was signed, holds the bytes
// while WebCrypto verifies, then runs every other check and decodes. Loading is async; deciding is not.

import { EngineCore, VerifiedProfile } from "./wasm/persona_edge.js";
import { invalid, personaError } from "./errors.js";
import { Session, vocabulary } from "./session.js";

const KIND = { profile: 1, ruleset: 2 };
const ED25519 = { name: "Ed25519" };
const DEFAULT_SKEW_SECS = 300;
const DEFAULT_CACHE_ENTRIES = 1000;

/** 32 key bytes from 64 hex digits or base64url (43 characters, padding optional). */
function keyBytes(text) {
  if (typeof text !== "string") throw invalid("options.keys", "strings (hex or base64url)");
  const t = text.trim();
  if (t.length === 64) {
    if (!/^[0-9a-fA-F]{64}$/.test(t)) throw personaError("invalid_key", "64 characters but not hex");
    return Uint8Array.from(t.match(/../g), (h) => parseInt(h, 16));
  }
  const b64 = t.replace(/=+$/, "");
  if (!/^[A-Za-z0-9_-]*$/.test(b64) || b64.length % 4 === 1) {
    throw personaError("invalid_key", "neither 64 hex digits nor base64url");
  }
  const bytes = Uint8Array.from(atob(b64.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  if (bytes.length !== 32) throw personaError("invalid_key", "not 32 bytes");
  return bytes;
}

/** WebCrypto's SubtleCrypto, or an `unsupported_runtime` error. */
function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s || typeof s.verify !== "function" || typeof s.importKey !== "function") {
    throw personaError("unsupported_runtime", "no crypto.subtle");
  }
  return s;
}

/** A whole number of seconds for `now` (default: the clock). */
function seconds(now) {
  if (now === undefined || now === null) return Math.floor(Date.now() / 1000);
  if (typeof now !== "number" || !Number.isFinite(now) || now < 0) throw invalid("now", "Unix seconds");
  return Math.floor(now);
}

/** A sequence floor: NaN for none. */
function floor(minSequence) {
  if (minSequence === undefined || minSequence === null) return NaN;
  if (!Number.isSafeInteger(minSequence) || minSequence < 0) throw invalid("minSequence", "a whole number >= 0");
  return minSequence;
}

/** The cache key of snapshot bytes: all of them, one character per byte (never the signature alone). */
function cacheKey(bytes) {
  let key = "";
  for (let i = 0; i < bytes.length; i += 4096) key += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096));
  return key;
}

/**
 * The persona-edge engine for one site: verifies snapshots (WebCrypto Ed25519, then every other check in
 * Rust), keeps the ruleset, caches verified profiles, and decides.
 */
export class Engine {
  #core;
  #keys = [];
  #keyIds = [];
  #audience;
  #cryptoKeys = null;
  #cache = new Map();
  #newest = new Map();
  #maxEntries;
  #stats = { hits: 0, misses: 0, signatureChecks: 0, evictions: 0 };
  #ruleset = null;

  /**
   * @param {{ keys: string[], audience: string, clockSkewSecs?: number, cacheEntries?: number }} options
   * Throws a PersonaError (`invalid_key`, `invalid_argument`) on a bad key or option.
   */
  constructor(options) {
    if (!options || typeof options !== "object") throw invalid("options", "an object");
    const { keys, audience, clockSkewSecs = DEFAULT_SKEW_SECS, cacheEntries = DEFAULT_CACHE_ENTRIES } = options;
    if (!Array.isArray(keys) || keys.length === 0) throw invalid("options.keys", "at least one trusted key");
    if (typeof audience !== "string") throw invalid("options.audience", "a string");
    if (!Number.isSafeInteger(cacheEntries) || cacheEntries < 1) throw invalid("options.cacheEntries", "a positive integer");
    this.#core = new EngineCore(audience, clockSkewSecs);
    for (const key of keys) {
      const bytes = keyBytes(key);
      if (this.#core.trust(bytes)) this.#keys.push(bytes);
    }
    this.#audience = audience;
    this.#maxEntries = cacheEntries;
  }

  /** The trusted keys as non-extractable CryptoKeys, imported once; their key ids handed to the core. */
  #imported() {
    this.#cryptoKeys ??= (async () => {
      const s = subtle();
      const keys = [];
      for (const [index, raw] of this.#keys.entries()) {
        let key;
        try {
          key = await s.importKey("raw", raw, ED25519, false, ["verify"]);
        } catch (error) {
          throw personaError("unsupported_runtime", String(error?.name || error));
        }
        const digest = new Uint8Array(await s.digest("SHA-512", raw));
        this.#core.setKeyId(index, digest.subarray(0, 8));
        this.#keyIds[index] = [...digest.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
        keys.push(key);
      }
      return keys;
    })().catch((error) => {
      this.#cryptoKeys = null;
      throw error;
    });
    return this.#cryptoKeys;
  }

  /** Opens, verifies with WebCrypto and accepts a snapshot of `kind` (the core consumes the envelope). */
  async #verify(bytes, kind, accept) {
    if (!(bytes instanceof Uint8Array)) throw invalid("bytes", "a Uint8Array");
    const keys = await this.#imported();
    const envelope = this.#core.open(bytes, KIND[kind]);
    let signer = -1;
    try {
      const signed = envelope.signed(); // the 64 signature bytes, then the message they sign
      const signature = signed.subarray(0, 64);
      const message = signed.subarray(64);
      for (const index of envelope.order()) {
        this.#stats.signatureChecks++;
        if (await subtle().verify(ED25519, keys[index], signature, message)) {
          signer = index;
          break;
        }
      }
    } catch (error) {
      envelope.free();
      throw error?.name === "PersonaError" ? error : personaError("unsupported_runtime", String(error?.name || error));
    }
    return { accepted: accept(envelope, signer), keyId: this.#keyIds[signer] };
  }

  /**
   * Verifies and loads a ruleset snapshot; resolves to what was accepted. On any failure the loaded ruleset
   * stays and the promise rejects with a PersonaError.
   */
  async loadRuleset(bytes, options = {}) {
    const now = seconds(options.now);
    const min = floor(options.minSequence);
    const { accepted, keyId } = await this.#verify(bytes, "ruleset", (envelope, signer) =>
      this.#core.acceptRuleset(envelope, signer, now, min),
    );
    const [sequence, issuedAt, expiresAt] = accepted;
    this.#ruleset = { kind: "ruleset", subject: "", sequence, issuedAt, expiresAt, audience: this.#audience, keyId };
    return { ...this.#ruleset };
  }

  /**
   * Verifies a profile snapshot (for `subject` if given, refusing a sequence below `minSequence`) and
   * resolves to a VerifiedProfile. The same bytes seen again are not verified again: only the checks that
   * can change (expiry, subject, rollback) run, in Rust.
   */
  async verifyProfile(bytes, options = {}) {
    const now = seconds(options.now);
    const min = floor(options.minSequence);
    const subject = options.subject ?? undefined;
    if (subject !== undefined && typeof subject !== "string") throw invalid("subject", "a string");
    if (!(bytes instanceof Uint8Array)) throw invalid("bytes", "a Uint8Array");
    const key = cacheKey(bytes);
    const cached = this.#cache.get(key);
    if (cached) {
      try {
        this.#core.recheck(cached, now, subject, min);
      } catch (error) {
        if (error?.code === "expired") this.#evict(key);
        throw error;
      }
      this.#stats.hits++;
      // Most recently used last.
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached.share();
    }
    this.#stats.misses++;
    const { accepted: verified } = await this.#verify(bytes, "profile", (envelope, signer) =>
      this.#core.acceptProfile(envelope, signer, now, subject, min),
    );
    this.#remember(key, verified);
    return verified.share();
  }

  /** Caches a verified profile: one entry per subject (its highest sequence), at most `cacheEntries`. */
  #remember(key, verified) {
    const subject = verified.subject;
    const newest = this.#newest.get(subject);
    if (newest !== undefined) {
      const entry = this.#cache.get(newest);
      if (entry && entry.sequence > verified.sequence) {
        // An older snapshot than the one cached for this subject: usable now, not worth keeping.
        return;
      }
      this.#evict(newest);
    }
    this.#cache.set(key, verified.share());
    this.#newest.set(subject, key);
    while (this.#cache.size > this.#maxEntries) this.#evict(this.#cache.keys().next().value);
  }

  #evict(key) {
    const entry = this.#cache.get(key);
    if (!entry) return;
    this.#cache.delete(key);
    if (this.#newest.get(entry.subject) === key) this.#newest.delete(entry.subject);
    entry.free();
    this.#stats.evictions++;
  }

  /** Whether these exact bytes were verified before and are still cached (their signature will not be
   * checked again; the other checks still run). */
  hasVerified(bytes) {
    return bytes instanceof Uint8Array && this.#cache.has(cacheKey(bytes));
  }

  /** Cache counters: entries, hits, misses, signature checks made, evictions. */
  get cacheStats() {
    return { entries: this.#cache.size, ...this.#stats };
  }

  /** Whether a verified ruleset is loaded. */
  get hasRuleset() {
    return this.#ruleset !== null;
  }

  /** What was accepted of the loaded ruleset, or null. */
  get ruleset() {
    return this.#ruleset && { ...this.#ruleset };
  }

  /** Forgets the loaded ruleset. */
  clearRuleset() {
    this.#core.clearRuleset();
    this.#ruleset = null;
  }

  /**
   * Decides for `profile` (a VerifiedProfile from `verifyProfile`, or none: the safe, non-personalized
   * default) with the live `session` (a Session, a plain session object, or none) in `context`. A profile
   * whose snapshot has expired since it was verified is not used. Throws `no_ruleset` before
   * `loadRuleset`, and `expired` once the ruleset's snapshot has expired.
   */
  decide({ profile, session, context } = {}) {
    if (profile != null && !(profile instanceof VerifiedProfile)) {
      throw invalid("profile", "a VerifiedProfile from verifyProfile, or none");
    }
    const c = context ?? {};
    if (typeof c !== "object") throw invalid("context", "an object");
    const v = vocabulary();
    const banner = c.consentBanner === undefined ? 0 : v.banners.get(c.consentBanner);
    if (banner === undefined) throw invalid("context.consentBanner", "unanswered, accepted, rejected or partial");
    const purpose = c.purpose === undefined ? 0 : v.purposes.get(c.purpose);
    if (purpose === undefined) throw invalid("context.purpose", "promotional or service");
    if (c.country !== undefined && c.country !== null && typeof c.country !== "string") {
      throw invalid("context.country", "a string or null");
    }
    let extra = EMPTY;
    if (c.extraSends !== undefined && c.extraSends !== null) {
      if (typeof c.extraSends !== "object") throw invalid("context.extraSends", "counts per channel");
      extra = new Float64Array(v.channels.length);
      for (const [channel, n] of Object.entries(c.extraSends)) {
        const i = v.channels.indexOf(channel);
        if (i < 0) throw invalid("context.extraSends", `unknown channel ${channel}`);
        extra[i] = n;
      }
    }
    const now = seconds(c.now);
    const country = c.country ?? undefined;
    const { live, temporary } = Session.handle(session);
    try {
      // The core takes the profile handle by value: it gets a share of the caller's.
      return this.#core.decide(profile?.share(), live, now, country, banner | (c.globalPrivacyControl ? 16 : 0), purpose, extra);
    } finally {
      if (temporary) live.free();
    }
  }

  /** Frees the engine's memory in the module (the engine is unusable afterwards). */
  free() {
    for (const key of [...this.#cache.keys()]) this.#evict(key);
    this.#core.free();
  }
}

const EMPTY = new Float64Array(0);
