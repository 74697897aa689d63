/** lib/jobs/sweep: the results table. */
import assert from "node:assert/strict";
import { resultsCsv } from "../../lib/jobs/sweep.ts";

Deno.test("results CSV: every key seen, values JSON-quoted, missing cells empty", () => {
  const csv = resultsCsv([{ lr: "0.1", testAccuracy: 0.5 }, { lr: "0.01", note: 'a,"b"' }]);
  assert.equal(csv, 'lr,testAccuracy,note\n"0.1",0.5,""\n"0.01","","a,\\"b\\""\n');
});
