// Compiled with `tsc --noEmit --strict` by types.test.mjs: the package's types are precise enough to use
// without casts, and wrong uses are errors.
import {
  Engine, PersonaClient, Session, init, isPersonaError,
  type ClientDecision, type Decision, type SnapshotInfo, type SyncReport, type VerifiedProfile,
} from "persona-edge";
import { inspectSnapshot, type UnverifiedHeader } from "persona-edge/inspect";

export async function personalize(ruleset: Uint8Array, profileBytes: Uint8Array): Promise<string | null> {
  await init();
  const engine = new Engine({ keys: ["00"], audience: "demo-shop", cacheEntries: 100 });
  const info: SnapshotInfo = await engine.loadRuleset(ruleset, { now: 1 });
  const kind: "profile" | "ruleset" = info.kind;
  let profile: VerifiedProfile | null = null;
  try {
    profile = await engine.verifyProfile(profileBytes, { minSequence: info.sequence, subject: "c_1" });
  } catch (error) {
    if (isPersonaError(error) && (error.code === "tampered" || error.code === "unsupported_runtime")) profile = null;
  }
  const session = new Session();
  session.track({ type: "page_view", pageType: "product", category: "running" });
  const decision: Decision = engine.decide({ profile, session, context: { consentBanner: "accepted", purpose: "service" } });
  const first = decision.segments[0];
  const score: number | null = first ? first.score : null;
  const checks: number = engine.cacheStats.signatureChecks;
  const header: UnverifiedHeader = inspectSnapshot(profileBytes);
  void [kind, score, checks, header.version];
  return decision.channel.channel;
}

export async function withClient(): Promise<boolean> {
  const client = new PersonaClient({ storeUrl: "https://store.example", keys: ["00"], audience: "demo-shop" });
  const report: SyncReport = await client.start();
  const engine: Engine | null = client.engine;
  const result: ClientDecision = client.decide({ consentBanner: "accepted" });
  client.setSession({ device: "mobile" });
  const views: number | undefined = client.session?.pageViews;
  void [engine, views];
  return report.ruleset.error === "unsupported_runtime" && result.decision === null;
}

// @ts-expect-error: not a channel
export const wrongChannel: Decision["channel"]["channel"] = "fax";
// @ts-expect-error: unknown event type
export const wrongEvent: Parameters<Session["track"]>[0] = { type: "teleport" };
// @ts-expect-error: verification is async, it gives no VerifiedProfile synchronously
export const notAwaited: VerifiedProfile = new Engine({ keys: [], audience: "x" }).verifyProfile(new Uint8Array());
// @ts-expect-error: loadProfile is gone from the engine
new Engine({ keys: [], audience: "x" }).loadProfile(new Uint8Array());
