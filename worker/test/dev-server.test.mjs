// worker/dev.mjs as the one-command demo runs it: env vars in, the listening line out, a real HTTP port that
// personalizes the origin's pages, gone after SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { workerDir } from "../runtime.mjs";
import { SUBJECTS, cookies, slotsOf, startOrigin, startStore } from "../harness.mjs";

let store;
let origin;

before(async () => {
  store = await startStore();
  origin = await startOrigin();
});

after(async () => {
  await origin?.close();
  await store?.close();
});

function runDev(env) {
  const child = spawn(process.execPath, [join(workerDir, "dev.mjs")], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
  const listening = new Promise((resolve, reject) => {
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = /^persona worker: listening on (http:\/\/127\.0\.0\.1:\d+)/m.exec(stdout);
      if (match) resolve(match[1]);
    });
    exited.then(({ code }) => reject(new Error(`dev.mjs exited (${code}): ${stderr}`)));
  });
  listening.catch(() => {}); // awaited only by the tests that expect it to listen
  return { child, listening, exited };
}

test("node dev.mjs with PORT, UPSTREAM, STORE_URL, AUDIENCE, PUBLIC_KEYS and KV_JSON", async () => {
  const dev = runDev({
    PORT: "0",
    UPSTREAM: origin.url,
    STORE_URL: store.url,
    AUDIENCE: "demo-shop",
    PUBLIC_KEYS: store.publicKey,
    KV_JSON: store.publish(),
  });
  try {
    const url = await dev.listening;
    const page = await fetch(`${url}/`, {
      headers: { accept: "text/html", cookie: cookies({ subject: SUBJECTS.carla, token: store.token(SUBJECTS.carla) }) },
    });
    const html = await page.text();
    assert.equal(page.headers.get("x-persona-subject"), SUBJECTS.carla);
    assert.equal(slotsOf(html).offer.variant, "offer-discount");
    const decision = await (await fetch(`${url}/__persona/decision`, {
      headers: { cookie: cookies({ subject: SUBJECTS.carla, token: store.token(SUBJECTS.carla) }) },
    })).json();
    assert.equal(decision.profileSource, "kv", "KV_JSON was preloaded");

    dev.child.kill("SIGTERM");
    const { code, signal } = await dev.exited;
    assert.ok(code === 143 || signal === "SIGTERM", `exit ${code} ${signal}`);
    await assert.rejects(fetch(`${url}/`), "nothing listens after SIGTERM");
  } finally {
    dev.child.kill("SIGKILL");
  }
});

test("dev.mjs refuses to start without pinned keys", async () => {
  const dev = runDev({ PORT: "0", UPSTREAM: origin.url, STORE_URL: store.url, PUBLIC_KEYS: "", KEYRING: "" });
  const { code, stderr } = await dev.exited;
  assert.equal(code, 2);
  assert.match(stderr, /PUBLIC_KEYS .* is required/);
});
