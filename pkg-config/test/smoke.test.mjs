// Packaging smoke tests of the BUILT package (../../pkg, linked as node_modules/persona-edge):
// 1. a Node script importing `persona-edge` like a user (the "node" export condition);
// 2. a Vite app importing `persona-edge` (the "browser" condition), built with Vite's JS API, served
//    statically and run in headless Chromium.
// Run from pkg-config/test: node --test smoke.test.mjs   (build first: node pkg-config/build.mjs)
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  artifactsDir, fixturesDir, goldenCase, launchChromium, manifest, sendFile, slotsOf, startServer, watch,
} from "./browser/harness.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const ben = goldenCase("ben");
const expected = ben.expected.decision;

test("node app: `import \"persona-edge\"` decides ben's golden channel", { timeout: 20_000 }, async () => {
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath, [join(here, "smoke/node-app/index.mjs"), fixturesDir], { cwd: join(here, "smoke/node-app"), timeout: 15_000 },
  );
  assert.equal(stderr, "", "no warnings on stderr");
  const out = JSON.parse(stdout.trim());
  assert.equal(out.channel, expected.channel.channel);
  assert.equal(out.channel, "push");
  assert.equal(out.subject, expected.subject);
  assert.equal(out.personalized, true);
  assert.deepEqual(out.slots, Object.fromEntries(expected.content.map((c) => [c.slot, c.variant])));
  assert.equal(out.tampered, "tampered");
});

test("vite app: built with vite's build(), served statically, decides in headless Chromium", { timeout: 50_000 }, async (t) => {
  const { build } = await import("vite");
  const work = mkdtempSync(join(tmpdir(), "persona-edge-vite-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const publicDir = join(work, "public");
  const outDir = join(work, "dist");
  mkdirSync(publicDir);
  for (const file of [manifest.ruleset, ben.profile, "manifest.json"]) copyFileSync(join(fixturesDir, file), join(publicDir, file));

  await build({
    configFile: false,
    root: join(here, "smoke/vite-app"),
    publicDir,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true },
  });
  const assets = readdirSync(join(outDir, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `vite emitted the .wasm as an asset (got ${assets.join(", ")})`);

  const server = await startServer((req, res, url) => sendFile(res, outDir, url.pathname));
  t.after(() => server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const seen = watch(page);

  await page.goto(`${server.origin}/`);
  await page.waitForSelector("body[data-status]", { timeout: 15_000 });
  const status = await page.getAttribute("body", "data-status");
  assert.equal(status, "ok", `app failed: ${await page.textContent("#channel")}\n${seen.console.join("\n")}`);

  assert.equal(await page.textContent("#channel"), expected.channel.channel);
  const rendered = await page.$$eval("#slots li", (lis) => lis.map((li) => [li.dataset.slot, li.dataset.variant, li.textContent]));
  const golden = slotsOf(expected);
  assert.deepEqual(
    rendered,
    Object.entries(golden).map(([slot, { variant, content }]) => [slot, variant, `${slot}: ${content}`]),
  );
  assert.deepEqual(JSON.parse(await page.textContent("#decision")), expected, "the whole decision equals the golden one");
  assert.ok(server.requests.some((r) => /^GET \/assets\/.*\.wasm$/.test(r)), "the .wasm was fetched");
  assert.deepEqual(seen.pageErrors, []);
  assert.deepEqual(seen.consoleErrors, []);

  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, "vite-app.png"), fullPage: true });
});
