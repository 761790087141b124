// A customer erased in the store: the next page through the edge is not personalized for them, says
// `erased`, and clears the persona cookies that name them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SUBJECTS, browse, cookies, decisionFor, slotsOf, startEdge, startOrigin, startStore } from "../harness.mjs";

let store;
let origin;
let edge;

before(async () => {
  store = await startStore();
  origin = await startOrigin();
  ({ mf: edge } = await startEdge({ store, origin }));
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
  await store?.close();
});

test("an erased customer gets the default page, profileStatus erased and cleared persona cookies", async () => {
  const subject = SUBJECTS.carla;
  const visitor = cookies({ subject, token: store.token(subject) });
  const before = await browse(edge, "/", visitor);
  assert.equal(before.response.headers.get("x-persona-subject"), subject, "personalized before the erasure");
  assert.equal(before.response.headers.get("set-cookie"), null);
  const anonymous = slotsOf((await browse(edge, "/")).text);
  assert.notDeepEqual(slotsOf(before.text), anonymous, "this customer's page differs from the default one");

  const erased = await fetch(`${store.url}/v1/profiles/${subject}`, {
    method: "DELETE",
    headers: { authorization: "Bearer test-write-token" },
  });
  assert.equal(erased.status, 200);

  const after = await browse(edge, "/", visitor);
  assert.equal(after.response.headers.get("x-persona-subject"), null);
  assert.equal(after.response.headers.get("x-persona-error"), null, "an erasure is not an error");
  assert.deepEqual(slotsOf(after.text), anonymous);
  const cleared = after.response.headers.getSetCookie();
  for (const name of ["persona_subject", "persona_token", "persona_snapshot"]) {
    assert.ok(
      cleared.some((c) => c.startsWith(`${name}=;`) && /Max-Age=0/.test(c) && /Path=\//.test(c)),
      `${name} cleared: ${cleared}`,
    );
  }
  const { body } = await decisionFor(edge, visitor);
  assert.equal(body.profileStatus, "erased");
  assert.equal(body.personalized, false);

  // Another customer is untouched.
  const ana = await browse(edge, "/", cookies({ subject: SUBJECTS.ana, token: store.token(SUBJECTS.ana) }));
  assert.equal(ana.response.headers.get("x-persona-subject"), SUBJECTS.ana);
});
