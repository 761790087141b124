// Rollback protection at the edge: the highest profile sequence seen per subject.
//
// Kept in the KV namespace under `hwm:<subject>` (shared by every isolate and location) and in the isolate
// (which covers the seconds KV takes to show a write everywhere). The mark is passed to the engine as
// `minSequence`, so an older snapshot (replayed from before a consent withdrawal or a complaint) is refused
// as `rollback`. The mark is only ever raised. KV has no compare-and-swap: two locations raising the same
// subject's mark at the same instant could leave the lower of the two new values; both are still above the
// mark either had read. Marks expire after HWM_TTL_SECS, long after any snapshot they guard has expired.

const HWM_TTL_SECS = 30 * 86400;
const MAX_REMEMBERED = 10000;

/** subject -> highest sequence accepted in this isolate (oldest entries dropped beyond MAX_REMEMBERED). */
const remembered = new Map();

const keyOf = (subject) => `hwm:${subject}`;

/** The highest sequence seen for `subject` (0 when none), from KV and from this isolate. */
export async function highWaterMark(kv, subject) {
  const stored = kv ? parseMark(await kv.get(keyOf(subject))) : 0;
  return Math.max(stored, remembered.get(subject) ?? 0);
}

/**
 * Records that a snapshot with `sequence` was accepted for `subject`: raises the mark in the isolate and, if
 * it is above the stored one, in KV. Never lowers it.
 */
export async function raiseHighWaterMark(kv, subject, sequence) {
  if (sequence > (remembered.get(subject) ?? 0)) {
    remembered.delete(subject);
    remembered.set(subject, sequence);
    if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value);
  }
  if (!kv) return;
  // Read again right before writing: another isolate may have raised it meanwhile.
  if (sequence > parseMark(await kv.get(keyOf(subject)))) {
    await kv.put(keyOf(subject), String(sequence), { expirationTtl: HWM_TTL_SECS });
  }
}

/** A stored mark; a missing one is 0. */
function parseMark(text) {
  const mark = Number(text ?? 0);
  return Number.isSafeInteger(mark) && mark > 0 ? mark : 0;
}
