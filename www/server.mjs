#!/usr/bin/env node
// The demo shop's origin and back end: Node's http module, no framework, no dependencies.
//
//   PERSONA_WRITE_TOKEN=... node www/server.mjs
//
// Environment:
//   PORT                 where to listen on 127.0.0.1 (8080; 0 picks a free port)
//   STORE_URL            the central store, as this server calls it (http://127.0.0.1:8787)
//   PUBLIC_STORE_URL     the central store, as browsers call it (default STORE_URL)
//   PERSONA_WRITE_TOKEN  the store's write token (required): it stays here, never in a browser
//   AUDIENCE             the site's audience in the store (demo-shop)
//   PKG_DIR              the built npm package (node pkg-config/build.mjs), served under /pkg/ (../pkg)
//
// Routes:
//   GET  /                    the storefront, with `window.personaEdge = {...}` for the drop-in script
//   GET  /login?as=PERSONA    asks the store for the persona's read token, sets the cookies persona_subject and
//                             persona_token, redirects to /
//   GET  /logout              forgets them (first-time visitor), redirects to /
//   GET  /api/profile         the logged-in customer's stored profile (GET /v1/profiles/{subject}), for the panel
//   POST /api/consent         {channel, state}: changes that consent (PUT /v1/profiles/{subject})
//   GET  /healthz             {"ok": true}
//   GET  /app.js, /style.css, /personas.mjs, /pkg/...   static files
//
// Errors are JSON `{"error": {"code", "message"}}` with a fitting status (a small HTML page for browsers
// navigating to /login); the store being down is a 502 from the API and a non-personalized page from /.
// Nothing a request does can stop the server.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { CHANNELS, CONSENT_STATES, CONTEXT, PERSONAS, personaById, personaBySubject } from "./personas.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
/** Files of this folder served as they are (everything else here stays private). */
const PUBLIC_FILES = new Set(["app.js", "style.css", "personas.mjs"]);
/** When the shop's Global Privacy Control support last changed (`/.well-known/gpc.json`). */
const GPC_SINCE = "2026-12-03";
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ts": "text/plain; charset=utf-8",
};
/** How long a request to the store may take before it counts as down. */
const STORE_TIMEOUT_MS = 3000;
/** How long the store's public keys are used before they are fetched again (keys rotate). */
const KEYS_TTL_MS = 60_000;
/** Largest request body accepted by the API. */
const MAX_BODY_BYTES = 4096;
const COOKIE_MAX_AGE_SECS = 7 * 86400;

/** An HTTP error to answer with: status, stable code, message (and extra headers, e.g. Allow). */
class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** The configuration from the environment; throws when something required is missing or malformed. */
export function readConfig(env = process.env) {
  const token = env.PERSONA_WRITE_TOKEN;
  if (!token) throw new Error("PERSONA_WRITE_TOKEN is required (the store's write token; see the store's secrets.json)");
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env.PORT}`);
  const storeUrl = trimSlash(env.STORE_URL || "http://127.0.0.1:8787");
  return {
    port,
    storeUrl,
    publicStoreUrl: trimSlash(env.PUBLIC_STORE_URL || storeUrl),
    writeToken: token,
    audience: env.AUDIENCE || "demo-shop",
    // Relative to the working directory when given, to this folder's parent by default.
    pkgDir: env.PKG_DIR ? resolve(env.PKG_DIR) : resolve(HERE, "../pkg"),
  };
}

const trimSlash = (url) => url.replace(/\/+$/, "");

// ---- the store ----

/**
 * Calls the store: `{status, body}` (body parsed as JSON when it is JSON). Throws HttpError 502
 * `store_unreachable` when it cannot be reached or does not answer in time.
 */
async function callStore(config, path, { method = "GET", body, auth = true } = {}) {
  const headers = { accept: "application/json" };
  if (auth) headers.authorization = `Bearer ${config.writeToken}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(config.storeUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(STORE_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, body: parseJson(text) ?? { error: { code: "store_error", message: text.slice(0, 200) } } };
  } catch (error) {
    throw new HttpError(502, "store_unreachable", `the central store (${config.storeUrl}) did not answer: ${error?.cause?.code ?? error?.name ?? error}`);
  }
}

/** Like callStore, but any status other than 2xx is an HttpError carrying the store's own code and message. */
async function callStoreOk(config, path, options) {
  const { status, body } = await callStore(config, path, options);
  if (status >= 200 && status < 300) return body;
  const code = body?.error?.code ?? "store_error";
  const message = body?.error?.message ?? `the store answered ${status}`;
  // The store's 4xx are about the request (passed on); anything else is the store's problem: 502.
  throw new HttpError(status >= 400 && status < 500 && status !== 401 ? status : 502, code, message);
}

