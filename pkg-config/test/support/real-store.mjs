// The REAL central store for the client tests: `persona serve` (target/release/persona, see personaBin) on a
// fresh temp data dir seeded with the demo's sample customers (samples/store/seed.mjs) and the sample
// ruleset, on a free port of 127.0.0.1. Call `close()` when done.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { REPO, personaBin } from "./snapshots.mjs";

const AUDIENCE = "demo-shop";

/** Starts the seeded store; resolves to `{ url, publicKey, token(subject), close() }`. */
export async function startRealStore() {
  const bin = personaBin();
  const dir = mkdtempSync(join(tmpdir(), "persona-pkg-test-"));
  const data = join(dir, "data");
  const env = { ...process.env, PERSONA_WRITE_TOKEN: "pkg-test-write-token", PERSONA_TOKEN_SECRET: "cd".repeat(32) };
  const seed = execFileSync(process.execPath, [join(REPO, "samples/store/seed.mjs")], { encoding: "utf8", maxBuffer: 16 << 20 });
  writeFileSync(join(dir, "seed.ndjson"), seed);
  execFileSync(bin, ["import", join(dir, "seed.ndjson"), "--data", data, "--audience", AUDIENCE], { env, stdio: "pipe" });
  const child = spawn(
    bin,
    ["serve", "--data", data, "--addr", "127.0.0.1:0", "--audience", AUDIENCE, "--ruleset", join(REPO, "samples/ruleset.json")],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`persona serve did not start:\n${out}`)), 20_000);
      const onData = (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (chunk) => (out += chunk));
      exited.then((code) => reject(new Error(`persona serve exited (${code}):\n${out}`)));
    });
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { keys } = await (await fetch(`${url}/v1/keys`)).json();
  return {
    url,
    publicKey: keys.find((key) => key.status === "active").public_key,
    /** The read token of `subject` (`persona token`). */
    token: (subject) => execFileSync(bin, ["token", subject, "--data", data], { env, encoding: "utf8" }).trim(),
    async close() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
