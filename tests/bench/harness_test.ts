/** lib/bench: the one timing loop and the one FLOP definition. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { countedFlops, perSecond, timeRuns } from "../../lib/bench/mod.ts";
import { useBackend } from "../../lib/backend/mod.ts";
import { buildModel, INFERENCE } from "../../lib/models/mod.ts";
import { FusedAdamOptimizer } from "../../lib/ops/mod.ts";
import { createTrainStep } from "../../lib/train/mod.ts";

Deno.test("timeRuns: warm-up untimed, runs until the time is spent and at least minRuns", async () => {
  const seen: number[] = [];
  const t = await timeRuns((i) => {
    seen.push(i);
    const end = performance.now() + 5;
    while (performance.now() < end) { /* 5 ms of work */ }
  }, { seconds: 0.05, warmup: 2, minRuns: 3 });
  assert.deepEqual(seen.slice(0, 3), [0, 1, 2], "warm-up runs get the first indices");
  assert.equal(seen.length, 2 + t.runs);
  assert.ok(t.runs >= 3 && t.seconds >= 0.05, JSON.stringify(t));
  assert.equal(t.runMs.length, t.runs);
  assert.ok(t.runMs.every((ms) => ms >= 4.5), "each run's time is kept");
  assert.ok(Math.abs(t.msPerRun - (t.seconds * 1000) / t.runs) < 1e-9);
  assert.equal(perSecond({ ...t, runs: 4, seconds: 2 }, 10), 20);

  const few = await timeRuns(() => {}, { seconds: 0, minRuns: 5, warmup: 0 });
  assert.equal(few.runs, 5, "minRuns holds when the time is already spent");
  let finished = false;
  const launched = await timeRuns(() => {}, {
    seconds: 0,
    minRuns: 1,
    finish: async () => {
      await new Promise((r) => setTimeout(r, 30));
      finished = true;
    },
  });
  assert.ok(finished && launched.seconds >= 0.025, "finish is inside the timed span");
});

Deno.test("countedFlops: a training step counts the kernels it runs, frozen layers' gradients not", async () => {
  await useBackend("cpu", { log: () => {} });
  const model = buildModel("small_vgg", { numClasses: 10, inputSize: 32 });
  const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
  const y = tf.tensor1d([1, 2], "int32");
  try {
    const forward = await countedFlops(() => tf.tidy(() => model.logits(x, INFERENCE)));
    const all = createTrainStep(model, { optimizer: new FusedAdamOptimizer(1e-3) });
    const train = await countedFlops(() => all.run(x, y));
    all.optimizer.dispose();
    // Forward, data gradient (none for the first layer's input) and filter gradient.
    assert.ok(train > 2.5 * forward && train < 3 * forward, `${train} vs forward ${forward}`);
    const head = createTrainStep(model, {
      optimizer: new FusedAdamOptimizer(1e-3),
      trainableScopes: ["small_vgg/fc8"],
    });
    const frozen = await countedFlops(() => head.run(x, y));
    head.optimizer.dispose();
    assert.ok(frozen < 1.1 * forward, `head only: ${frozen} vs forward ${forward}`);
  } finally {
    tf.dispose([x, y]);
    model.store.dispose();
  }
});