const parseJson = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The store's public keys that verify snapshots (active and verifying), cached for KEYS_TTL_MS. When the
 * store cannot be asked the last keys known are used, or none (the page then stays non-personalized).
 */
function keyCache(config) {
  let keys = [];
  let fetchedAt = -Infinity;
  return async function currentKeys() {
    if (Date.now() - fetchedAt < KEYS_TTL_MS) return keys;
    try {
      const body = await callStoreOk(config, "/v1/keys", { auth: false });
      keys = (body.keys ?? []).filter((k) => k.status === "active" || k.status === "verifying").map((k) => k.public_key);
      fetchedAt = Date.now();
    } catch (error) {
      console.error(`persona www: keys not refreshed: ${error.message}`);
      fetchedAt = Date.now() - KEYS_TTL_MS + 5000; // retry in 5 s, not on every page view
    }
    return keys;
  };
}

// ---- requests and responses ----

/** The cookies of a request as an object. */
function cookiesOf(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    try {
      out[name] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      // a malformed cookie is ignored
    }
  }
  return out;
}

/** A Set-Cookie value readable by the page's script (the drop-in needs the token in the page config). */
const cookie = (name, value, maxAge) =>
  `${name}=${encodeURIComponent(value)}; Path=/; SameSite=Lax; Max-Age=${maxAge}`;

/**
 * The logged-in demo customer, from the cookies: `{persona, subject, token}`, or the first-time visitor
 * (`subject` null). Only the demo personas' subjects are accepted: the back end acts on them with the
 * write token, so a hand-made cookie must not reach anyone else's profile.
 */
function visitorOf(req) {
  const { persona_subject: subject, persona_token: token } = cookiesOf(req);
  const persona = personaBySubject(subject);
  if (persona.subject === null || !token) return { persona: personaById("visitor"), subject: null, token: null };
  return { persona, subject: persona.subject, token };
}

/** The logged-in visitor, or HttpError 401. */
function requireCustomer(req) {
  const visitor = visitorOf(req);
  if (visitor.subject === null) throw new HttpError(401, "not_logged_in", "log in as one of the demo customers first (/login?as=ana)");
  return visitor;
}

/** Sends JSON. */
function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(body);
}

/** Answers an error: JSON for API callers, a small page for a browser navigating to it. */
function sendError(req, res, error) {
  const { status, code, message, headers } = error instanceof HttpError ? error : new HttpError(500, "internal", "internal error");
  if (!(error instanceof HttpError)) console.error("persona www: internal error:", error);
  if (res.headersSent) return res.end();
  const wantsHtml = !req.url.startsWith("/api/") && (req.headers.accept ?? "").includes("text/html");
  if (!wantsHtml) return sendJson(res, status, { error: { code, message } }, headers);
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${status} ${escapeHtml(code)}</title>
<link rel="stylesheet" href="/style.css"><main class="error-page"><h1>Something went wrong</h1>
<p>${escapeHtml(message)} <code>${escapeHtml(code)}</code></p><p><a href="/">Back to the shop</a></p></main></html>`);
}

/** Redirects (303: always a GET) to a same-origin path. */
function redirect(res, location, cookies = []) {
  res.writeHead(303, { location, "set-cookie": cookies, "cache-control": "no-store" });
  res.end();
}

/** Reads a small JSON request body; HttpError 400/413/415 when it is not one. */
async function readJsonBody(req) {
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
    throw new HttpError(415, "unsupported_media_type", "send the body as application/json");
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "too_large", `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const value = parseJson(Buffer.concat(chunks).toString("utf8"));
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "invalid_json", "the body must be a JSON object");
  }
  return value;
}

// ---- static files ----

/**
 * Sends a file (ETag revalidation, gzip for text and wasm when the browser takes it); HttpError 404 when it
 * is not there. `file` must already be checked to be one we may serve.
 */
