// persona-edge drop-in for websites, no bundler needed:
//
//   <script type="module" src="https://cdn.example/persona-edge/drop-in.js"
//     data-store="https://store.example" data-keys="hexkey1,hexkey2" data-audience="demo-shop"
//     data-subject="c_ana_7f3a91" data-token="..."></script>
//   <h2 data-persona-slot="hero">Default hero text</h2>
//
// Optional: data-subject + data-token (without them: non-personalized), or data-snapshot (base64url profile
// snapshot bytes, e.g. from a cookie; the store is then not asked for the profile), and data-ruleset
// (base64url ruleset snapshot bytes: the bootstrap; with it and data-snapshot the drop-in requests nothing
// before deciding but its .wasm).
//
// No waterfall: the drop-in is ONE module file; let the browser fetch it and its .wasm with the page:
//   <link rel="modulepreload" href="https://cdn.example/persona-edge/drop-in.js">
//   <link rel="preload" href="https://cdn.example/persona-edge/persona_edge_bg.wasm" as="fetch"
//     type="application/wasm" crossorigin>
// The module is compiled while it streams in (WebAssembly.instantiateStreaming; serve the .wasm as
// application/wasm), in parallel with the ruleset and profile requests.
//
// Instead of data-* attributes a page may set `window.personaEdge = { store, keys, audience, subject, token,
// snapshot, ruleset, context, session }` before this script runs (attributes win); `session` is the live session (device,
// categories viewed, cart value) as the site knows it.
//
// It syncs from the store, decides, and fills every `[data-persona-slot="NAME"]` with the chosen variant's
// content as text. `data-persona-html` on an element inserts the content as HTML instead: only do that when
// you trust the store (and its signing key) as much as your own markup. Filled elements get
// `data-persona-variant="ID"`; "shown" feedback is recorded. Then `persona:decision` is dispatched on
// `document` (detail: { decision, personalized, profileStatus, rulesetStatus }).
// On any failure (store down, refused snapshot, wasm not loading, ...) the page keeps its default content,
// `persona:error` is dispatched (detail: { code, message }) and `<html data-persona-error="CODE">` is set.
// It never throws into the page and never blocks rendering. Debugging: window.personaEdge.{client,decision};
// `window.personaEdge.detail` keeps the last `persona:decision` detail for scripts that start later.

const api = (window.personaEdge =
  window.personaEdge && typeof window.personaEdge === "object" ? window.personaEdge : {});

function emit(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

function fail(error) {
  try {
    const code = String(error?.code || "internal");
    const message = String(error?.message || error);
    api.error = { code, message };
    document.documentElement.dataset.personaError = code;
    emit("persona:error", { code, message });
  } catch {
    // nothing left to report to
  }
}

/** An error with a stable code (for errors that have none, e.g. a module that does not load). */
const coded = (code, error) => (error?.code ? error : { code, message: String(error?.message || error) });

/** The configuration: the global object, overridden by this script tag's data-* attributes. */
function config() {
  const script =
    [...document.querySelectorAll("script[src]")].find((s) => s.src === import.meta.url) ||
    document.querySelector("script[data-store][data-keys]");
  const cfg = { ...api, ...Object.fromEntries(Object.entries(script?.dataset ?? {}).filter(([, v]) => v)) };
  const keys = typeof cfg.keys === "string" ? cfg.keys.split(",") : cfg.keys || [];
  const store = cfg.store ?? cfg.storeUrl;
  return {
    ...cfg,
    keys: keys.map((k) => k.trim()).filter(Boolean),
    // Relative store URLs are relative to the page.
    storeUrl: store && new URL(store, document.baseURI).href,
  };
}

function base64url(text) {
  return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}

async function run() {
  const cfg = config();
  const { PersonaClient } = await import("./index.js").catch((e) => {
    throw coded("load_failed", e);
  });
  const options = { storeUrl: cfg.storeUrl, keys: cfg.keys, audience: cfg.audience, subject: cfg.subject, token: cfg.token };
  // The profile from the page (e.g. a cookie), not from the store: verified like any snapshot; without
  // data-subject, the client adopts the subject the verified snapshot names.
  if (cfg.snapshot) options.profileSnapshot = base64url(cfg.snapshot);
  // The bootstrap: the ruleset snapshot inlined by the page (or the edge), so that nothing is requested
  // before deciding but the .wasm (preload it: see the header).
  if (cfg.ruleset) options.rulesetSnapshot = base64url(cfg.ruleset);
  let client;
  try {
    client = api.client = new PersonaClient(options);
  } catch (e) {
    throw coded("invalid_argument", e);
  }
  // The live session as the site knows it (device, categories viewed); an invalid one is ignored.
  if (cfg.session && typeof cfg.session === "object") client.setSession(cfg.session);
  // Rejects only when the engine cannot be created (module not loadable, bad keys or audience).
  const report = await client.start().catch((e) => {
    throw coded("load_failed", e);
  });
  if (document.readyState === "loading") {
    await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
  }

  const result = client.decide(cfg.context && typeof cfg.context === "object" ? cfg.context : undefined);
  const { decision, personalized, profileStatus, rulesetStatus } = result;
  api.decision = decision;
  // A snapshot that could not be had and has no valid copy in use (a refused profile is not silently
  // replaced by the anonymous decision: the page keeps its own default content).
  const problem = [report.ruleset, report.profile].find((r) => r.error && r.sequence === null);
  if (!decision || problem) {
    throw { code: problem?.error || result.error, message: problem?.message || result.message };
  }

  for (const el of document.querySelectorAll("[data-persona-slot]")) {
    const choice = decision.content.find((c) => c.slot === el.dataset.personaSlot);
    if (!choice) continue;
    if (el.hasAttribute("data-persona-html")) el.innerHTML = choice.content;
    else el.textContent = choice.content;
    el.dataset.personaVariant = choice.variant;
    client.recordShown(decision, { slot: choice.slot, variant: choice.variant }); // never throws
  }
  // Kept for page scripts that start after this ran (an async drop-in can finish first).
  api.detail = { decision, personalized, profileStatus, rulesetStatus };
  emit("persona:decision", api.detail);
  client.flush(); // never rejects
}

api.ready = run().catch(fail);
