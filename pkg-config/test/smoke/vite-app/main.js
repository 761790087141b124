// A user's Vite app: `persona-edge` resolves to the browser entry, `await init()` loads the .wasm that Vite
// emitted as an asset, then the Engine verifies the golden snapshots (served from the public dir;
// WebCrypto Ed25519) and decides.
import { init, Engine } from "persona-edge";

const status = (value) => (document.body.dataset.status = value);

try {
  await init();
  const get = async (path) => {
    const res = await fetch(path);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res;
  };
  const manifest = await (await get("/manifest.json")).json();
  const ben = manifest.cases.find((c) => c.name === "ben");
  const [ruleset, profile] = await Promise.all(
    ["/ruleset.snap", "/ben.snap"].map(async (path) => new Uint8Array(await (await get(path)).arrayBuffer())),
  );

  const engine = new Engine({ keys: manifest.keyring, audience: manifest.audience });
  const now = ben.context.now;
  await engine.loadRuleset(ruleset, { now });
  const verified = await engine.verifyProfile(profile, { now });
  const decision = engine.decide({ profile: verified, session: ben.session, context: ben.context });

  document.getElementById("channel").textContent = decision.channel.channel ?? "none";
  for (const choice of decision.content) {
    const li = document.createElement("li");
    li.dataset.slot = choice.slot;
    li.dataset.variant = choice.variant;
    li.textContent = `${choice.slot}: ${choice.content}`;
    document.getElementById("slots").append(li);
  }
  document.getElementById("decision").textContent = JSON.stringify(decision, null, 2);
  status("ok");
} catch (error) {
  document.getElementById("channel").textContent = `error: ${error?.code ?? ""} ${error?.message ?? error}`;
  status("error");
  throw error;
}