function staticFiles() {
  const gzipCache = new Map(); // file -> { tag, body }
  return async function sendFile(req, res, file) {
    let info;
    try {
      info = await stat(file);
    } catch {
      info = null;
    }
    if (!info?.isFile()) throw new HttpError(404, "not_found", `no such file: ${new URL(req.url, "http://x").pathname}`);
    const tag = `W/"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    const headers = { "content-type": type, "cache-control": "no-cache", etag: tag, vary: "accept-encoding" };
    if (req.headers["if-none-match"] === tag) {
      res.writeHead(304, headers);
      return res.end();
    }
    const compressible = /^(text\/|application\/(json|wasm)|image\/svg)/.test(type);
    if (compressible && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
      let cached = gzipCache.get(file);
      if (cached?.tag !== tag) gzipCache.set(file, (cached = { tag, body: gzipSync(await readFile(file)) }));
      res.writeHead(200, { ...headers, "content-encoding": "gzip" });
      return res.end(cached.body);
    }
    res.writeHead(200, headers);
    res.end(await readFile(file));
  };
}

/** The file under `root` that a URL path names, or HttpError 404 when it would leave `root`. */
function fileUnder(root, urlPath) {
  let relative;
  try {
    relative = decodeURIComponent(urlPath);
  } catch {
    throw new HttpError(400, "bad_path", "malformed URL path");
  }
  const file = resolve(root, "." + sep + relative);
  if (relative.includes("\0") || !file.startsWith(resolve(root) + sep)) throw new HttpError(404, "not_found", "not found");
  return file;
}

// ---- the page ----

const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** JSON that is safe inside an inline <script> (no `</script>`, no line separators). */
const scriptJson = (value) =>
  JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

/** The persona switcher: one link per persona, the current one marked. */
function switcherHtml(current) {
  return PERSONAS.map((p) => {
    const href = p.subject === null ? "/logout" : `/login?as=${p.id}`;
    const currentAttr = p.id === current.id ? ' aria-current="page"' : "";
    return `<li><a href="${href}" data-persona="${p.id}"${currentAttr}><strong>${escapeHtml(p.name)}</strong>` +
      `<span>${escapeHtml(p.description)}</span></a></li>`;
  }).join("\n        ");
}

/**
 * The signed snapshots to inline into the page (the drop-in's bootstrap: it then asks the store nothing
 * before deciding): the ruleset and the visitor's profile snapshot, base64url, fetched by the shop's back
 * end from the store (any missing one is simply left out: the drop-in then fetches it).
 */
async function bootstrapSnapshots(config, visitor) {
  const get = async (path, token) => {
    try {
      const response = await fetch(config.storeUrl + path, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(STORE_TIMEOUT_MS),
      });
      return response.ok ? Buffer.from(await response.arrayBuffer()).toString("base64url") : undefined;
    } catch {
      return undefined;
    }
  };
  const [ruleset, snapshot] = await Promise.all([
    get("/v1/ruleset"),
    visitor.subject && visitor.token ? get(`/v1/profiles/${encodeURIComponent(visitor.subject)}/snapshot`, visitor.token) : undefined,
  ]);
  return { ruleset, snapshot };
}

/** The drop-in's configuration for this visitor (see pkg-config/src/drop-in.js), with the persona's session. */
function pageConfig(config, keys, visitor) {
  return {
    store: config.publicStoreUrl,
    keys,
    audience: config.audience,
    subject: visitor.subject,
    token: visitor.token,
    context: CONTEXT,
    // The live session as the shop knows it (the drop-in hands it to its client).
    session: visitor.persona.session,
    persona: { id: visitor.persona.id, name: visitor.persona.name },
  };
}

/** Fills the `{{name}}` placeholders of the page template (values are HTML already). */
const fill = (template, values) => template.replace(/\{\{(\w+)\}\}/g, (whole, name) => values[name] ?? whole);

// ---- the routes ----

/** The request handlers by "METHOD /path" (HEAD is served like GET; anything else GET is a static file). */
function routes(config) {
  const currentKeys = keyCache(config);
  const templatePath = join(HERE, "index.html");

  return {
    async "GET /"(req, res, url) {
      const visitor = visitorOf(req);
      // `?bootstrap=1`: the snapshots are inlined (no request of the drop-in before it decides).
      const bootstrap = url.searchParams.get("bootstrap") === "1";
      const [template, keys, inlined] = await Promise.all([
        readFile(templatePath, "utf8"),
        currentKeys(),
        bootstrap ? bootstrapSnapshots(config, visitor) : {},
      ]);
      const html = fill(template, {
        config: `<script>window.personaEdge = ${scriptJson({ ...pageConfig(config, keys, visitor), ...inlined })};</script>`,
        switcher: switcherHtml(visitor.persona),
        personaName: escapeHtml(visitor.persona.name),
        signedIn: visitor.subject === null
          ? "Not signed in"
          : `Signed in as <strong>${escapeHtml(visitor.persona.name)}</strong> · <a href="/logout">Sign out</a>`,
        personaDescription: escapeHtml(visitor.persona.description),
      });
      res.writeHead(200, { "content-type": TYPES[".html"], "cache-control": "no-store", vary: "cookie" });
      res.end(html);
    },

    async "GET /login"(req, res, url) {
      const persona = personaById(url.searchParams.get("as") ?? "");
      if (!persona) {
        throw new HttpError(400, "unknown_persona", `no persona "${url.searchParams.get("as")}"; one of ${PERSONAS.map((p) => p.id).join(", ")}`);
      }
      if (persona.subject === null) return logout(res);
      const body = await callStoreOk(config, "/v1/tokens", { method: "POST", body: { subjects: [persona.subject] } });
      const token = body?.tokens?.[persona.subject];
      if (typeof token !== "string") throw new HttpError(502, "store_error", "the store gave no read token");
      redirect(res, "/", [
        cookie("persona_subject", persona.subject, COOKIE_MAX_AGE_SECS),
        cookie("persona_token", token, COOKIE_MAX_AGE_SECS),
      ]);
    },

    async "GET /logout"(req, res) {
      logout(res);
    },

    async "GET /api/profile"(req, res) {
      const { subject } = requireCustomer(req);
      sendJson(res, 200, await callStoreOk(config, `/v1/profiles/${encodeURIComponent(subject)}`));
    },

    async "POST /api/consent"(req, res) {
      const { subject } = requireCustomer(req);
      const { channel, state } = await readJsonBody(req);
      if (!CHANNELS.includes(channel)) throw new HttpError(400, "invalid_channel", `channel must be one of ${CHANNELS.join(", ")}`);
      if (!CONSENT_STATES.includes(state)) throw new HttpError(400, "invalid_state", `state must be one of ${CONSENT_STATES.join(", ")}`);
      const body = await callStoreOk(config, `/v1/profiles/${encodeURIComponent(subject)}`, {
        method: "PUT",
        body: { consent: { channels: { [channel]: state } } },
      });
      sendJson(res, 200, { subject, channel, state, sequence: body?.sequences?.[subject] ?? null });
    },

    async "GET /healthz"(req, res) {
      sendJson(res, 200, { ok: true });
    },

    // Global Privacy Control: the shop honours the signal (the edge worker excludes ads for a request
    // that sends it and records the opt-out for the customer). Format: the GPC specification's.
    async "GET /.well-known/gpc.json"(req, res) {
      sendJson(res, 200, { gpc: true, lastUpdate: GPC_SINCE });
    },
  };
}

/** Serves static files: this folder's public files, and the package under /pkg/. */
function staticRoute(config) {
  const sendFile = staticFiles();
  return function serveStatic(req, res, url) {
    if (url.pathname.startsWith("/pkg/")) return sendFile(req, res, fileUnder(config.pkgDir, url.pathname.slice(5)));
    const name = url.pathname.slice(1);
    if (!PUBLIC_FILES.has(name)) throw new HttpError(404, "not_found", `not found: ${url.pathname}`);
    return sendFile(req, res, join(HERE, name));
  };
}

/** Forgets the logged-in customer (the first-time visitor from now on). */
function logout(res) {
  redirect(res, "/", [cookie("persona_subject", "", 0), cookie("persona_token", "", 0)]);
}

/** The request listener: routes, static files, errors (never throws). */
export function createHandler(config) {
  const table = routes(config);
  const serveStatic = staticRoute(config);
  return async function handle(req, res) {
    try {
      const url = new URL(req.url, "http://localhost");
      const method = req.method === "HEAD" ? "GET" : req.method;
      const route = table[`${method} ${url.pathname}`];
      if (route) return await route(req, res, url);
      const allowed = Object.keys(table).filter((key) => key.endsWith(` ${url.pathname}`)).map((key) => key.split(" ")[0]);
      if (allowed.length === 0) allowed.push("GET"); // a static file, if there is one
      if (!allowed.includes(method)) {
        const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : [])].join(", ");
        throw new HttpError(405, "method_not_allowed", `${req.method} is not allowed on ${url.pathname}`, { allow });
      }
      await serveStatic(req, res, url);
    } catch (error) {
      try {
        sendError(req, res, error);
      } catch (failure) {
        console.error("persona www: could not answer:", failure);
        res.destroy();
      }
    }
  };
}

/** Starts the server; resolves to it once listening (the first stdout line says where). */
export async function start(config = readConfig()) {
  const server = createServer(createHandler(config));
  server.on("clientError", (error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise((ok, fail) => server.once("error", fail).listen(config.port, "127.0.0.1", ok));
  const { port } = server.address();
  console.log(`persona www: listening on http://127.0.0.1:${port} (store ${config.storeUrl}, browsers use ${config.publicStoreUrl}, audience ${config.audience}, package ${config.pkgDir})`);
  try {
    await stat(join(config.pkgDir, "drop-in.js"));
  } catch {
    console.error(`persona www: ${config.pkgDir}/drop-in.js is missing (node pkg-config/build.mjs): the page will show its default content`);
  }
  return server;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.on("unhandledRejection", (error) => console.error("persona www: unhandled rejection:", error));
  let server;
  try {
    server = await start();
  } catch (error) {
    console.error(`persona www: ${error.message}`);
    process.exit(1);
  }
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    });
  }
}
