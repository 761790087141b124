// Shared by browser.test.mjs and smoke.test.mjs: a tiny static HTTP server on 127.0.0.1 (random port),
// headless Chromium (the system one; never `npx playwright install`) and the golden fixtures.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
/** The repository root (pkg-config/test/browser/../../..). */
export const repoRoot = resolve(here, "../../..");
/** The BUILT package (node pkg-config/build.mjs), never the sources; PERSONA_EDGE_PKG overrides it. */
export const pkgDir = resolve(process.env.PERSONA_EDGE_PKG ?? join(repoRoot, "pkg"));
export const fixturesDir = join(repoRoot, "tests/fixtures/decisions");
export const manifest = JSON.parse(readFileSync(join(fixturesDir, "manifest.json"), "utf8"));
export const artifactsDir = join(here, "artifacts");

/** The golden case called `name` (context, session, expected decision). */
export function goldenCase(name) {
  const found = manifest.cases.find((c) => c.name === name);
  if (!found) throw new Error(`no golden case ${name}`);
  return found;
}

/** `{ slot: { variant, content } }` of a decision. */
export function slotsOf(decision) {
  return Object.fromEntries(decision.content.map((c) => [c.slot, { variant: c.variant, content: c.content }]));
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".snap": "application/octet-stream",
  ".svg": "image/svg+xml",
};

/** Sends a file under `dir` (path from the URL, no escaping `dir`); 404 when missing. */
export async function sendFile(res, dir, urlPath) {
  const root = resolve(dir);
  let file = normalize(join(root, decodeURIComponent(urlPath)));
  if (file !== root && !file.startsWith(root + sep)) return send(res, 403, "forbidden");
  try {
    if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  } catch {
    send(res, 404, "not found");
  }
}

export function send(res, status, body, type = "text/plain", headers = {}) {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...headers });
  res.end(body);
}

/**
 * Starts a server whose `handler(req, res, url)` answers every request (may be async; an exception is a 500).
 * Resolves to `{ origin, close, requests }`; `requests` lists "METHOD /path" of every request.
 */
export async function startServer(handler) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname === "/favicon.ico") return send(res, 204, "");
    try {
      await handler(req, res, url);
    } catch (error) {
      if (!res.headersSent) send(res, 500, String(error?.stack ?? error));
    }
  });
  await new Promise((ok, fail) => server.once("error", fail).listen(0, "127.0.0.1", ok));
  server.keepAliveTimeout = 1;
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

/** Reads a request body. */
export async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Headless system Chromium through playwright-core. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

/** Collects a page's uncaught errors, console errors and failed requests (for assertions and diagnostics). */
export function watch(page) {
  const seen = { pageErrors: [], consoleErrors: [], console: [] };
  page.on("pageerror", (error) => seen.pageErrors.push(String(error?.stack ?? error)));
  page.on("console", (msg) => {
    seen.console.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === "error") seen.consoleErrors.push(msg.text());
  });
  return seen;
}
