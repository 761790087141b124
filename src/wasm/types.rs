//! TypeScript types of every value that crosses the boundary, so the generated `.d.ts` has no `any`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A channel persona-edge can choose. */
export type Channel = "email" | "sms" | "push" | "web" | "phone" | "ads";

/** Stable codes of `PersonaError.code`. */
export type PersonaErrorCode =
  | "oversized" | "truncated" | "bad_magic" | "unsupported_version" | "malformed_header"
  | "unknown_key" | "tampered" | "expired" | "not_yet_valid" | "wrong_audience" | "wrong_subject"
  | "wrong_kind" | "rollback" | "malformed_payload" | "invalid_input" | "invalid_key"
  | "invalid_argument" | "no_ruleset" | "internal";

/** What `new Engine(...)` needs. */
export interface EngineOptions {
  /** Trusted Ed25519 public keys (64 hex characters or base64url); several at once during a key rotation. */
  keys: string[];
  /** The site or tenant this engine serves: snapshots for another audience are refused. */
  audience: string;
  /** Clock skew allowed on issue and expiry times, in seconds (default 300). */
  clockSkewSecs?: number;
}

/** Options of `loadRuleset` / `loadProfile`. */
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

/** The live session. */
export interface Session {
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
    basis: "prior" | "own_history";
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
    | "campaign_default" | "live_session";
  outcome: "now" | "best_hour" | "deferred" | "moved_to_nearest_edge" | "dropped" | "no_allowed_hour";
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

/** A snapshot's header, read WITHOUT verification (for display and debugging only). */
export interface UnverifiedHeader extends SnapshotInfo { version: number }
"#;

#[wasm_bindgen]
extern "C" {
    /// `EngineOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "EngineOptions")]
    pub type EngineOptions;
    /// `LoadOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "LoadOptions")]
    pub type LoadOptions;
    /// `SnapshotInfo` in TypeScript.
    #[wasm_bindgen(typescript_type = "SnapshotInfo")]
    pub type SnapshotInfoJs;
    /// `SessionEvent` in TypeScript.
    #[wasm_bindgen(typescript_type = "SessionEvent")]
    pub type SessionEventJs;
    /// `Session` in TypeScript.
    #[wasm_bindgen(typescript_type = "Session")]
    pub type SessionJs;
    /// `DecisionContext` in TypeScript.
    #[wasm_bindgen(typescript_type = "DecisionContext")]
    pub type DecisionContextJs;
    /// `Decision` in TypeScript.
    #[wasm_bindgen(typescript_type = "Decision")]
    pub type DecisionJs;
    /// `UnverifiedHeader` in TypeScript.
    #[wasm_bindgen(typescript_type = "UnverifiedHeader")]
    pub type UnverifiedHeaderJs;
    /// `PersonaErrorCode[]` in TypeScript.
    #[wasm_bindgen(typescript_type = "PersonaErrorCode[]")]
    pub type ErrorCodesJs;
}
