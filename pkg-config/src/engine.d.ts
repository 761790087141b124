// Types of the engine layer (engine.js, session.js): everything that crosses into the wasm core.

/** A channel persona-edge can choose. */
export type Channel = "email" | "sms" | "push" | "web" | "phone" | "ads";

/** Stable codes of `PersonaError.code`. */
export type PersonaErrorCode =
  | "oversized" | "truncated" | "bad_magic" | "unsupported_version" | "malformed_header"
  | "unknown_key" | "tampered" | "expired" | "not_yet_valid" | "wrong_audience" | "wrong_subject"
  | "wrong_kind" | "rollback" | "malformed_payload" | "invalid_input" | "invalid_key"
  | "invalid_argument" | "no_ruleset" | "unsupported_runtime";

/** What `new Engine(...)` needs. */
export interface EngineOptions {
  /** How many verified profile snapshots the engine keeps (default 1000): the same bytes are verified once. */
  cacheEntries?: number;
  /** Trusted Ed25519 public keys (64 hex characters or base64url); several at once during a key rotation. */
  keys: string[];
  /** The site or tenant this engine serves: snapshots for another audience are refused. */
  audience: string;
  /** Clock skew allowed on issue and expiry times, in seconds (default 300). */
  clockSkewSecs?: number;
}

/** Options of `loadRuleset` / `verifyProfile`. */
export interface LoadOptions {
  /** Verify as of this time, Unix seconds (default: now; fractions are rounded down). */
  now?: number;
  /** Refuse snapshots with a lower sequence number (rollback protection); equal is accepted. */
  minSequence?: number;
  /** The subject a profile snapshot must be about. */
  subject?: string;
}

/** What was accepted from a verified snapshot. */
export interface SnapshotInfo {
  kind: "profile" | "ruleset";
  subject: string;
  sequence: number;
  issuedAt: number;
  expiresAt: number;
  audience: string;
  keyId: string;
}

/** One thing the visitor did in this session. */
export type SessionEvent =
  | { type: "page_view"; pageType: string; category?: string | null }
  | { type: "add_to_cart"; category?: string | null; value: number }
  | { type: "cart_value"; value: number };

/** The live session as a plain object. */
export interface SessionState {
  live?: boolean;
  device?: "unknown" | "desktop" | "mobile" | "tablet";
  pageType?: string;
  pageViews?: number;
  categories?: { category: string; views: number }[];
  cartValue?: number;
}

/** The request context of one decision. */
export interface DecisionContext {
  /** Unix seconds (default: now). */
  now?: number;
  country?: string | null;
  consentBanner?: "unanswered" | "accepted" | "rejected" | "partial";
  /**
   * The browser sends Global Privacy Control (`Sec-GPC: 1` at the edge, `navigator.globalPrivacyControl`
   * in the page): an opt-out of sale and sharing, so the ads channel is excluded (`ad_targeting_denied`).
   */
  globalPrivacyControl?: boolean;
  purpose?: "promotional" | "service";
  /** Sends the caller knows of that the snapshot may not include yet, per channel. */
  extraSends?: Partial<Record<Channel, number>>;
}

export interface SegmentResult { name: string; priority: number; matched: boolean; score: number | null }

export type ExclusionReason =
  | "disabled" | "no_profile" | "consent_denied" | "consent_unknown" | "marketing_denied"
  | "ad_targeting_denied" | "service_situation" | "churned" | "not_preferred_for_service"
  | "no_live_session" | "capped_day" | "capped_week";

export interface ChannelChoice {
  channel: Channel | null;
  basis: "stated_preference" | "expected_response" | "no_eligible_channel";
  excluded: { channel: Channel; reason: ExclusionReason }[];
  ranking: {
    channel: Channel;
    expectedResponsePct: number;
    /** By the weight of evidence: prior alone, own history outweighed by the prior, or own history. */
    basis: "prior" | "mostly_prior" | "own_history";
    /** Messages sent on this channel behind the rate (the customer's own observations). */
    ownObservations: number;
    cost: number;
    priority: number;
  }[];
}

