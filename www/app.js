// The demo shop's page script: explains persona-edge's decision in the panel.
//
// The drop-in script (/pkg/drop-in.js) fills the [data-persona-slot] elements and dispatches
// `persona:decision` (or `persona:error`) on document; a page personalized by the edge worker also carries
// the worker's decision as <script type="application/json" id="persona-decision">. This script draws:
//   - the segments as a bar chart (scored segments: a bar; boolean ones: matched or not),
//   - the channel table (every channel: chosen, ranked with its expected response, or excluded and why),
//   - the send time over a 7 x 24 heatmap of the customer's activity (from /api/profile, local time),
//   - the content chosen per slot and why,
//   - consent switches that change the profile (POST /api/consent) and reload to show the next decision.
// The drop-in is an async module (it runs as soon as it is loaded, not after this script): a decision made
// before this script started is read from window.personaEdge.detail / .error. For tests it sets
// <html data-panel="decided|error"> and <html data-profile="loaded|none|error"> when done.
import { CHANNELS } from "/personas.mjs";

/** The page's configuration, rendered by server.mjs (and used by the drop-in). */
const config = window.personaEdge && typeof window.personaEdge === "object" ? window.personaEdge : {};
/** A note shown once after a consent change, across the reload. */
const FLASH_KEY = "persona-demo:flash";
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const CHANNEL_NAMES = { email: "E-mail", sms: "SMS", push: "Push", web: "Web", phone: "Phone", ads: "Ads" };
const REASONS = {
  disabled: "channel switched off",
  no_profile: "no profile: unknown visitor",
  consent_denied: "consent denied",
  consent_unknown: "no consent given (opt-in needed)",
  marketing_denied: "marketing declined",
  ad_targeting_denied: "ad targeting declined",
  service_situation: "service situation: no promotion",
  churned: "customer has left",
  not_preferred_for_service: "service goes through the preferred channel",
  no_live_session: "no live session",
  capped_day: "daily cap reached",
  capped_week: "weekly cap reached",
};
const CHOICE_BASIS = {
  stated_preference: "stated preference",
  expected_response: "best expected response",
  no_eligible_channel: "no eligible channel",
};
const RESPONSE_BASIS = { own_history: "own history", mostly_prior: "mostly the population prior", prior: "population prior" };
const SNAPSHOT_STATUS = {
  fresh: "verified, fresh from the store",
  not_modified: "verified, unchanged",
  cached: "verified, cached",
  fallback: "store unreachable: last verified copy",
  refused: "refused",
  absent: "not in the store",
  unavailable: "unavailable",
  expired: "expired",
};
const TIMING_SOURCE = {
  own_channel_history: "own history on this channel",
  own_history: "own activity",
  own_history_with_prior: "own activity, smoothed toward the population",
  population_prior: "population average",
  campaign_default: "campaign default hour",
  live_session: "live session",
  first_allowed_instant: "a service message: the first allowed instant",
};
const OUTCOMES = {
  now: "send now",
  best_hour: "the customer's best hour",
  deferred: "deferred",
  moved_to_nearest_edge: "moved to the nearest allowed hour",
  dropped: "dropped",
  no_allowed_hour: "no allowed hour in the horizon",
};
const CONSTRAINTS = { quiet_hours: "by quiet hours", send_window: "by the send window" };
const CONTENT_BASIS = { segment: "segment", top_category: "top category", default: "default" };
const ERRORS = {
  network: "the central store could not be reached",
  timeout: "the central store did not answer in time",
  http_status: "the central store answered with an error",
  load_failed: "the personalization module did not load",
  invalid_argument: "the page's configuration is incomplete (no store keys?)",
  unauthorized: "the store refused the read token",
  forbidden: "the read token is not for this customer",
  tampered: "the snapshot was tampered with",
  expired: "the snapshot has expired",
  rollback: "an older snapshot was presented (rollback)",
  wrong_audience: "the snapshot is for another site",
  wrong_subject: "the snapshot is someone else's",
  unknown_key: "the snapshot is signed with an unknown key",
  no_ruleset: "there is no valid ruleset",
};

