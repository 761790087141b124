// The high-level client of persona-edge: sync with the central store, offline fallback, rollback protection,
// decisions that never throw, session tracking and batched feedback.
//
// Import it from the package entry, which binds the WebAssembly runtime for your platform:
//
//   import { PersonaClient } from "persona-edge";
//   const client = new PersonaClient({ storeUrl: "https://store.example", keys: [PUBLIC_KEY_HEX],
//     audience: "demo-shop", subject, token });
//   const report = await client.start();        // never rejects for store/storage problems
//   const { decision } = client.decide({ consentBanner: "accepted" });
//   if (decision) render(decision.content);     // null: keep the page's default content
//   client.recordShown(decision, { slot: "hero" });
//
// ## The central store's HTTP API (what the client expects)
//
// Both snapshot GETs send `Accept: application/vnd.persona-edge.snapshot` (the store's media type).
// - `GET {storeUrl}/v1/ruleset` → 200 with the binary ruleset snapshot, a strong `ETag` and `Cache-Control`
//   (the store sends `public, max-age=60, stale-while-revalidate=600`); 304 when `If-None-Match` matches.
// - `GET {storeUrl}/v1/profiles/{subject}/snapshot` with `Authorization: Bearer {token}` → 200 with the
//   binary profile snapshot, `ETag`, `Cache-Control` (the store sends `private, no-cache`); 304 on
//   `If-None-Match` match; 401/403 when the token is wrong; 404 when there is no profile. (`subject` is
//   URI-component encoded.) A body larger than the core's size cap is refused (`oversized`) unread.
// - `POST {storeUrl}/v1/feedback` with `Content-Type: application/json` and
//   `{"events": FeedbackEvent[]}` → 202. Sent with `navigator.sendBeacon` when the page is hidden
//   (a cross-origin store must answer the CORS preflight of a JSON POST), otherwise with `fetch`.
// - `GET {storeUrl}/v1/keys` → `{"keys": [{"kid", "public_key", "status"}]}`: NOT used by the client,
//   which trusts only the keys pinned in its options (publish a new key in your page before rotating).
//
// ## Caching
//
// Cache-Control `max-age` (minus `Age`) decides how long the store is not asked again (never beyond the
// snapshot's own expiry); `no-cache` or no `max-age` revalidates on every sync; `no-store` keeps the
// snapshot in memory only. Revalidation sends `If-None-Match` with the ETag of the snapshot in use.
// Stored snapshots are re-verified by the Engine (signature, audience, subject, expiry, rollback) before
// every use; the highest sequence accepted is kept per subject (and for the ruleset) and anything lower
// is refused as `rollback`. The read token is never stored.
//
// ## Start without a waterfall
//
// `start()` sends the ruleset and profile GETs at once (conditional on the ETags of the stored records,
// read but not yet verified) while the WebAssembly module loads; then the Engine is created, the stored
// copies are verified (WebCrypto Ed25519) and the answers accepted. A 304 is used only if the stored copy
// verified; a stored copy counted on as fresh that does not verify is fetched after all.
import type {
  Decision, DecisionContext, Engine, EngineOptions, PersonaErrorCode, Session, SessionEvent, SessionState,
} from "./engine.js";

/** Any synchronous Storage-like object (localStorage, sessionStorage or your own). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Where a snapshot in use came from, or why there is none. */
export type SnapshotStatus =
  /** Downloaded and verified just now (HTTP 200). */
  | "fresh"
  /** The store answered 304: the snapshot in use is still current. */
  | "not_modified"
  /** Used from the local cache without asking the store (still fresh per Cache-Control, or no token). */
  | "cached"
  /** The store could not be asked (network, timeout, 5xx...): the last good snapshot is used. */
  | "fallback"
  /**
   * The snapshot offered (by the store or the page) does not verify, or this runtime cannot verify it
   * (`error: "unsupported_runtime"`: no Ed25519 in WebCrypto); `sequence` is the last good one still in
   * use, if any.
   */
  | "refused"
  /**
   * No profile: anonymous visitor, or the store has none (404) or erased it (410; the stored copy is
   * deleted). Not used for the ruleset.
   */
  | "absent"
  /** Nothing usable: the store could not be asked (or refused access) and no valid copy is stored. */
  | "unavailable"
  /** `decide` only: the snapshot expired since the last sync and is no longer used. */
  | "expired";

/** Error codes of the client: the Engine's codes plus transport and lifecycle problems. */
export type ClientErrorCode =
  | PersonaErrorCode
  /** fetch rejected (offline, DNS, CORS, connection refused...). */
  | "network"
  /** No answer (including the body) within `timeoutMs`. */
  | "timeout"
  /** An unexpected HTTP status; see `httpStatus`. */
  | "http_status"
  /** The profile endpoint answered 401: the read token is missing or wrong. */
  | "unauthorized"
  /** The profile endpoint answered 403: the token does not give access to this subject. */
  | "forbidden"
  /** `decide` before `start()` created the Engine. */
  | "not_started";

