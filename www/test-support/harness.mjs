// Shared by www/test/*.test.mjs (kept outside test/, where `node --test test/` would run it as a test file):
// the real central store (target/debug/persona on a fresh temp data dir, seeded with the sample customers),
// the demo shop (www/server.mjs), both on free ports of 127.0.0.1, and headless Chromium through
// playwright-core (the system's /usr/bin/chromium; never `npx playwright install`).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSeededStore } from "../../samples/store/start.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
export const wwwDir = resolve(here, "..");
export const repoRoot = resolve(wwwDir, "..");
/** Screenshots of the tests (gitignored). */
export const outputDir = join(wwwDir, "test/output");
const personaBin = resolve(process.env.PERSONA_BIN ?? join(repoRoot, "target/debug/persona"));
const pkgDir = resolve(process.env.PKG_DIR ?? join(repoRoot, "pkg"));

/** The store's secrets in the tests (fixed, so nothing depends on a generated secrets.json). */
export const WRITE_TOKEN = "www-test-write-token-0123456789";
const TOKEN_SECRET = "5e".repeat(32);

/** Fails early, with the command that fixes it, when the store binary or the package is not built. */
export function checkBuilt() {
  if (!existsSync(personaBin)) throw new Error(`${personaBin} is missing: cargo build -p persona-store`);
  if (!existsSync(join(pkgDir, "drop-in.js"))) throw new Error(`${pkgDir}/drop-in.js is missing: node pkg-config/build.mjs`);
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  await new Promise((ok, fail) => server.once("error", fail).listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/**
 * Spawns a long-running process and resolves to `{ child, stop }` once a line of its stdout matches `ready`;
 * rejects with its output when it exits first or takes longer than `timeoutMs`.
 */
function spawnReady(command, args, { env, ready, name, timeoutMs = 20_000 }) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let output = "";
  const exited = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
  exited.then(() => children.delete(child));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      if (ready.test(output)) {
        clearTimeout(timer);
        ok({ child, stop, output: () => output });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk) => (output += chunk));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

/**
 * Starts the real central store on a fresh data dir seeded with samples/store/seed.mjs, with the sample
 * ruleset and CORS for `siteOrigin` (samples/store/start.mjs). Resolves to `{ url, stop }` (`stop` also
 * deletes the data dir).
 */
export async function startStore({ siteOrigin }) {
  const store = await startSeededStore({
    bin: personaBin,
    env: { PERSONA_WRITE_TOKEN: WRITE_TOKEN, PERSONA_TOKEN_SECRET: TOKEN_SECRET },
    serveArgs: ["--cors-origin", siteOrigin],
    prefix: "persona-www-test-",
  });
  return { url: store.url, stop: store.close };
}

/** Starts www/server.mjs on `port` against the store at `storeUrl`. Resolves to `{ url, stop, output }`. */
export async function startSite({ port, storeUrl, env = {} }) {
  const server = await spawnReady(process.execPath, [join(wwwDir, "server.mjs")], {
    env: { PORT: String(port), STORE_URL: storeUrl, PERSONA_WRITE_TOKEN: WRITE_TOKEN, AUDIENCE: "demo-shop", PKG_DIR: pkgDir, ...env },
    ready: /persona www: listening on http:\/\/127\.0\.0\.1:\d+/,
    name: "www/server.mjs",
  });
  return { url: `http://127.0.0.1:${port}`, stop: server.stop, output: server.output };
}

/** Launches headless Chromium (the system's). */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}

/**
 * The whole demo: store, shop and browser. `stop()` ends them all (in reverse), whatever state they are in.
 * @param {{ browser?: boolean }} [options]
 */
export async function startDemo({ browser = true } = {}) {
  checkBuilt();
  const sitePort = await freePort();
  const siteOrigin = `http://127.0.0.1:${sitePort}`;
  const store = await startStore({ siteOrigin });
  let site;
  let chromium = null;
  try {
    site = await startSite({ port: sitePort, storeUrl: store.url });
    if (browser) chromium = await launchChromium();
  } catch (error) {
    await site?.stop();
    await store.stop();
    throw error;
  }
  return {
    store,
    site,
    browser: chromium,
    async stop() {
      await chromium?.close().catch(() => {});
      await site.stop();
      await store.stop();
    },
  };
}

/**
 * Opens the shop as a persona in a new browser context (its own cookies and storage): /login?as=ID (or
 * /logout for the first-time visitor), then waits until the panel has a decision or an error and the profile
 * part is done. Resolves to `{ context, page, problems }`; `problems` collects uncaught page errors.
 */
export async function openAs(browser, siteUrl, personaId, { viewport = { width: 1400, height: 1000 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error?.stack ?? error)));
  await page.goto(personaId === "visitor" ? `${siteUrl}/logout` : `${siteUrl}/login?as=${personaId}`);
  await settled(page);
  return { context, page, problems };
}

/** Waits until the panel shows a decision (or why there is none) and the profile part is done. */
export async function settled(page) {
  await page.waitForSelector("html[data-panel][data-profile]", { state: "attached", timeout: 15_000 });
}

/**
 * What the page shows, read in one go: the slots, the panel's segments, channel rows, heatmap and status,
 * and the decision the drop-in made (window.personaEdge.decision), to compare the panel with.
 */
export function readPage(page) {
  return page.evaluate(() => {
    const all = (selector) => [...document.querySelectorAll(selector)];
    return {
      panel: document.documentElement.dataset.panel,
      personaError: document.documentElement.dataset.personaError ?? null,
      status: document.getElementById("status").textContent,
      statusKind: document.getElementById("status").dataset.kind,
      slots: Object.fromEntries(
        all("[data-persona-slot]").map((el) => [el.dataset.personaSlot, { variant: el.dataset.personaVariant ?? null, text: el.textContent }]),
      ),
      segments: all("#segments .segment").map((el) => ({
        name: el.dataset.segment,
        matched: el.dataset.matched === "true",
        text: el.textContent,
      })),
      channels: Object.fromEntries(
        all("#channels tbody tr[data-channel]").map((tr) => [
          tr.dataset.channel,
          { status: tr.dataset.status, reason: tr.dataset.reason ?? null, text: tr.textContent },
        ]),
      ),
      cells: all("#heatmap .cell").length,
      sendTimeCells: all("#heatmap .cell.send-time").map((el) => Number(el.dataset.how)),
      heatmapLabel: document.getElementById("heatmap").getAttribute("aria-label"),
      activityNote: document.getElementById("activity-note").hidden ? null : document.getElementById("activity-note").textContent,
      consent: Object.fromEntries(all("#consent li").map((li) => [li.dataset.channel, li.dataset.state])),
      consentVisible: !document.getElementById("consent-section").hidden,
      timing: document.getElementById("timing").textContent,
      decision: window.personaEdge?.decision ?? null,
    };
  });
}

/** Saves a full-page screenshot as test/output/NAME.png; resolves to its path. */
export async function screenshot(page, name) {
  await mkdir(outputDir, { recursive: true });
  const path = join(outputDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
