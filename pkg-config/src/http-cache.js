// HTTP cache headers, as far as the client (client.js) needs them for signed snapshots.

// ---- HTTP caching ----

/** Cache-Control as far as a private cache of signed snapshots needs it. */
export function parseCacheControl(header) {
  const cc = { maxAge: null, noStore: false, noCache: false };
  for (const part of (header ?? "").split(",")) {
    const [rawKey, rawValue = ""] = part.split("=", 2);
    const key = rawKey.trim().toLowerCase();
    const value = rawValue.trim().replace(/^"(.*)"$/, "$1");
    if (key === "max-age" && /^\d+$/.test(value)) cc.maxAge = Number(value);
    else if (key === "no-store") cc.noStore = true;
    else if (key === "no-cache") cc.noCache = true;
  }
  return cc;
}

/** How many seconds a response stays fresh: max-age minus Age; 0 for no-cache/no-store or no max-age. */
export function freshnessSecs(cc, ageHeader) {
  if (cc.noStore || cc.noCache || cc.maxAge === null) return 0;
  const age = /^\d+$/.test((ageHeader ?? "").trim()) ? Number(ageHeader.trim()) : 0;
  return Math.max(0, cc.maxAge - age);
}
