// Engine checks that run the same in Node (package.test.mjs) and in headless Chromium (browser.test.mjs,
// served to the page): every refusal through the WebCrypto path with its code, and the golden decisions.
// Plain JavaScript without imports: the package (`pe`) and the fixture bytes are passed in.

/** A key that is valid but not the golden keyring's. */
export const STRANGER_KEY = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
/** A key of small order (the identity point): refused when it is trusted. */
export const SMALL_ORDER_KEY = "0100000000000000000000000000000000000000000000000000000000000000";

/** What each refusal must be refused with. */
export const EXPECTED_REFUSALS = {
  tampered_profile: "tampered",
  tampered_ruleset: "tampered",
  unknown_key: "unknown_key",
  small_order_key: "invalid_key",
  expired: "expired",
  not_yet_valid: "not_yet_valid",
  rollback: "rollback",
  ruleset_as_profile: "wrong_kind",
  profile_as_ruleset: "wrong_kind",
  wrong_audience: "wrong_audience",
  wrong_subject: "wrong_subject",
  truncated: "truncated",
  oversized_profile: "oversized",
  oversized_ruleset: "oversized",
  bad_magic: "bad_magic",
  ruleset_kept: "kept",
};

/** `bytes` with one bit flipped near the end (inside the payload). */
function flip(bytes) {
  const copy = new Uint8Array(bytes);
  copy[copy.length - 80] ^= 1;
  return copy;
}

/** `bytes` padded with zeros to `length`. */
function padded(bytes, length) {
  const out = new Uint8Array(length);
  out.set(bytes);
  return out;
}

/** The code `fn` fails with ("accepted" when it does not, a description when it is no PersonaError). */
async function outcome(pe, fn) {
  try {
    await fn();
    return "accepted";
  } catch (error) {
    return pe.isPersonaError(error) && error instanceof Error ? error.code : `not a PersonaError: ${error}`;
  }
}

/**
 * Runs every refusal against the package `pe` with the golden fixtures (`keys`, `audience`, `now`, the
 * `ruleset` and `ana` snapshot bytes, `anaTampered`); resolves to `{ case: code }` (see EXPECTED_REFUSALS).
 */
export async function refusals(pe, { keys, audience, now, ruleset, ana, anaTampered }) {
  const engine = new pe.Engine({ keys, audience });
  const stranger = new pe.Engine({ keys: [STRANGER_KEY], audience });
  const other = new pe.Engine({ keys, audience: "other-shop" });
  const at = { now };
  await engine.loadRuleset(ruleset, at);
  const profile = (bytes, options = at, e = engine) => outcome(pe, () => e.verifyProfile(bytes, options));
  const result = {
    tampered_profile: await profile(anaTampered),
    tampered_ruleset: await outcome(pe, () => engine.loadRuleset(flip(ruleset), at)),
    unknown_key: await profile(ana, at, stranger),
    small_order_key: await outcome(pe, () => new pe.Engine({ keys: [SMALL_ORDER_KEY], audience })),
    expired: await profile(ana, { now: now + 400 * 86400 }),
    not_yet_valid: await profile(ana, { now: now - 86400 }),
    rollback: await profile(ana, { now, minSequence: 8 }),
    ruleset_as_profile: await profile(ruleset),
    profile_as_ruleset: await outcome(pe, () => engine.loadRuleset(ana, at)),
    wrong_audience: await profile(ana, at, other),
    wrong_subject: await profile(ana, { now, subject: "c_someone_else" }),
    truncated: await profile(ana.slice(0, 30)),
    oversized_profile: await profile(padded(ana, 16385)),
    oversized_ruleset: await outcome(pe, () => engine.loadRuleset(padded(ruleset, 262145), at)),
    bad_magic: await profile(new TextEncoder().encode("hello, not a snapshot")),
  };
  // Every refusal left the loaded ruleset in place.
  result.ruleset_kept = engine.ruleset?.sequence === 3 && engine.decide({ context: at }).personalized === false ? "kept" : "lost";
  for (const e of [engine, stranger, other]) e.free();
  return result;
}

/**
 * Every golden case of tests/fixtures/decisions through the package `pe`: `{ name: { profile, decision } }`,
 * `profile` being "verified", "absent" or `{ refused: code }` as in the manifest, `decision` as JSON.
 * `files` maps the fixture file names to their bytes.
 */
export async function goldenDecisions(pe, manifest, files) {
  const engine = new pe.Engine({ keys: manifest.keyring, audience: manifest.audience });
  await engine.loadRuleset(files[manifest.ruleset], { now: manifest.cases[0].context.now });
  const out = {};
  for (const c of manifest.cases) {
    let profile = null;
    let status = "absent";
    if (c.profile) {
      try {
        profile = await engine.verifyProfile(files[c.profile], { now: c.context.now });
        status = "verified";
      } catch (error) {
        status = { refused: error.code };
      }
    }
    const decision = engine.decide({ profile, session: c.session, context: c.context });
    out[c.name] = { profile: status, decision: JSON.parse(JSON.stringify(decision)) };
  }
  engine.free();
  return out;
}
