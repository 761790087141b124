// Compiled with `tsc --noEmit --strict` by types.test.mjs: the package's types are precise enough to use
// without casts, and wrong uses are errors.
import { Engine, PersonaClient, init, isPersonaError, type Decision, type SnapshotInfo } from "persona-edge";

export async function personalize(ruleset: Uint8Array, profile: Uint8Array): Promise<string | null> {
  await init();
  const engine = new Engine({ keys: ["00"], audience: "demo-shop" });
  const info: SnapshotInfo = engine.loadRuleset(ruleset, { now: 1 });
  const kind: "profile" | "ruleset" = info.kind;
  try {
    engine.loadProfile(profile, { minSequence: info.sequence });
  } catch (error) {
    if (isPersonaError(error) && error.code === "tampered") engine.clearProfile();
  }
  engine.track({ type: "page_view", pageType: "product", category: "running" });
  const decision: Decision = engine.decide({ consentBanner: "accepted", purpose: "service" });
  const first = decision.segments[0];
  const score: number | null = first ? first.score : null;
  void kind;
  void score;
  const client = new PersonaClient({ storeUrl: "https://store.example", keys: ["00"], audience: "demo-shop" });
  void client;
  return decision.channel.channel;
}

// @ts-expect-error: not a channel
export const wrongChannel: Decision["channel"]["channel"] = "fax";
// @ts-expect-error: unknown event type
export const wrongEvent: Parameters<Engine["track"]>[0] = { type: "teleport" };
