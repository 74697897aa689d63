import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { resetTensorPeak, tensorPeakBytes, useBackend } from "../../lib/backend/mod.ts";
import { buildVgg } from "../../lib/models/vgg.ts";
import { FusedAdamOptimizer } from "../../lib/ops/fused_adam.ts";
import { checkBatchFits, memoryError, planMemory } from "../../lib/train/memory_check.ts";
import { createTrainStep } from "../../lib/train/step.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { inCi } from "../helpers/ci.ts";

const MiB = 2 ** 20, GiB = 2 ** 30;

Deno.test("planMemory extrapolates each phase's peak linearly and finds the largest batch", () => {
  // Backward: 1 GiB fixed (weights, gradients) + 100 MiB per image; forward: less of both.
  // Adam adds 512 MiB of slots.
  const probe = {
    forward: [600 * MiB, 650 * MiB] as [number, number],
    backward: [GiB + 100 * MiB, GiB + 200 * MiB] as [number, number],
    batch: 100,
    extra: 512 * MiB,
    live: 600 * MiB,
    available: 8 * GiB,
  };
  const plan = planMemory(probe);
  assert.equal(plan.perImage, 100 * MiB);
  assert.equal(plan.peak, GiB + 512 * MiB + 100 * 100 * MiB);
  assert.equal(plan.fits, false);
  // 0.85 of 8 GiB plus what is alive, less the fixed part, in 100 MiB images.
  assert.equal(
    plan.largestBatch,
    Math.floor((0.85 * 8 * GiB + 600 * MiB - 1.5 * GiB) / (100 * MiB)),
  );
  assert.ok(planMemory({ ...probe, batch: plan.largestBatch }).fits);
  assert.ok(!planMemory({ ...probe, batch: plan.largestBatch + 1 }).fits);
  const message = memoryError("training step (batch 100, vgg_16 at 224×224)", probe, plan).message;
  assert.match(message, /^training step \(batch 100, vgg_16 at 224×224\): needs about 11\.3 GiB/);
  assert.match(
    message,
    /8\.0 GiB available; use a batch of at most \d+ \(each image needs 100 MiB\)/,
  );
  // A frozen prefix: the forward peak grows fastest and decides at large batches.
  const prefix = planMemory({
    ...probe,
    forward: [GiB, GiB + 25 * MiB],
    backward: [1.8 * GiB, 1.8 * GiB],
    extra: 0,
    batch: 100,
  });
  assert.equal(prefix.peak, GiB - 25 * MiB + 100 * 25 * MiB);
  assert.equal(prefix.perImage, 25 * MiB);
  const hopeless = planMemory({ ...probe, available: 100 * MiB, live: 0 });
  assert.equal(hopeless.largestBatch, 0);
  assert.match(memoryError("x", probe, hopeless).message, /not even batch 1 fits/);
});

