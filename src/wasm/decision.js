// Turns the decision tape written by src/wasm/convert.rs into the plain `Decision` object, in one call from
// wasm. The layout is documented there; this reads it in the same order.

/**
 * @param {Float64Array} tape numbers (NaN = null; enums are indexes into `names`; strings are UTF-16 lengths)
 * @param {string} text every string of the decision, concatenated in tape order
 * @param {string[]} segmentNames the ruleset's segment names, in the order of the decision's segments
 * @param {string[][]} names enum name tables: channel, choice basis, exclusion reason, response basis,
 *   timing source, timing outcome, variant basis, item block
 */
export function decisionFromTape(tape, text, segmentNames, names) {
  const [channels, choiceBases, exclusions, responseBases, sources, outcomes, variantBases, itemBlocks] = names;
  let at = 0;
  let textAt = 0;
  const num = () => tape[at++];
  const opt = () => {
    const v = tape[at++];
    return v !== v ? null : v;
  };
  const flag = () => tape[at++] === 1;
  const str = () => {
    const units = tape[at++];
    if (units < 0) return null;
    const s = text.slice(textAt, textAt + units);
    textAt += units;
    return s;
  };
  const channel = () => {
    const v = tape[at++];
    return v !== v ? null : channels[v];
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