/** What the panel knows so far. */
const state = {
  decision: null,
  /** The stored profile (GET /api/profile `.profile`), null for the first-time visitor. */
  profile: null,
  profileError: null,
  /** The heatmap's activity: "overall" or a channel; null until the visitor picks one (then: automatic). */
  activitySource: null,
};

// ---- small helpers ----

const $ = (id) => document.getElementById(id);

/** Creates an element: attributes (`style` as an object, `on*` as listeners), then children (strings too). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "style") Object.assign(el.style, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** "service_situation" -> "service situation", "vip" -> "VIP". */
const words = (name) => name.replace(/_/g, " ").replace(/\bvip\b/gi, "VIP");
/** "service_situation" -> "Service situation". */
const humanize = (name) => words(name).replace(/^./, (c) => c.toUpperCase());
const channelName = (channel) => CHANNEL_NAMES[channel] ?? channel;
/** An hour of the week (0 = Monday 00:00) as "Mon 19:00". */
const hourLabel = (how) => `${DAYS[Math.floor(how / 24)]} ${String(how % 24).padStart(2, "0")}:00`;
const percent = (value) => `${Number(value).toLocaleString("en", { maximumFractionDigits: 1 })}%`;
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

/** Sets the status line (kind: pending, ok, plain, error). */
function setStatus(text, kind) {
  const el = $("status");
  el.textContent = text;
  el.dataset.kind = kind;
}

// ---- the decision ----

/** Renders a decision in every part of the panel. `source` is "browser" or "edge". */
function showDecision({ decision, personalized, profileStatus, rulesetStatus }, source) {
  state.decision = decision;
  setStatus(statusText(decision, personalized, profileStatus, rulesetStatus, source), personalized ? "ok" : "plain");
  renderSegments(decision.segments);
  renderChannels(decision.channel);
  renderTiming(decision.timing, decision.channel.channel);
  renderContent(decision.content);
  renderHeatmap();
  document.documentElement.dataset.panel = "decided";
}

/** One line on what was decided where, and from which snapshots. */
function statusText(decision, personalized, profileStatus, rulesetStatus, source) {
  const where = source === "edge" ? "Decided at the edge" : "Decided in this browser";
  const parts = [];
  if (personalized) parts.push(`${where} for ${config.persona?.name ?? decision.subject}, from a signed snapshot of the profile`);
  else if (config.subject) parts.push(`${where}, not personalized: the profile is ${SNAPSHOT_STATUS[profileStatus] ?? profileStatus}`);
  else parts.push(`${where}, without a profile: the first-time visitor's default`);
  if (profileStatus && personalized) parts.push(`profile ${SNAPSHOT_STATUS[profileStatus] ?? profileStatus}`);
  if (rulesetStatus) parts.push(`ruleset ${SNAPSHOT_STATUS[rulesetStatus] ?? rulesetStatus}`);
  return parts.join(" · ") + ".";
}

/** Shows why nothing was decided; the slots keep their default content. */
function showError({ code, message }) {
  const why = ERRORS[code] ?? message ?? "unknown error";
  if (state.decision) {
    // A decision from the edge is still on screen: only say that the browser could not confirm it.
    setStatus(`${$("status").textContent} The browser could not decide again: ${why} (${code}).`, "error");
    return;
  }
  setStatus(`Not personalized: ${why} (${code}). The shop shows its default content.`, "error");
  const none = "No decision: the default content is shown.";
  $("segments").replaceChildren(h("li", { class: "empty" }, none));
  $("channels").tBodies[0].replaceChildren(h("tr", {}, h("td", { colspan: 3, class: "empty" }, none)));
  $("timing").textContent = "Nothing planned.";
  $("content").replaceChildren(h("li", { class: "empty" }, none));
  renderHeatmap();
  document.documentElement.dataset.panel = "error";
}

/** The segments as a bar chart: matched ones highlighted, boolean ones as matched / not. */
function renderSegments(segments) {
  $("segments").replaceChildren(...segments.map(segmentItem));
}