Deno.test({
  name: "[onednn] a step that cannot fit fails before it runs, naming the batch that fits",
  ignore: !oneDnnOr(),
  fn: async () => {
    await useBackend("onednn");
    const model = buildVgg("small", { numClasses: 10, inputSize: 32, seed: 1 });
    const step = createTrainStep(model, { optimizer: new FusedAdamOptimizer(1e-3) });
    const x = tf.randomNormal([64, 32, 32, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32");
    const before = model.store.list().map((v) => v.variable.dataSync().slice());
    Deno.env.set("TL_MEMORY_AVAILABLE_MIB", "40");
    try {
      assert.throws(
        () => step.run(x, y, 0),
        /^Error: training step \(batch 64, small_vgg at 32×32\): needs about \d+ MiB of tensor memory \(\d+ MiB more than is in use\) but this machine has 40 MiB available; use a batch of at most \d+ \(each image needs [\d.]+ MiB\)/,
      );
    } finally {
      Deno.env.delete("TL_MEMORY_AVAILABLE_MIB");
    }
    // The probe changed nothing (BatchNorm statistics, weights).
    model.store.list().forEach((v, i) =>
      assert.deepEqual(v.variable.dataSync(), before[i], v.name)
    );
    // With the machine's real memory the same step runs.
    const fresh = createTrainStep(model, { optimizer: new FusedAdamOptimizer(1e-3) });
    assert.ok(Number.isFinite(fresh.run(x, y, 0).loss));
    tf.dispose([x, y]);
    fresh.optimizer.dispose();
    model.store.dispose();
  },
});

Deno.test({
  name: "[onednn] tensor count, bytes and per-step peak stay flat over 50 steps; RSS stops growing",
  ignore: !oneDnnOr(),
  fn: async () => {
    await useBackend("onednn");
    const model = buildVgg("small", { numClasses: 10, inputSize: 32, seed: 1 });
    const step = createTrainStep(model, { optimizer: new FusedAdamOptimizer(1e-3) });
    const x = tf.randomNormal([32, 32, 32, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const y = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 10), "int32");
    const peaks: number[] = [], counts: number[] = [], bytes: number[] = [], rss: number[] = [];
    for (let i = 0; i < 50; i++) {
      resetTensorPeak();
      step.run(x, y, i);
      peaks.push(tensorPeakBytes()!);
      counts.push(tf.memory().numTensors);
      bytes.push(tf.memory().numBytes);
      rss.push(Deno.memoryUsage().rss);
    }
    // After the first step (optimizer slots, pooled buffers) nothing changes.
    assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts ${[...new Set(counts)]}`);
    assert.equal(new Set(bytes.slice(1)).size, 1, `tensor bytes ${[...new Set(bytes)]}`);
    assert.equal(new Set(peaks.slice(1)).size, 1, `step peaks ${[...new Set(peaks)]}`);
    assert.ok(peaks[1] > bytes[1], "the peak includes the step's activations");
    const grown = rss[49] - rss[10];
    assert.ok(grown < 64 * MiB, `RSS grew ${(grown / MiB).toFixed(0)} MiB from step 10 to 50`);
    tf.dispose([x, y]);
    step.optimizer.dispose();
    model.store.dispose();
  },
});

Deno.test({
  name: "[onednn] disposing a model hands its memory back: three models in a row hold one's worth",
  ignore: !oneDnnOr(),
  fn: async () => {
    await useBackend("onednn");
    const hasGc = typeof (globalThis as { gc?: unknown }).gc === "function";
    assert.ok(hasGc || !inCi(), "the test task runs with --v8-flags=--expose-gc");
    const external: number[] = [];
    for (let i = 0; i < 3; i++) {
      // VGG-16 at 32×32: 33.6 M parameters, 134 MB of weights.
      const model = buildVgg("D", { numClasses: 10, inputSize: 32, seed: i });
      const step = createTrainStep(model, { optimizer: new FusedAdamOptimizer(1e-3) });
      const x = tf.randomNormal([4, 32, 32, 3], 0, 1, "float32", 2) as tf.Tensor4D;
      const y = tf.tensor1d([0, 1, 2, 3], "int32");
      step.run(x, y, 0);
      tf.dispose([x, y]);
      step.optimizer.dispose();
      model.store.dispose();
      // V8 frees array buffers on a background sweep after the collection: let it finish.
      await new Promise((resolve) => setTimeout(resolve, 200));
      (globalThis as { gc?: () => void }).gc?.();
      external.push(Deno.memoryUsage().external);
    }
    if (!hasGc) return;
    // Weights + Adam slots are ~400 MB per model: none of that may stay behind.
    assert.ok(
      external[2] < 64 * MiB,
      `external memory after 3 models: ${(external[2] / MiB).toFixed(0)} MiB`,
    );
    assert.ok(
      Math.abs(external[2] - external[0]) < 32 * MiB,
      `${external.map((e) => (e / MiB).toFixed(0))}`,
    );
  },
});

Deno.test("checkBatchFits refuses input buffers that cannot fit, up front, with the largest batch that does", () => {
  checkBatchFits(100, { size: 224, channels: 3 }, 24 * GiB); // the lab's size: 60 MB a batch
  assert.throws(
    () => checkBatchFits(64, { size: 4096, channels: 3 }, 20 * GiB),
    /a batch of 64 images at 4096×4096×3 is 12\.0 GiB of float32 input .* this machine has 20\.0 GiB available: use a batch of at most 18 at this size/,
  );
  assert.throws(
    () => checkBatchFits(1, { size: 65536, channels: 3 }, 20 * GiB),
    /even one image does not fit: use smaller images/,
  );
});

Deno.test("a model whose variables cannot be allocated names the variable, its shape and size", async () => {
  await useBackend("wasm");
  assert.throws(
    () =>
      buildVgg({ scope: "huge", blocks: [[4]], fcUnits: [4096] }, {
        numClasses: 3,
        inputSize: 8192,
      }),
    /variable 'huge\/fc7\/weights' \[4096,4096,4,4096\] needs 1024\.0 GiB and cannot be allocated .*use smaller images/,
  );
});
