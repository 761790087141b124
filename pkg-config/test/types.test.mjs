// The package's TypeScript types, checked with the TypeScript compiler against a usage file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("the .d.ts files type-check a realistic usage, and reject wrong uses", () => {
  const tsc = fileURLToPath(new URL("node_modules/.bin/tsc", import.meta.url));
  const usage = fileURLToPath(new URL("types/usage.ts", import.meta.url));
  const run = spawnSync(tsc, ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext",
    "--moduleResolution", "nodenext", "--lib", "es2022,dom,esnext.disposable", "--skipLibCheck", "false", usage], {
    encoding: "utf8",
    cwd: fileURLToPath(new URL(".", import.meta.url)),
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