function segmentItem({ name, matched, score, priority }) {
  const scored = typeof score === "number";
  const verdict = matched ? "matched" : "not matched";
  return h(
    "li",
    { class: "segment", "data-segment": name, "data-matched": String(matched), title: `${name}, priority ${priority}` },
    h("span", { class: "segment-name" }, humanize(name)),
    scored
      ? h("span", { class: "bar", "aria-hidden": "true" }, h("span", { class: "fill", style: { width: `${clamp(score, 0, 100)}%` } }))
      : h("span", { class: "bar boolean", "aria-hidden": "true" }, h("span", { class: "fill" })),
    h("span", { class: "segment-value" }, scored ? `${Math.round(score)} · ${verdict}` : verdict),
  );
}

/** The channel table: every channel, chosen / ranked / excluded, in a fixed order. */
function renderChannels(choice) {
  const best = Math.max(1e-9, ...choice.ranking.map((r) => r.expectedResponsePct));
  $("channels").tBodies[0].replaceChildren(...CHANNELS.map((channel) => channelRow(channel, choice, best)));
}

function channelRow(channel, choice, best) {
  const rank = choice.ranking.findIndex((r) => r.channel === channel);
  const excluded = choice.excluded.find((e) => e.channel === channel);
  let status;
  let label;
  let why;
  if (choice.channel === channel) {
    status = "chosen";
    label = "✓ Chosen";
    why = [`${CHOICE_BASIS[choice.basis] ?? choice.basis}`, rank >= 0 ? responseOf(choice.ranking[rank], best) : null];
  } else if (excluded) {
    status = "excluded";
    label = "✕ Excluded";
    why = [h("span", { class: "reason" }, REASONS[excluded.reason] ?? excluded.reason)];
  } else if (rank >= 0) {
    status = "ranked";
    label = `#${rank + 1} eligible`;
    why = [responseOf(choice.ranking[rank], best)];
  } else {
    status = "unknown";
    label = "–";
    why = ["not considered"];
  }
  return h(
    "tr",
    { "data-channel": channel, "data-status": status, "data-reason": excluded?.reason },
    h("th", { scope: "row" }, channelName(channel)),
    h("td", { class: "verdict" }, label),
    h("td", { class: "why" }, ...why),
  );
}

/** "16% expected response (own history, 40 sent)" with a small bar relative to the best channel. */
function responseOf({ expectedResponsePct, basis, ownObservations }, best) {
  return h(
    "span",
    { class: "response" },
    h("span", { class: "minibar", "aria-hidden": "true" }, h("span", { class: "fill", style: { width: `${clamp((expectedResponsePct / best) * 100, 2, 100)}%` } })),
    `${percent(expectedResponsePct)} expected response (${RESPONSE_BASIS[basis] ?? basis}` +
      `${ownObservations ? `, ${ownObservations} sent` : ""})`,
  );
}

/** The planned send time, in words. */
function renderTiming(timing, channel) {
  $("timing").textContent = timingText(timing, channel);
}

function timingText(timing, channel) {
  if (!channel) return "Nothing is sent: no channel is eligible.";
  if (!timing) return `${channelName(channel)}: no send time.`;
  if (timing.outcome === "now") {
    return timing.source === "live_session"
      ? `${channelName(channel)}, now, while the session is live.`
      : `${channelName(channel)}, now (${TIMING_SOURCE[timing.source] ?? timing.source}).`;
  }
  const outcome = [OUTCOMES[timing.outcome] ?? timing.outcome, CONSTRAINTS[timing.constraint]].filter(Boolean).join(" ");
  if (timing.at === null || timing.localHourOfWeek === null) {
    return `${channelName(channel)}: not sent, ${outcome}.`;
  }
  const utc = new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC",
  }).format(new Date(timing.at * 1000));
  return `${channelName(channel)} on ${hourLabel(timing.localHourOfWeek)}, the customer's local time ` +
    `(${outcome}, from ${TIMING_SOURCE[timing.source] ?? timing.source}): ${utc} UTC.`;
}

/** The content chosen per slot, with the reason and what was skipped. */
function renderContent(content) {
  $("content").replaceChildren(
    ...content.map((c) =>
      h(
        "li",
        { "data-slot": c.slot, "data-variant": c.variant },
        h("strong", {}, c.slot),
        " ",
        h("code", {}, c.variant),
        ` · ${CONTENT_BASIS[c.basis] ?? c.basis}${c.segment ? ` ${words(c.segment)}` : ""}`,
        c.content === "" ? " · nothing shown" : null,
        ...c.skipped.map((s) => h("span", { class: "skipped" }, ` · skipped ${s.variant} (${words(s.reason)})`)),
      ),
    ),
  );
}

