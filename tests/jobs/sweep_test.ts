import assert from "node:assert/strict";
import { checkTrials, gridTrials, resultsCsv, trialName } from "../../lib/jobs/sweep.ts";

Deno.test("grid trials are the product of the specs, named by their flags", () => {
  const trials = gridTrials(["lr=0.1,0.01", "trainable=a/b,c"]);
  assert.deepEqual(trials, [
    { lr: "0.1", trainable: "a/b" },
    { lr: "0.1", trainable: "c" },
    { lr: "0.01", trainable: "a/b" },
    { lr: "0.01", trainable: "c" },
  ]);
  assert.equal(trialName(trials[0]), "lr=0.1,trainable=a_b");
  assert.throws(() => gridTrials(["lr"]), /--grid 'lr': expected flag=v1,v2/);
  assert.throws(() => gridTrials(["learning=1"]), /'learning' is not a train flag/);
});

Deno.test("trial keys and base flags must be train flags", () => {
  checkTrials([{ lr: "1" }], ["--model", "vgg_16", "--epochs=2"]);
  assert.throws(() => checkTrials([{ speed: "1" }], []), /--trials: 'speed' is not a train flag/);
  assert.throws(() => checkTrials([], ["--fast"]), /unknown train flag '--fast'/);
});

Deno.test("results CSV: every key seen, values JSON-quoted, missing cells empty", () => {
  const csv = resultsCsv([{ lr: "0.1", testAccuracy: 0.5 }, { lr: "0.01", note: 'a,"b"' }]);
  assert.equal(csv, 'lr,testAccuracy,note\n"0.1",0.5,""\n"0.01","","a,\\"b\\""\n');
});
