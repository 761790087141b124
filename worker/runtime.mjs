// Runs the worker in workerd, the real Workers runtime, through Miniflare (Node side; used by dev.mjs,
// bench.mjs and the tests).
//
// No bundler: the worker's modules are listed one by one, as wrangler would bundle them. `src/*.js` from
// wrangler.toml's `main` (following relative imports), a module named `persona-edge` re-exporting the file
// the package maps the "workerd" export condition to, and the package's files reachable from it, its .wasm
// as a "CompiledWasm" module (what wrangler does with `*.wasm` imports). `compatibility_date`, the `[vars]`
// and the KV binding come from wrangler.toml, so the local runtime runs what would be deployed.

import { Miniflare } from "miniflare";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const workerDir = dirname(fileURLToPath(import.meta.url));
const srcDir = join(workerDir, "src");
const packageDir = join(workerDir, "node_modules/persona-edge");
const PACKAGE = "persona-edge";
/** `import ... from "x"`, `export ... from "x"` and `import "x"` at the start of a line or, in minified
 * files, right after the `;` that ends the statement before (`...;import a from"./x.wasm"`). */
const STATIC_IMPORT = /(?:^|[\n;])[ \t]*(?:import|export)\s*(?:[^;'"]*?\bfrom\s*)?["']([^"']+)["']/g;

/**
 * The parts of wrangler.toml the local runtime needs: `main`, `compatibility_date`, `[vars]` and the KV
 * binding names (a flat subset of TOML: `key = "string"` lines under `[vars]` and `[[kv_namespaces]]`).
 */
export function readWranglerConfig(file = join(workerDir, "wrangler.toml")) {
  const config = { main: null, compatibilityDate: null, vars: {}, kvNamespaces: [] };
  let section = "";
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.replace(/^\s+|\s+$/g, "");
    if (!line || line.startsWith("#")) continue;
    const header = /^\[\[?([\w.]+)\]\]?$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const pair = /^(\w+)\s*=\s*"([^"]*)"$/.exec(line);
    if (!pair) continue;
    const [, key, value] = pair;
    if (section === "" && key === "main") config.main = value;
    else if (section === "" && key === "compatibility_date") config.compatibilityDate = value;
    else if (section === "vars") config.vars[key] = value;
    else if (section === "kv_namespaces" && key === "binding") config.kvNamespaces.push(value);
  }
  if (!config.main || !config.compatibilityDate) throw new Error(`${file}: main and compatibility_date are required`);
  return config;
}

/** Miniflare's module list for the worker whose entry is `main` (a path relative to worker/). */
export function workerModules(main) {
  const modules = [];
  const seen = new Set();
  const packageJson = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const packageEntry = packageJson.exports?.["."]?.workerd;
  if (typeof packageEntry !== "string") throw new Error(`${PACKAGE} has no "workerd" export condition`);

  // `file` is where the source is read; `path` where the module lives for workerd (relative to src/).
  const visit = (file, path) => {
    if (seen.has(path)) return;
    seen.add(path);
    if (file.endsWith(".wasm")) {
      modules.push({ type: "CompiledWasm", path, contents: readFileSync(file) });
      return;
    }
    const source = readFileSync(file, "utf8");
    modules.push({ type: "ESModule", path, contents: source });
    for (const [, specifier] of source.matchAll(STATIC_IMPORT)) {
      if (specifier === PACKAGE) {
        const entry = join(srcDir, "node_modules", PACKAGE, packageEntry);
        if (!seen.has(join(srcDir, PACKAGE))) {
          seen.add(join(srcDir, PACKAGE));
          modules.push({ type: "ESModule", path: join(srcDir, PACKAGE), contents: `export * from "./${relative(srcDir, entry)}";\n` });
          visit(join(packageDir, packageEntry), entry);
        }
      } else if (specifier.startsWith(".")) {
        visit(resolve(dirname(file), specifier), resolve(dirname(path), specifier));
      } else {
        throw new Error(`${file}: cannot resolve "${specifier}" without a bundler`);
      }
    }
  };
  const entry = resolve(workerDir, main);
  if (dirname(entry) !== srcDir) throw new Error(`main must be in ${srcDir}`);
  visit(entry, entry);
  return modules;
}

/**
 * Miniflare options for the worker.
 * @param {object} options
 * @param {Record<string, string>} [options.vars] bindings over wrangler.toml's [vars] (STORE_URL, PUBLIC_KEYS...)
 * @param {string} [options.upstream] the origin: `fetch(request)` in the worker goes there
 * @param {number} [options.port] listen on this port (0: any free one); without it, only dispatchFetch
 * @param {string} [options.main] another entry in src/ (default: wrangler.toml's main)
 */
export function workerOptions({ vars = {}, upstream, port, main } = {}) {
  const config = readWranglerConfig();
  return {
    modulesRoot: srcDir,
    modules: workerModules(main ?? config.main),
    compatibilityDate: config.compatibilityDate,
    bindings: { ...config.vars, ...vars },
    kvNamespaces: config.kvNamespaces,
    // Miniflare's placeholder `request.cf` (country "US"...), never the live one from workers.cloudflare.com.
    cf: false,
    ...(upstream ? { upstream } : {}),
    ...(port !== undefined ? { host: "127.0.0.1", port } : {}),
  };
}

/** Starts the worker in a fresh workerd process; resolves once it is ready. */
export async function startWorker(options = {}) {
  const mf = new Miniflare(workerOptions(options));
  const url = await mf.ready;
  return { mf, url };
}

/**
 * Loads a `persona publish` kv.json (Cloudflare KV bulk format: `[{key, value, base64?, expiration?}]`) into
 * the worker's KV namespace, as `wrangler kv bulk put` would. Returns the number of entries written.
 */
export async function loadKvJson(mf, file, binding = readWranglerConfig().kvNamespaces[0]) {
  const kv = await mf.getKVNamespace(binding);
  const entries = JSON.parse(readFileSync(file, "utf8"));
  const now = Date.now() / 1000;
  for (const { key, value, base64, expiration } of entries) {
    const data = base64 ? Uint8Array.from(Buffer.from(value, "base64")) : value;
    await kv.put(key, data, expiration > now ? { expiration } : {});
  }
  return entries.length;
}
