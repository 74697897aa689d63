import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backend/mod.ts";
import { createLearner } from "../../lib/train/learner.ts";
import { type Callback, EVENTS, runLoop, stepSeed } from "../../lib/train/loop.ts";
import { fit } from "../../lib/train/fit.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";

/** Records every event it sees as `event@step`. */
function recorder(seen: string[], order = 0, tag = ""): Callback {
  return Object.fromEntries([
    ["order", order],
    ...EVENTS.map((e) => [e, (l: { step: number }) => void seen.push(`${tag}${e}@${l.step}`)]),
  ]);
}

Deno.test("runLoop fires events in order: fit, epochs, steps; callbacks sorted by order", async () => {
  await useBackend("wasm");
  const model = tinyModel();
  const learner = createLearner(model, tinyData(40), { batchSize: 20, epochs: 2 });
  assert.equal(learner.stepsPerEpoch, 2);
  assert.equal(learner.totalSteps, 4);
  const seen: string[] = [];
  const order: string[] = [];
  await runLoop(learner, [
    recorder(seen),
    { order: 5, afterStep: () => void order.push("late") },
    { order: -5, afterStep: () => void order.push("early") },
  ]);
  assert.deepEqual(seen, [
    "beforeFit@0",
    "beforeEpoch@0",
    "beforeStep@0",
    "afterStep@1",
    "beforeStep@1",
    "afterStep@2",
    "afterEpoch@2",
    "beforeEpoch@2",
    "beforeStep@2",
    "afterStep@3",
    "beforeStep@3",
    "afterStep@4",
    "afterEpoch@4",
    "afterFit@4",
    "cleanup@4",
  ]);
  assert.deepEqual(order.slice(0, 2), ["early", "late"]);
  assert.deepEqual(learner.history.map((h) => [h.step, h.epoch]), [[1, 1], [2, 1], [3, 2], [4, 2]]);
  assert.equal(learner.images, 80);
  assert.ok(learner.history.every((h) => Number.isFinite(h.loss) && h.accuracy >= 0));
  model.store.dispose();
});

Deno.test("a callback's stopReason ends the run after that step; an error skips afterFit but not cleanup", async () => {
  await useBackend("wasm");
  const model = tinyModel();
  const seen: string[] = [];
  const stopper: Callback = {
    afterStep(l) {
      if (l.step === 3) l.stopReason = "enough";
    },
  };
  const learner = createLearner(model, tinyData(40), { batchSize: 10, epochs: 3 });
  await runLoop(learner, [stopper, recorder(seen)]);
  assert.equal(learner.step, 3);
  assert.equal(learner.stopReason, "enough");
  assert.ok(!seen.some((s) => s.startsWith("afterEpoch")), "a stopped epoch does not end normally");
  assert.deepEqual(seen.slice(-2), ["afterFit@3", "cleanup@3"]);

  const failing = createLearner(model, tinyData(40), { batchSize: 10 });
  const seen2: string[] = [];
  await assert.rejects(
    runLoop(failing, [{
      afterStep: () => {
        throw new Error("boom");
      },
    }, recorder(seen2, 1)]),
    /boom/,
  );
  assert.ok(!seen2.some((s) => s.startsWith("afterFit")));
  assert.equal(seen2.at(-1), "cleanup@1");
  model.store.dispose();
});

Deno.test("maxSteps mid-epoch still ends that epoch (validation and save run)", async () => {
  await useBackend("wasm");
  const model = tinyModel();
  const seen: string[] = [];
  const learner = createLearner(model, tinyData(40), { batchSize: 10, epochs: 5, maxSteps: 6 });
  await runLoop(learner, [recorder(seen)]);
  assert.equal(learner.step, 6);
  assert.deepEqual(seen.filter((s) => s.startsWith("afterEpoch")), [
    "afterEpoch@4",
    "afterEpoch@6",
  ]);
  model.store.dispose();
});

Deno.test("stepSeed differs per step and is a pure function of (seed, step)", () => {
  const seeds = new Set(Array.from({ length: 100 }, (_, i) => stepSeed(7, i)));
  assert.equal(seeds.size, 100);
  assert.equal(stepSeed(7, 42), stepSeed(7, 42));
  assert.notEqual(stepSeed(7, 42), stepSeed(8, 42));
  assert.ok(stepSeed(123456, 1e9) >= 0 && stepSeed(123456, 1e9) < 2 ** 32);
});

Deno.test("fit runs the caller's callbacks among its own and disposes the optimizer's slots", async () => {
  await useBackend("wasm");
  const model = tinyModel();
  const data = tinyData(40);
  const before = tf.memory().numTensors;
  const steps: number[] = [];
  const r = await fit(model, data, {
    batchSize: 10,
    epochs: 2,
    progress: false,
    log: () => {},
    callbacks: [{ afterStep: (l) => void steps.push(l.step) }, {
      afterEpoch(l) {
        if (l.epoch === 0) l.stopReason = "custom";
      },
    }],
  });
  assert.deepEqual(steps, [1, 2, 3, 4]);
  assert.equal(r.stopReason, "custom");
  assert.equal(r.interrupted, false);
  assert.equal(r.step, 4);
  assert.equal(tf.memory().numTensors, before, "Adam's slots are freed with the run");
  model.store.dispose();
});
