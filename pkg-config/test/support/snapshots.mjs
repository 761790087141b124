// Snapshots for the client tests: the golden fixtures (tests/fixtures/decisions, TEST ONLY key) and freshly
// signed ones (any sequence, issue time, expiry) made with the `persona` CLI and a throwaway key.
import { execFileSync } from "node:child_process";
import { createPrivateKey, sign } from "node:crypto";
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
export { SUBJECTS } from "../../../samples/subjects.mjs";

/**
 * The `persona` command line: PERSONA_BIN, else the release build, else the debug build; the release build
 * is made when there is neither.
 */
export function personaBin() {
  if (process.env.PERSONA_BIN) return process.env.PERSONA_BIN;
  const release = join(REPO, "target/release/persona");
  const debug = join(REPO, "target/debug/persona");
  if (existsSync(release)) return release;
  if (existsSync(debug)) return debug;
  execFileSync("cargo", ["build", "--release", "-q", "-p", "persona-store"], { cwd: REPO, stdio: "inherit" });
  return release;
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
    /** The 32-byte Ed25519 seed, hex (for `resign`). */
    secretHex: readFileSync(secret, "utf8").trim(),
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

const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const CONTEXT = Buffer.from("persona-edge/snapshot/v1");
const le64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/**
 * Variants of a profile snapshot signed in-process (docs/FORMAT.md sections 1 and 3), fast enough for
 * thousands of snapshots: `resign(bytes, { subject, sequence })` rewrites the subject (same length, in the
 * header and in the payload) and the sequence, and signs again with `secretHex`.
 */
export function resigner(secretHex) {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from(secretHex, "hex")]), format: "der", type: "pkcs8" });
  return (bytes, { subject, sequence }) => {
    const signed = Buffer.from(bytes.subarray(0, bytes.length - 64));
    const a = signed[30];
    const old = signed.subarray(36 + a, 36 + a + signed[31]).toString("latin1");
    if (subject !== undefined) {
      if (subject.length !== old.length) throw new Error(`the new subject must have ${old.length} characters`);
      let at = -1;
      while ((at = signed.indexOf(old, at + 1, "latin1")) >= 0) signed.write(subject, at, "latin1");
    }
    if (sequence !== undefined) signed.writeBigUInt64LE(BigInt(sequence), 22);
    const kind = Buffer.from(signed[5] === 1 ? "profile" : "ruleset");
    const message = Buffer.concat([le64(CONTEXT.length), CONTEXT, le64(kind.length), kind, le64(signed.length), signed]);
    return new Uint8Array(Buffer.concat([signed, sign(null, message, key)]));
  };
}
