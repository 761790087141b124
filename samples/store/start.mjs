// The real central store for tests and benchmarks, started one way everywhere: `persona serve` on a fresh
// temp data dir seeded with the sample customers (samples/store/seed.mjs) and the sample ruleset, on a free
// port of 127.0.0.1. Used by the package tests, the worker's harness and the demo shop's harness.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Stores still running when the process exits (a crashed test) are killed with it. */
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts the seeded store with the `persona` binary `bin`; `env` adds to the process environment (write
 * token, token secret), `serveArgs` to `persona serve`'s arguments; `stopSignal` is what `stop()` sends
 * (SIGKILL: as unreachable as a store gets). Resolves once it listens, to
 * `{ url, dir, data, env, publicKey, activeKid, cli(args), token(subject), stop(), close() }`
 * (`close` also deletes the data dir).
 */
export async function startSeededStore({
  bin, env = {}, serveArgs = [], audience = "demo-shop", prefix = "persona-store-test-", stopSignal = "SIGTERM",
  timeoutMs = 20_000,
}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const data = join(dir, "data");
  const fullEnv = { ...process.env, ...env };
  const cli = (args) => execFileSync(bin, args, { env: fullEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const seed = execFileSync(process.execPath, [join(repo, "samples/store/seed.mjs")], { encoding: "utf8", maxBuffer: 16 << 20 });
  writeFileSync(join(dir, "seed.ndjson"), seed);
  cli(["import", join(dir, "seed.ndjson"), "--data", data, "--audience", audience]);
  const child = spawn(
    bin,
    ["serve", "--data", data, "--addr", "127.0.0.1:0", "--audience", audience, "--ruleset", join(repo, "samples/ruleset.json"), ...serveArgs],
    { env: fullEnv, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  const exited = new Promise((ok) => child.once("exit", (code, signal) => ok(code ?? signal)));
  exited.then(() => running.delete(child));
  let url;
  try {
    url = await new Promise((ok, fail) => {
      let out = "";
      const timer = setTimeout(() => fail(new Error(`persona serve did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          ok(match[1]);
        }
      });
      child.stderr.on("data", (chunk) => (out += chunk));
      exited.then((code) => {
        clearTimeout(timer);
        fail(new Error(`persona serve exited (${code}) before it listened:\n${out}`));
      });
    });
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { keys } = await (await fetch(`${url}/v1/keys`)).json();
  const active = keys.find((key) => key.status === "active");
  let stopped = null;
  const stop = () => {
    stopped ??= (child.kill(stopSignal), exited.then(() => {}));
    return stopped;
  };
  return {
    url,
    dir,
    data,
    env: fullEnv,
    publicKey: active.public_key,
    activeKid: active.kid,
    cli,
    /** The read token of `subject` (`persona token`). */
    token: (subject) => cli(["token", subject, "--data", data]).trim(),
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
