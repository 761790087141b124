// persona-edge at the CDN edge: a Cloudflare Workers module (workerd) in front of the shop's origin.
//
// Every HTML page the origin sends is personalized for the visitor before it reaches the browser (see
// rewrite.js); `GET /__persona/decision` returns the visitor's decision as JSON for server-side callers.
// Fail open for content: whatever goes wrong (store down, refused snapshot, wasm error, a bug), the origin's
// page passes through unchanged with `X-Persona-Error: <code>`. Fail closed for consent: without a verified
// profile the engine never chooses a channel that needs consent. No exception leaves `fetch`.
//
// Bindings (wrangler.toml): STORE_URL, AUDIENCE, PUBLIC_KEYS (pinned, comma-separated hex), optional
// STORE_TIMEOUT_MS and RULESET_TTL_SECS, and the KV namespace PERSONA_KV.

import { decideForRequest } from "./decision.js";
import { errorCode } from "./errors.js";
import { decisionPayload, personalizeHtml, withPersonaHeaders } from "./rewrite.js";

/** The path of the JSON decision endpoint. */
const DECISION_PATH = "/__persona/decision";

export default {
  /**
   * @param {Request} request
   * @param {object} env
   * @param {ExecutionContext} ctx
   */
  async fetch(request, env, ctx) {
    try {
      if (new URL(request.url).pathname === DECISION_PATH) return await decisionEndpoint(request, env, ctx);
      return await personalizedPage(request, env, ctx);
    } catch (error) {
      // Unreachable by design (both handlers catch what they call); the last line of defence.
      return plainResponse(500, "persona worker: internal error", errorCode(error));
    }
  },
};

/** The origin's response, personalized when it is an HTML page asked for with GET. */
async function personalizedPage(request, env, ctx) {
  // Start deciding while the origin works when the request looks like a page view; otherwise decide only
  // once the origin's answer turns out to be HTML (no store or KV reads for images, scripts, APIs).
  const early = looksLikePage(request) ? decideForRequest(request, env, ctx) : null;
  let response;
  try {
    response = await fetch(request);
  } catch {
    return plainResponse(502, "persona worker: the origin did not answer", "origin_unreachable");
  }
  if (request.method !== "GET" || !isHtml(response)) return response;
  try {
    const outcome = await (early ?? decideForRequest(request, env, ctx));
    return outcome.decision ? personalizeHtml(response, outcome) : withPersonaHeaders(response, outcome);
  } catch (error) {
    const unchanged = new Response(response.body, response);
    unchanged.headers.set("x-persona-error", errorCode(error));
    return unchanged;
  }
}

/** `GET /__persona/decision`: the decision payload of rewrite.js (`{personalized, decision, profileStatus, ...}`). */
async function decisionEndpoint(request, env, ctx) {
  if (request.method !== "GET") {
    return new Response("method not allowed", { status: 405, headers: { allow: "GET" } });
  }
  const outcome = await decideForRequest(request, env, ctx);
  const response = Response.json(decisionPayload(outcome), {
    headers: { "cache-control": "private, no-store", vary: "Cookie" },
  });
  return withPersonaHeaders(response, outcome);
}

function looksLikePage(request) {
  const accept = request.headers.get("accept");
  return request.method === "GET" && (accept === null || accept.includes("text/html"));
}

function isHtml(response) {
  return /^text\/html\b/i.test(response.headers.get("content-type") ?? "");
}

function plainResponse(status, text, code) {
  return new Response(`${text}\n`, { status, headers: { "content-type": "text/plain", "x-persona-error": code } });
}