export interface SendTime {
  /** Unix seconds; null when dropped or impossible. */
  at: number | null;
  localHourOfWeek: number | null;
  bestHourOfWeek: number | null;
  source: "own_channel_history" | "own_history" | "own_history_with_prior" | "population_prior"
    | "campaign_default" | "live_session" | "first_allowed_instant";
  outcome: "now" | "best_hour" | "deferred" | "moved_to_nearest_edge" | "dropped" | "no_allowed_hour";
  /** What moved or dropped the send (null when nothing did). A frequency cap excludes the channel instead. */
  constraint: "quiet_hours" | "send_window" | null;
  /** The purpose the time was planned for: promotions at the best allowed hour, service at the first allowed instant. */
  purpose: "promotional" | "service";
}

export interface SlotChoice {
  slot: string;
  variant: string;
  content: string;
  basis: "segment" | "top_category" | "default";
  segment: string | null;
  skipped: { variant: string; reason: "unknown_item" | "out_of_stock" | "slow_delivery" }[];
}

/** Everything decided for one customer, with the reasons. */
export interface Decision {
  personalized: boolean;
  subject: string | null;
  segments: SegmentResult[];
  topCategory: string | null;
  channel: ChannelChoice;
  timing: SendTime | null;
  content: SlotChoice[];
}


/** A profile snapshot that passed every check (signature, expiry, audience, subject, kind, rollback). */
export class VerifiedProfile {
  private constructor();
  readonly subject: string;
  readonly sequence: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Another handle to the same verified profile. */
  share(): VerifiedProfile;
  /** Frees this handle now (otherwise it is freed when garbage-collected). */
  free(): void;
}

/** The live session of one visitor: events fold into it at once. */
export class Session {
  constructor();
  /** Records one event; throws a PersonaError (`invalid_argument`) on a bad one. */
  track(event: SessionEvent): void;
  /** Replaces the session by a plain session object. */
  set(session: Session | SessionState): void;
  /** A new session from a plain object. */
  static from(session: SessionState): Session;
  /** The session as a plain object. */
  toJSON(): Required<SessionState>;
  free(): void;
}

/** What `engine.decide` takes. */
export interface DecideInput {
  /** The verified profile; none: the safe, non-personalized default. */
  profile?: VerifiedProfile | null;
  /** The live session (a Session or a plain object); none: an empty session. */
  session?: Session | SessionState | null;
  context?: DecisionContext;
}

/** Cache counters of an engine. */
export interface CacheStats { entries: number; hits: number; misses: number; signatureChecks: number; evictions: number }

/**
 * The persona-edge engine for one site: verifies snapshots with WebCrypto Ed25519 (every other check and
 * all decoding in Rust), keeps the ruleset, verifies each profile snapshot once, decides synchronously.
 */
export class Engine {
  /** Throws a PersonaError (`invalid_key`, `invalid_argument`) on a bad key or option. */
  constructor(options: EngineOptions);
  /** Verifies and loads a ruleset snapshot. Rejects with a PersonaError; the loaded ruleset then stays. */
  loadRuleset(bytes: Uint8Array, options?: LoadOptions): Promise<SnapshotInfo>;
  /** Verifies a profile snapshot (once per distinct bytes; later only expiry, subject and rollback). */
  verifyProfile(bytes: Uint8Array, options?: LoadOptions): Promise<VerifiedProfile>;
  /** Decides; throws `no_ruleset` before a ruleset is loaded, `expired` once it expired. */
  decide(input?: DecideInput): Decision;
  readonly hasRuleset: boolean;
  readonly ruleset: SnapshotInfo | null;
  readonly cacheStats: CacheStats;
  clearRuleset(): void;
  free(): void;
}

/** Every code a PersonaError can have. */
export function errorCodes(): PersonaErrorCode[];
