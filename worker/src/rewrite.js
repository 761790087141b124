// What the browser gets: the origin's HTML with the chosen content in its slots, the decision for the
// page's own scripts, and the persona headers.
//
// Slots are elements with `data-persona-slot="NAME"`: they get the chosen variant's content as text (never
// as HTML) and `data-persona-variant="ID"`. Slots the decision does not mention keep the origin's content.
// The decision is injected as `<script type="application/json" id="persona-decision">` at the end of the
// body (the demo page's explanation panel reads it).

import { matchedSegments } from "./decision.js";

/** The JSON the page and `/__persona/decision` get for an Outcome. */
export function decisionPayload(outcome) {
  const payload = {
    personalized: outcome.personalized,
    decision: outcome.decision,
    profileStatus: outcome.profileStatus,
    profileSource: outcome.profileSource,
    sequence: outcome.sequence,
    rulesetSequence: outcome.rulesetSequence,
    verification: outcome.verification,
  };
  if (outcome.error) payload.error = outcome.error;
  return payload;
}

/**
 * The origin's HTML `response` personalized by `outcome.decision` (which must be set), with the persona
 * headers. The rewriting streams: the page is never buffered whole.
 */
export function personalizeHtml(response, outcome) {
  const chosen = new Map(outcome.decision.content.map((choice) => [choice.slot, choice]));
  const script = `<script type="application/json" id="persona-decision">${scriptSafeJson(decisionPayload(outcome))}</script>`;
  const rewritten = new HTMLRewriter()
    .on("[data-persona-slot]", {
      element(element) {
        const choice = chosen.get(element.getAttribute("data-persona-slot"));
        if (!choice) return;
        element.setInnerContent(choice.content);
        element.setAttribute("data-persona-variant", choice.variant);
      },
    })
    .on("body", {
      element(element) {
        element.append(script, { html: true });
      },
    })
    .transform(response);
  const personalized = withPersonaHeaders(rewritten, outcome);
  // The page now depends on the visitor's cookies: no shared cache may keep it, and the origin's
  // validators describe a different body.
  personalized.headers.set("cache-control", "private, no-cache");
  const vary = personalized.headers.get("vary") ?? "";
  if (!/(^|,)\s*(cookie|\*)\s*(,|$)/i.test(vary)) personalized.headers.append("vary", "Cookie");
  personalized.headers.delete("etag");
  personalized.headers.delete("last-modified");
  return personalized;
}

/** The cookies that name the visitor (set by the site at login), cleared once the customer is erased. */
const IDENTITY_COOKIES = ["persona_subject", "persona_token", "persona_snapshot"];

/**
 * A copy of `response` (body untouched) with the persona headers: Server-Timing always, X-Persona-Error on
 * failure, X-Persona-Segments when decided, X-Persona-Subject only when personalized, and expired identity
 * cookies when the customer was erased.
 */
export function withPersonaHeaders(response, outcome) {
  const copy = new Response(response.body, response);
  if (outcome.profileStatus === "erased") {
    for (const name of IDENTITY_COOKIES) copy.headers.append("set-cookie", `${name}=; Path=/; Max-Age=0; SameSite=Lax`);
  }
  copy.headers.append("server-timing", `persona;dur=${outcome.durMs.toFixed(1)};desc="decide"`);
  if (outcome.error) copy.headers.set("x-persona-error", outcome.error);
  if (outcome.decision) copy.headers.set("x-persona-segments", matchedSegments(outcome.decision).join(","));
  if (outcome.personalized && outcome.subject) copy.headers.set("x-persona-subject", outcome.subject);
  return copy;
}

/** JSON that cannot close the script element or open a comment inside it. */
function scriptSafeJson(value) {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
