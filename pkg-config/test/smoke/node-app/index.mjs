// Smoke test of the published shape: import `persona-edge` the way a Node user does (resolved through
// node_modules and the package's exports map, "node" condition), verify the golden ruleset and ben's
// profile snapshot, decide and print one JSON line (`channel` first).
//
// Usage: node index.mjs [fixtures dir]   (default: the repository's tests/fixtures/decisions)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { init, Engine, Session, isPersonaError } from "persona-edge";

const dir = process.argv[2] ?? fileURLToPath(new URL("../../../../tests/fixtures/decisions/", import.meta.url));
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
const ben = manifest.cases.find((c) => c.name === "ben");
const now = ben.context.now;

await init(); // a resolved no-op in Node; kept so the same code works everywhere

const engine = new Engine({ keys: manifest.keyring, audience: manifest.audience });
await engine.loadRuleset(readFileSync(join(dir, manifest.ruleset)), { now });
const profile = await engine.verifyProfile(readFileSync(join(dir, ben.profile)), { now });
const session = new Session();
session.set(ben.session);
const decision = engine.decide({ profile, session, context: ben.context });

// A refused snapshot must be a PersonaError with a stable code.
let tampered = null;
try {
  await engine.verifyProfile(readFileSync(join(dir, "ana-tampered.snap")), { now });
} catch (error) {
  tampered = isPersonaError(error) ? error.code : `not a PersonaError: ${error}`;
}

console.log(JSON.stringify({
  channel: decision.channel.channel,
  subject: profile.subject,
  personalized: decision.personalized,
  slots: Object.fromEntries(decision.content.map((c) => [c.slot, c.variant])),
  tampered,
}));
