// The REAL central store for the client tests: `persona serve` (target/release/persona, see personaBin) on a
// fresh temp data dir seeded with the demo's sample customers (samples/store/seed.mjs) and the sample
// ruleset, on a free port of 127.0.0.1. Call `close()` when done.
import { startSeededStore } from "../../../samples/store/start.mjs";
import { personaBin } from "./snapshots.mjs";

/** Starts the seeded store; resolves to `{ url, publicKey, token(subject), close() }`. */
export async function startRealStore() {
  const store = await startSeededStore({
    bin: personaBin(),
    env: { PERSONA_WRITE_TOKEN: "pkg-test-write-token", PERSONA_TOKEN_SECRET: "cd".repeat(32) },
    prefix: "persona-pkg-test-",
  });
  return { url: store.url, publicKey: store.publicKey, token: store.token, close: store.close };
}
