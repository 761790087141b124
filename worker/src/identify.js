// Who is asking: the visitor's identity and consent answer, from the persona cookies of the request.
//
//   persona_subject   the pseudonymous subject id of a logged-in customer
//   persona_token     that subject's read token (from the store: `persona token SUBJECT`)
//   persona_snapshot  optional: the signed profile snapshot itself, base64url (verified like any other)
//   persona_consent   optional: the consent banner's answer (unanswered, accepted, rejected, partial)
//
// and the `Sec-GPC: 1` header (Global Privacy Control: an opt-out of sale and sharing).
//
// Nothing here is trusted: the subject only says which profile to look for. The snapshot found must be
// signed by a pinned key, for this audience and about this very subject (the engine checks all three).

import { EdgeError } from "./errors.js";

/** A subject id as snapshots carry it (docs/FORMAT.md): 1 to 64 of [A-Za-z0-9_-]. */
const SUBJECT = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;
const CONSENT_ANSWERS = new Set(["unanswered", "accepted", "rejected", "partial"]);

/**
 * @typedef {object} Visitor
 * @property {string | null} subject           null: an anonymous visitor
 * @property {string | null} token             the subject's read token
 * @property {Uint8Array | null} snapshot      profile snapshot bytes from the persona_snapshot cookie
 * @property {string | undefined} consentBanner  the banner's answer, when the cookie holds a known one
 * @property {boolean} globalPrivacyControl  the browser sends `Sec-GPC: 1`
 */

/** Reads the visitor from the request's cookies; throws EdgeError("malformed_cookie") for a malformed one. */
export function identifyVisitor(request) {
  const cookies = parseCookies(request.headers.get("cookie"));
  const subject = cookies.get("persona_subject") || null;
  const token = cookies.get("persona_token") || null;
  const encodedSnapshot = cookies.get("persona_snapshot") || null;
  const consent = cookies.get("persona_consent");
  if (subject !== null && !SUBJECT.test(subject)) throw new EdgeError("malformed_cookie", "persona_subject is not a subject id");
  if (token !== null && !TOKEN.test(token)) throw new EdgeError("malformed_cookie", "persona_token is not a read token");
  if (encodedSnapshot !== null && subject === null) {
    // A snapshot bound to nobody cannot be checked against the visitor: refuse it rather than use it.
    throw new EdgeError("malformed_cookie", "persona_snapshot without persona_subject");
  }
  return {
    subject,
    token,
    snapshot: encodedSnapshot === null ? null : fromBase64url(encodedSnapshot),
    consentBanner: CONSENT_ANSWERS.has(consent) ? consent : undefined,
    globalPrivacyControl: request.headers.get("sec-gpc")?.trim() === "1",
  };
}

/** The device class the live session reports, from the User-Agent (Client Hints first). */
export function deviceOf(request) {
  const mobileHint = request.headers.get("sec-ch-ua-mobile");
  if (mobileHint === "?1") return "mobile";
  const agent = request.headers.get("user-agent") ?? "";
  if (/iPad|Tablet/i.test(agent)) return "tablet";
  if (/Mobi|iPhone|Android/i.test(agent)) return "mobile";
  if (mobileHint === "?0" || /Windows|Macintosh|X11|Linux/i.test(agent)) return "desktop";
  return "unknown";
}

/** Cookie header -> Map of name to (percent-decoded) value; the first occurrence of a name wins. */
function parseCookies(header) {
  const cookies = new Map();
  for (const pair of (header ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at < 0) continue;
    const name = pair.slice(0, at).trim();
    if (!name || cookies.has(name)) continue;
    let value = pair.slice(at + 1).trim().replace(/^"(.*)"$/, "$1");
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoded after all: keep it as it is (the shape checks above judge it).
    }
    cookies.set(name, value);
  }
  return cookies;
}

/** base64url (padding optional) -> bytes; EdgeError("malformed_cookie") when it is not base64url. */
function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new EdgeError("malformed_cookie", "persona_snapshot is not base64url");
  let binary;
  try {
    binary = atob(text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw new EdgeError("malformed_cookie", "persona_snapshot is not base64url");
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
