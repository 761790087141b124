// A small local stand-in for the central store's HTTP API (see client.d.ts), for the client tests:
// GET /v1/ruleset, GET /v1/profiles/{subject}/snapshot (Bearer token), POST /v1/feedback.
// Every request is logged; resources can be swapped, made to fail, to hang or to answer late between
// requests. Snapshots are served as the real store serves them (its media type, ETag, Cache-Control, 304).
import { createHash } from "node:crypto";
import { createServer } from "node:http";

/**
 * @typedef {object} Resource
 * @property {Uint8Array} [bytes] the snapshot served with 200
 * @property {string} [cacheControl] Cache-Control header (default "no-cache")
 * @property {string} [etag] ETag (default: a strong tag of the bytes' SHA-256)
 * @property {number} [status] answer this status instead (e.g. 503), with no body
 * @property {boolean} [hang] never answer (to test timeouts)
 * @property {number} [delayMs] answer only after this long
 * @property {number} [age] Age header
 */

/** The media type of snapshots (what the real store sends). */
export const SNAPSHOT_TYPE = "application/vnd.persona-edge.snapshot";

const etagOf = (bytes) => `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"`;

/** Starts the store on 127.0.0.1 with a random port. Call `close()` when done. */
export async function startStore({ ruleset = null, profiles = {}, tokens = {} } = {}) {
  const state = {
    /** @type {Resource | null} */
    ruleset,
    /** @type {Map<string, Resource>} subject -> profile resource */
    profiles: new Map(Object.entries(profiles)),
    /** @type {Map<string, string>} subject -> the read token it accepts */
    tokens: new Map(Object.entries(tokens)),
    /** Statuses to answer the next feedback POSTs with (then 202). */
    feedbackStatuses: [],
    /** Every feedback POST: { status, contentType, body }. */
    feedbackPosts: [],
    /** Every request: { method, path, headers }. */
    requests: [],
    /** How many snapshot bodies were sent (200s). */
    bodiesSent: 0,
  };
  const hanging = new Set();

  async function serveSnapshot(req, res, resource) {
    if (resource?.delayMs) await new Promise((r) => setTimeout(r, resource.delayMs));
    if (!resource) {
      res.writeHead(404).end();
      return;
    }
    if (resource.hang) {
      hanging.add(res);
      return;
    }
    if (resource.status) {
      res.writeHead(resource.status, { "content-type": "text/plain" }).end(`status ${resource.status}`);
      return;
    }
    const etag = resource.etag ?? etagOf(resource.bytes);
    const headers = { etag, "cache-control": resource.cacheControl ?? "no-cache" };
    if (resource.age !== undefined) headers.age = String(resource.age);
    const inm = req.headers["if-none-match"];
    if (inm !== undefined && inm.split(",").map((t) => t.trim()).includes(etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    state.bodiesSent++;
    res.writeHead(200, { ...headers, "content-type": SNAPSHOT_TYPE, "content-length": resource.bytes.length });
    res.end(Buffer.from(resource.bytes));
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    state.requests.push({ method: req.method, path, headers: { ...req.headers } });
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET" && path === "/v1/ruleset") {
        serveSnapshot(req, res, state.ruleset).catch(() => {});
        return;
      }
      const profile = path.match(/^\/v1\/profiles\/([^/]+)\/snapshot$/);
      if (req.method === "GET" && profile) {
        const subject = decodeURIComponent(profile[1]);
        const auth = req.headers.authorization ?? "";
        if (!auth.startsWith("Bearer ")) {
          res.writeHead(401).end();
          return;
        }
        if (state.tokens.has(subject) && state.tokens.get(subject) !== auth.slice(7)) {
          res.writeHead(403).end();
          return;
        }
        serveSnapshot(req, res, state.profiles.get(subject)).catch(() => {});
        return;
      }
      if (req.method === "POST" && path === "/v1/feedback") {
        const status = state.feedbackStatuses.shift() ?? 202;
        let body = null;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          // recorded as null
        }
        state.feedbackPosts.push({ status, contentType: req.headers["content-type"], body });
        res.writeHead(status).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    /** Requests to `path` so far. */
    requestsTo(path) {
      return state.requests.filter((r) => r.path === path);
    },
    /** Feedback POSTs the store accepted (2xx). */
    acceptedFeedback() {
      return state.feedbackPosts.filter((p) => p.status >= 200 && p.status < 300);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A URL where nothing listens (connections are refused). */
export async function unreachableUrl() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