/** What happened to one snapshot during a sync. */
export interface SnapshotReport {
  status: SnapshotStatus;
  /** Sequence of the verified snapshot in use; null when none is used. */
  sequence: number | null;
  /** Expiry (Unix seconds) of the snapshot in use; null when none is used. */
  expiresAt: number | null;
  /** Why the last attempt failed (the snapshot in use, if any, is the last good one). */
  error?: ClientErrorCode;
  /** Human-readable detail of `error` (informative only). */
  message?: string;
  /** The HTTP status of the store's answer, when there was one. */
  httpStatus?: number;
}

/** A storage operation that failed; the client went on with an in-memory copy. */
export interface StorageProblem {
  operation: "read" | "write" | "remove";
  key: string;
  /** The error's name, e.g. "QuotaExceededError" or "SecurityError". */
  name: string;
  message: string;
}

/** The result of `start()` / `sync()`. */
export interface SyncReport {
  /** When the sync finished (Unix seconds, the client's clock). */
  at: number;
  ruleset: SnapshotReport;
  profile: SnapshotReport;
  storage: {
    /** "localStorage" (the default when usable), "memory", or "custom" (options.storage). */
    backend: "localStorage" | "memory" | "custom";
    /** False when a storage operation failed since the previous report (see `errors`). */
    ok: boolean;
    errors: StorageProblem[];
  };
}

/** The result of `decide`. */
export interface ClientDecision {
  /** The decision, or null when there is no valid ruleset (keep the page's default content). */
  decision: Decision | null;
  /** Whether the decision used a profile (`decision.personalized`); false when `decision` is null. */
  personalized: boolean;
  rulesetStatus: SnapshotStatus;
  profileStatus: SnapshotStatus;
  /** Why `decision` is null (or why the profile was not used is in `profileStatus`). */
  error?: ClientErrorCode;
  message?: string;
}

/** The result of `track` and `setSession`. */
export interface TrackResult {
  /** False when the event was ignored (invalid); the session is unchanged. */
  ok: boolean;
  /** True when the event was kept until `start()` creates the Engine. */
  pending?: boolean;
  error?: ClientErrorCode;
  message?: string;
}

/** Kinds of feedback the store accepts. */
export type FeedbackKind = "shown" | "delivered" | "opened" | "clicked" | "converted" | "ignored";

/** One feedback event, as POSTed to `{storeUrl}/v1/feedback` in `{"events": [...]}`. */
export interface FeedbackEvent {
  subject: string;
  kind: FeedbackKind;
  channel?: string;
  slot?: string;
  variant?: string;
  /** Names of the segments that matched when the content was chosen. */
  segments?: string[];
  /** Unix seconds. */
  at: number;
  /** The subject's read token, added by the client for its own subject (the store's proof for a browser). */
  token?: string;
}

/** What `recordOutcome` takes: `subject` defaults to the client's, `at` to now. */
export interface OutcomeInput {
  kind: FeedbackKind;
  subject?: string;
  channel?: string;
  slot?: string;
  variant?: string;
  segments?: string[];
  at?: number;
}

/** Options of `recordShown`. */
export interface ShownOptions {
  /** The slot shown; without it, one event per content slot of the decision. */
  slot?: string;
  /** The variant shown (default: the decision's variant for `slot`). */
  variant?: string;
  channel?: string;
  /** Unix seconds (default: now). */
  at?: number;
}

/** The result of `flush` (counted from the call, including batches a flush already running sent). */
export interface FlushResult {
  /** Events the store accepted. */
  sent: number;
  /** Events still queued (to be retried later). */
  pending: number;
  /** Events dropped: rejected by the store with a 4xx, or pushed out of a full queue. */
  dropped: number;
  /** Why a batch was not accepted. */
  error?: ClientErrorCode;
  httpStatus?: number;
}

export interface FeedbackOptions {
  /** Events per POST; a full batch is sent at once (default 20). */
  batchSize?: number;
  /** Queued events are sent after at most this long (default 5000 ms); retries back off from it. */
  flushIntervalMs?: number;
  /** Use navigator.sendBeacon when the page is hidden (default true). */
  beacon?: boolean;
  /** Most events kept while the store is unreachable; the oldest are dropped beyond it (default 500). */
  maxQueue?: number;
}

/** What the entry point injects (set by `import { PersonaClient } from "persona-edge"`). */
export interface PersonaRuntime {
  init(): Promise<void>;
  Engine: new (options: EngineOptions) => Engine;
  Session: typeof Session;
}