// ---- the activity heatmap ----

/** The activity levels (168, 0..3) of the selected source, or null when there is no profile. */
function activityLevels(behaviour, source) {
  if (!behaviour) return null;
  if (source === "overall") return behaviour.activity;
  return behaviour.channel_activity?.find((c) => c.channel === source)?.hours ?? behaviour.activity;
}

/** The source shown: the visitor's pick, else the chosen channel's own activity when there is some. */
function activitySource(behaviour) {
  if (state.activitySource) return state.activitySource;
  const chosen = state.decision?.channel.channel;
  return behaviour?.channel_activity?.some((c) => c.channel === chosen) ? chosen : "overall";
}

/** Draws the 7 x 24 heatmap (Monday 00:00 first, local time) with the planned send hour marked. */
function renderHeatmap() {
  const behaviour = state.profile?.behaviour ?? null;
  const source = activitySource(behaviour);
  const levels = activityLevels(behaviour, source) ?? new Array(168).fill(0);
  const timing = state.decision?.channel.channel ? state.decision.timing : null;
  const mark = Number.isInteger(timing?.localHourOfWeek) ? timing.localHourOfWeek : null;
  renderActivitySelect(behaviour, source);

  const rows = [h("span", { class: "corner" }), ...Array.from({ length: 24 }, (_, hour) => h("span", { class: "hour" }, hour % 6 === 0 ? String(hour) : ""))];
  DAYS.forEach((day, d) => {
    rows.push(h("span", { class: "day" }, day));
    for (let hour = 0; hour < 24; hour++) {
      const how = d * 24 + hour;
      const planned = how === mark;
      rows.push(h("span", {
        class: planned ? "cell send-time" : "cell",
        "data-how": how,
        "data-level": clamp(levels[how] ?? 0, 0, 3),
        title: `${hourLabel(how)}: activity ${levels[how] ?? 0} of 3${planned ? " · planned send" : ""}`,
      }));
    }
  });
  const map = $("heatmap");
  map.replaceChildren(...rows);
  map.setAttribute("aria-label", heatmapSummary(levels, mark, source, behaviour !== null));
  renderActivityNote(behaviour);
}

/** The heatmap in words, for screen readers. */
function heatmapSummary(levels, mark, source, known) {
  const what = source === "overall" ? "all channels" : channelName(source);
  const busiest = levels
    .map((level, how) => ({ level, how }))
    .filter((x) => x.level > 0)
    .sort((a, b) => b.level - a.level || a.how - b.how)
    .slice(0, 3)
    .map((x) => hourLabel(x.how));
  const activity = !known ? "no activity known" : busiest.length ? `most active ${busiest.join(", ")}` : "no activity recorded";
  const planned = mark === null ? "no planned send hour" : `planned send ${hourLabel(mark)}`;
  return `Activity by hour of the week in the customer's local time (${what}): ${activity}; ${planned}.`;
}

/** The activity picker: all channels, or one channel that has its own activity. */
function renderActivitySelect(behaviour, source) {
  const select = $("activity-source");
  const channels = (behaviour?.channel_activity ?? []).map((c) => c.channel);
  select.replaceChildren(
    h("option", { value: "overall", selected: source === "overall" }, "all channels"),
    ...channels.map((c) => h("option", { value: c, selected: source === c }, `${channelName(c)} only`)),
  );
  select.disabled = channels.length === 0;
}

/** Why the heatmap is empty, when it is. */
function renderActivityNote(behaviour) {
  const note = $("activity-note");
  let text = "";
  if (state.profileError) text = `Activity could not be loaded: ${state.profileError.message}`;
  else if (!config.subject) text = "A first-time visitor has no activity history yet: only the live session counts.";
  else if (!behaviour) text = "Loading the customer's activity…";
  note.textContent = text;
  note.hidden = text === "";
}

// ---- the profile and consent ----

