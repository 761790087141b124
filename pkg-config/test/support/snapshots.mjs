// Snapshots for the client tests: the golden fixtures (tests/fixtures/decisions, TEST ONLY key) and freshly
// signed ones (any sequence, issue time, expiry) made with the `persona` CLI and a throwaway key.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = join(REPO, "tests/fixtures/decisions");

/** The golden decision fixtures: keyring, audience, snapshots and cases. */
export function golden() {
  const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8"));
  const read = (file) => new Uint8Array(readFileSync(join(FIXTURES, file)));
  const cases = Object.fromEntries(manifest.cases.map((c) => [c.name, c]));
  return {
    keys: manifest.keyring,
    audience: manifest.audience,
    /** The time the golden cases are decided at (inside every snapshot's validity window). */
    now: manifest.cases[0].context.now,
    cases,
    ruleset: read(manifest.ruleset),
    snap: read,
  };
}

/** Subjects of samples/profiles/*.json. */
export const SUBJECTS = {
  ana: "c_ana_7f3a91",
  ben: "c_ben_19c2e0",
  carla: "c_carla_5d0b44",
  david: "c_david_a2e8f7",
  erik: "c_erik_0b77d1",
};

function personaBin() {
  if (process.env.PERSONA_BIN) return process.env.PERSONA_BIN;
  const bin = join(REPO, "target/debug/persona");
  if (!existsSync(bin)) {
    execFileSync("cargo", ["build", "-q", "-p", "persona-store"], { cwd: REPO, stdio: "inherit" });
  }
  return bin;
}

/**
 * A throwaway signing key in a temp dir, and functions to sign rulesets and profiles with it.
 * Call `cleanup()` when done.
 */
export function makeSigner({ audience = "demo-shop" } = {}) {
  const bin = personaBin();
  const dir = mkdtempSync(join(tmpdir(), "persona-client-test-"));
  execFileSync(bin, ["keygen", "--out", dir], { stdio: "pipe" });
  const keyring = JSON.parse(readFileSync(join(dir, "keyring.json"), "utf8"));
  const secret = join(dir, readdirSync(dir).find((f) => f.endsWith(".secret")));
  let counter = 0;
  const sign = (command, input, { seq, issuedAt, expiresIn }) => {
    const out = join(dir, `snap-${counter++}.bin`);
    execFileSync(bin, [
      command, input, "--key", secret, "--audience", audience, "--seq", String(seq),
      "--issued-at", String(issuedAt), "--expires-in", String(expiresIn), "--out", out,
    ], { cwd: REPO, stdio: "pipe" });
    return new Uint8Array(readFileSync(out));
  };
  return {
    publicKey: keyring.keys[0].public_key,
    /** A ruleset snapshot of samples/ruleset.json. */
    ruleset: ({ seq, issuedAt, expiresIn = "7d" }) =>
      sign("compile", join(REPO, "samples/ruleset.json"), { seq, issuedAt, expiresIn }),
    /** A profile snapshot of samples/profiles/{name}.json. */
    profile: (name, { seq, issuedAt, expiresIn = "24h" }) =>
      sign("sign", join(REPO, `samples/profiles/${name}.json`), { seq, issuedAt, expiresIn }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A copy of `bytes` with one byte flipped at `index` (default: inside the payload, near the end). */
export function flipByte(bytes, index = bytes.length - 80) {
  const copy = new Uint8Array(bytes);
  copy[index] ^= 0x01;
  return copy;
}