export interface PersonaClientOptions {
  /** Base URL of the central store, e.g. "https://store.example" (a same-origin path works in browsers). */
  storeUrl: string;
  /** Trusted Ed25519 public keys (hex or base64url), pinned: the client never fetches keys. */
  keys: string[];
  /** The site or tenant: snapshots for another audience are refused. */
  audience: string;
  /** Clock skew allowed on issue and expiry times, in seconds (default 300). */
  clockSkewSecs?: number;
  /** The customer the profile is about; omit for an anonymous visitor. */
  subject?: string | null;
  /** Read token for the profile endpoint (sent as `Authorization: Bearer`); never stored. */
  token?: string | null;
  /**
   * The visitor's profile snapshot, when the page already has it (e.g. from a cookie): used instead of
   * asking the store, and verified, rollback-checked and stored exactly like a fetched one. Without
   * `subject`, the subject the verified snapshot names is adopted (see `client.subject`).
   */
  profileSnapshot?: Uint8Array | null;
  /**
   * The ruleset snapshot, when the page inlines it (the bootstrap: with `profileSnapshot` nothing is asked of
   * the store before the first decision): verified like a fetched one; later `sync()` calls ask the store.
   */
  rulesetSnapshot?: Uint8Array | null;
  /**
   * Where the last good snapshots, their ETags and the rollback high-water marks are kept: any
   * Storage-like object, or "memory". Default: localStorage when usable, else memory. Storage errors
   * (QuotaExceededError, SecurityError...) never throw; they are listed in the sync report.
   */
  storage?: StorageLike | "memory";
  /** Where the live session is kept across page loads: default sessionStorage when usable; false: nowhere. */
  sessionStorage?: StorageLike | "memory" | false;
  /** Prefix of every storage key (default `persona-edge:{audience}:`). */
  storagePrefix?: string;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Timeout of each request to the store, body included (default 10000 ms). */
  timeoutMs?: number;
  /** The clock, Unix seconds: a fixed time or a function (default: Date.now() / 1000). */
  now?: number | (() => number);
  feedback?: FeedbackOptions;
  /** Set by the entry point; do not pass it yourself. */
  runtime?: PersonaRuntime;
}

export class PersonaClient {
  constructor(options: PersonaClientOptions);

  /**
   * Sends the ruleset and profile requests and loads the WebAssembly module at the same time; then creates
   * the Engine, restores the session and the last good snapshots (re-verified) and accepts the store's
   * answers. Rejects only if the Engine cannot be created (module not loadable, invalid keys or audience);
   * everything else (store, storage, refusals, `unsupported_runtime`) is in the report. Calling it again
   * returns the same promise.
   */
  start(): Promise<SyncReport>;

  /**
   * Brings the ruleset and profile up to date (no request while the cached copies are fresh, unless
   * `force`). Never rejects once started. Concurrent calls share one sync; a subject switched during it is
   * synced before it ends. Before `start()`, starts the client.
   */
  sync(options?: { force?: boolean }): Promise<SyncReport>;

  /**
   * Decides (synchronously) with the verified snapshots and the live session at `context.now` (default:
   * the client's clock). Never throws; an expired snapshot is not used; without a usable ruleset
   * `decision` is null (keep the page's default content).
   */
  decide(context?: DecisionContext): ClientDecision;

  /** Records a session event (ignored, with the reason, when invalid; kept until start() if early). */
  track(event: SessionEvent): TrackResult;

  /**
   * Replaces the live session (device, categories viewed, cart value). Never throws; an invalid session is
   * ignored and the result says why. Before `start()` it is applied when `start()` runs.
   */
  setSession(session: SessionState | Session): TrackResult;
  /** Starts a new, empty session. */
  resetSession(): void;

  /**
   * Switches the visitor (null: anonymous) and/or the read token: the previous profile is not used any
   * more, the new subject's stored copy is restored (verified, asynchronously); call `sync()` to fetch it.
   * An invalid subject or token changes nothing (it never throws).
   */
  setSubject(subject: string | null, token?: string | null): void;

  /** Removes the stored profile snapshot of `subject` (default: the current one). */
  forgetProfile(subject?: string): void;

  /**
   * Queues "shown" feedback for a decision (a `ClientDecision` or a `Decision`): for `options.slot`, or
   * one event per content slot. Returns the number of events queued (0 without a subject).
   */
  recordShown(decision: ClientDecision | Decision | null, options?: ShownOptions): number;

  /** Queues one feedback event; false when it is invalid (unknown kind, no subject...). */
  recordOutcome(event: OutcomeInput): boolean;

  /** Sends every queued feedback event now. Never rejects; failed batches stay queued for a retry. */
  flush(): Promise<FlushResult>;

  /** Stops the feedback timer and the page-hide listeners (queued events stay; `flush()` still works). */
  stop(): void;

  /** The report of the last sync, or null. */
  readonly lastReport: SyncReport | null;
  /** The Engine once `start()` created it (after the module loaded), or null. */
  readonly engine: Engine | null;
  /** The current subject (adopted from a verified `profileSnapshot` when none was given), or null. */
  readonly subject: string | null;
  /** The live session as a plain object, or null before `start()` created it. */
  readonly session: Required<SessionState> | null;
  /** Number of feedback events waiting to be sent. */
  readonly pendingFeedback: number;
}
