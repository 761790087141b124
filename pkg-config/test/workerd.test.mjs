// The package's "workerd" entry in workerd, the Workers runtime (through miniflare): every snapshot refusal
// through the WebCrypto path with its code, and the golden decisions identical to native Rust — the same
// checks package.test.mjs runs in Node and browser.test.mjs in Chromium (support/engine-checks.mjs).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { Miniflare } from "miniflare";
import { EXPECTED_REFUSALS } from "./support/engine-checks.mjs";

const pkgDir = new URL("./node_modules/persona-edge/", import.meta.url);
const fixtures = new URL("../../tests/fixtures/decisions/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", fixtures), "utf8"));
const hex = (file) => readFileSync(new URL(file, fixtures)).toString("hex");
const pkg = JSON.parse(readFileSync(new URL("package.json", pkgDir), "utf8"));
const entry = pkg.exports["."].workerd.replace(/^\.\//, "");

const WORKER = `
import * as pe from "persona-edge";
import { goldenDecisions, refusals } from "./engine-checks.mjs";
const bytes = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
export default {
  async fetch(request) {
    const { manifest, files } = await request.json();
    const f = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, bytes(v)]));
    const now = manifest.cases[0].context.now;
    const refused = await refusals(pe, { keys: manifest.keyring, audience: manifest.audience, now,
      ruleset: f[manifest.ruleset], ana: f["ana.snap"], anaTampered: f["ana-tampered.snap"] });
    const golden = await goldenDecisions(pe, manifest, f);
    return Response.json({ refused, golden });
  },
};`;

let mf;
before(() => {
  mf = new Miniflare({
    compatibilityDate: "2026-04-01",
    modulesRoot: "/w",
    modules: [
      { type: "ESModule", path: "/w/main.mjs", contents: WORKER },
      { type: "ESModule", path: "/w/engine-checks.mjs", contents: readFileSync(new URL("./support/engine-checks.mjs", import.meta.url), "utf8") },
      { type: "ESModule", path: "/w/persona-edge", contents: `export * from "./pkg/${entry}";\n` },
      { type: "ESModule", path: `/w/pkg/${entry}`, contents: readFileSync(new URL(entry, pkgDir), "utf8") },
      { type: "CompiledWasm", path: "/w/pkg/persona_edge_bg.wasm", contents: readFileSync(new URL("persona_edge_bg.wasm", pkgDir)) },
    ],
  });
});

after(() => mf?.dispose());

test("in workerd: every refusal with its code, and the golden decisions", async () => {
  const files = Object.fromEntries(
    [manifest.ruleset, ...manifest.cases.map((c) => c.profile).filter(Boolean)].map((f) => [f, hex(f)]),
  );
  const response = await mf.dispatchFetch("http://test.local/", { method: "POST", body: JSON.stringify({ manifest, files }) });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const { refused, golden } = JSON.parse(text);
  assert.deepEqual(refused, EXPECTED_REFUSALS);
  for (const c of manifest.cases) {
    assert.deepEqual(golden[c.name].profile, c.expected.profile, c.name);
    assert.deepEqual(golden[c.name].decision, c.expected.decision, c.name);
  }
});
