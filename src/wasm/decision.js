// Turns the tapes written by src/wasm/convert.rs into plain objects, in one call from wasm each: the
// `Decision`, and a live session's state. The layout is documented there; this reads it in the same order.

/** The readers of one tape: numbers (NaN = null), flags, and strings (UTF-16 lengths into `text`). */
function reader(tape, text) {
  let at = 0;
  let textAt = 0;
  return {
    num: () => tape[at++],
    opt: () => {
      const v = tape[at++];
      return v !== v ? null : v;
    },
    flag: () => tape[at++] === 1,
    str: () => {
      const units = tape[at++];
      if (units < 0) return null;
      const s = text.slice(textAt, textAt + units);
      textAt += units;
      return s;
    },
  };
}

/**
 * A live session's state: `{ live, device (an index of the device names), pageType, pageViews,
 * categories: [{ category, views }], cartValue }`.
 */
export function sessionFromTape(tape, text) {
  const { num, flag, str } = reader(tape, text);
  const live = flag();
  const device = num();
  const pageType = str();
  const pageViews = num();
  const categories = new Array(num());
  for (let i = 0; i < categories.length; i++) categories[i] = { category: str(), views: num() };
  return { live, device, pageType, pageViews, categories, cartValue: num() };
}

/**
 * @param {Float64Array} tape numbers (NaN = null; enums are indexes into `names`; strings are UTF-16 lengths)
 * @param {string} text every string of the decision, concatenated in tape order
 * @param {string[]} segmentNames the ruleset's segment names, in the order of the decision's segments
 * @param {string[][]} names enum name tables: channel, choice basis, exclusion reason, response basis,
 *   timing source, timing outcome, variant basis, item block, timing constraint, message purpose
 */
export function decisionFromTape(tape, text, segmentNames, names) {
  const [channels, choiceBases, exclusions, responseBases, sources, outcomes, variantBases, itemBlocks, constraints, purposes] =
    names;
  const { num, opt, flag, str } = reader(tape, text);
  const channel = () => {
    const v = opt();
    return v === null ? null : channels[v];
  };

  const personalized = flag();
  const subject = str();
  const topCategory = str();
  const segments = new Array(num());
  for (let i = 0; i < segments.length; i++) {
    segments[i] = { name: segmentNames[i], priority: num(), matched: flag(), score: opt() };
  }
  const chosen = channel();
  const basis = choiceBases[num()];
  const excluded = new Array(num());
  for (let i = 0; i < excluded.length; i++) {
    excluded[i] = { channel: channel(), reason: exclusions[num()] };
  }
  const ranking = new Array(num());
  for (let i = 0; i < ranking.length; i++) {
    ranking[i] = {
      channel: channel(),
      expectedResponsePct: num(),
      basis: responseBases[num()],
      ownObservations: num(),
      cost: num(),
      priority: num(),
    };
  }
  const timing = flag()
    ? {
        at: opt(),
        localHourOfWeek: opt(),
        bestHourOfWeek: opt(),
        source: sources[num()],
        outcome: outcomes[num()],
        constraint: constraints[opt()] ?? null,
        purpose: purposes[num()],
      }
    : null;
  const content = new Array(num());
  for (let i = 0; i < content.length; i++) {
    const slot = str();
    const variant = str();
    const body = str();
    const variantBasis = variantBases[num()];
    const segment = str();
    const skipped = new Array(num());
    for (let j = 0; j < skipped.length; j++) {
      skipped[j] = { variant: str(), reason: itemBlocks[num()] };
    }
    content[i] = { slot, variant, content: body, basis: variantBasis, segment, skipped };
  }
  return {
    personalized,
    subject,
    segments,
    topCategory,
    channel: { channel: chosen, basis, excluded, ranking },
    timing,
    content,
  };
}