/** Loads the logged-in customer's profile for the heatmap and the consent switches. */
async function loadProfile() {
  if (!config.subject) {
    document.documentElement.dataset.profile = "none";
    return renderHeatmap();
  }
  try {
    const body = await fetchJson("/api/profile");
    state.profile = body.profile;
    state.profileError = null;
    renderConsent(body.profile.consent?.channels ?? {});
    document.documentElement.dataset.profile = "loaded";
  } catch (error) {
    state.profileError = error;
    document.documentElement.dataset.profile = "error";
  }
  renderHeatmap();
}

/** fetch() that resolves to the JSON body of a 2xx, or rejects with the API's error message. */
async function fetchJson(url, options = {}) {
  const response = await fetch(url, { ...options, headers: { accept: "application/json", ...options.headers } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? `HTTP ${response.status}`);
    error.code = body?.error?.code ?? "http_status";
    throw error;
  }
  return body;
}

/** One switch per channel: on = granted, off = denied (unknown shows as off, labelled "not asked"). */
function renderConsent(channels) {
  $("consent").replaceChildren(
    ...CHANNELS.map((channel) => {
      const current = channels[channel]?.state ?? "unknown";
      const id = `consent-${channel}`;
      return h(
        "li",
        { "data-channel": channel, "data-state": current },
        h("input", { type: "checkbox", role: "switch", id, "data-channel": channel, checked: current === "granted", onchange: onConsentChange }),
        h("label", { for: id }, channelName(channel)),
        h("span", { class: "consent-state" }, current === "unknown" ? "not asked" : current),
      );
    }),
  );
  $("consent-section").hidden = false;
}

/** Saves a switched consent, then reloads: the drop-in fetches the new snapshot and decides again. */
async function onConsentChange(event) {
  const input = event.currentTarget;
  const channel = input.dataset.channel;
  const wanted = input.checked ? "granted" : "denied";
  const inputs = [...$("consent").querySelectorAll("input")];
  inputs.forEach((i) => (i.disabled = true));
  showConsentNote(`Saving: ${channelName(channel)} ${wanted}…`);
  try {
    await fetchJson("/api/consent", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel, state: wanted }),
    });
    sessionStorage.setItem(FLASH_KEY, `${channelName(channel)} consent is now ${wanted}: the panel shows the new decision.`);
    location.reload();
  } catch (error) {
    input.checked = !input.checked;
    inputs.forEach((i) => (i.disabled = false));
    showConsentNote(`Could not change the consent: ${error.message}`);
  }
}

function showConsentNote(text) {
  const note = $("consent-note");
  note.textContent = text;
  note.hidden = false;
}

/** Shows (once) the note left by a consent change before the reload. */
function showFlash() {
  try {
    const text = sessionStorage.getItem(FLASH_KEY);
    if (!text) return;
    sessionStorage.removeItem(FLASH_KEY);
    showConsentNote(text);
  } catch {
    // no session storage: no note
  }
}

// ---- start ----

/** The decision the edge worker injected into the page, if any. */
function edgeDecision() {
  const el = document.getElementById("persona-decision");
  if (!el) return null;
  try {
    const value = JSON.parse(el.textContent);
    const d = value?.decision;
    const usable = Array.isArray(d?.segments) && Array.isArray(d?.content) && Array.isArray(d?.channel?.excluded) && Array.isArray(d?.channel?.ranking);
    return usable ? value : null;
  } catch {
    return null;
  }
}

function start() {
  document.addEventListener("persona:decision", (event) => showDecision(event.detail, "browser"));
  document.addEventListener("persona:error", (event) => showError(event.detail ?? {}));
  // A drop-in that cannot even be fetched dispatches nothing.
  document.querySelector('script[src$="/pkg/drop-in.js"]')?.addEventListener("error", () =>
    showError({ code: "load_failed", message: "drop-in.js did not load" }),
  );
  $("activity-source").addEventListener("change", (event) => {
    state.activitySource = event.currentTarget.value;
    renderHeatmap();
  });
  const fromEdge = edgeDecision();
  if (fromEdge) showDecision(fromEdge, "edge");
  else if (config.detail) showDecision(config.detail, "browser"); // the drop-in decided before this ran
  else if (config.error) showError(config.error); // the drop-in failed before this ran
  renderHeatmap();
  showFlash();
  loadProfile();
}

start();
