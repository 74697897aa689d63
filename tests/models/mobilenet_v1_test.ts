import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { buildMobilenetV1 } from "../../lib/models/mobilenet_v1.ts";
import { INFERENCE, parameterCount } from "../../lib/models/model.ts";
import { buildModel, MODEL_NAMES } from "../../lib/models/zoo.ts";
import { createTrainStep } from "../../lib/train/step.ts";
import { restore } from "../../lib/weights/restore_model.ts";
import { randomiseStatistics } from "../helpers/batch_norm.ts";
import {
  changedSince,
  randomImages,
  snapshot,
  writeModelCheckpoint,
} from "../helpers/model_checkpoints.ts";
import { tempDir } from "../helpers/temp.ts";

/**
 * Trainable parameters from the paper's Table 1, written out here rather
 * than read from the builder: a 3×3 conv to 32, then (stride, depth) of the
 * 13 separable layers, each a 3×3 depthwise (9·in) and a 1×1 pointwise
 * (in·out), BatchNorm's beta and gamma after every conv, a 1×1 logits conv
 * with biases.
 */
function paperCount(multiplier: number, classes: number, statistics: boolean): number {
  const d = (n: number) => Math.max(Math.trunc(n * multiplier), 8);
  const separable = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];
  const bnPer = statistics ? 4 : 2;
  let total = 3 * 3 * 3 * d(32) + bnPer * d(32), depthIn = d(32);
  for (const out of separable) {
    total += 9 * depthIn + bnPer * depthIn; // depthwise + its BatchNorm
    total += depthIn * d(out) + bnPer * d(out); // pointwise + its BatchNorm
    depthIn = d(out);
  }
  return total + depthIn * classes + classes;
}

Deno.test("MobileNet-V1 parameter counts per depth multiplier match the paper's table", async () => {
  await useBackend("wasm");
  // The MobileNet paper (Table 6): 4.2M, 2.6M, 1.3M, 0.5M parameters at 1001 classes.
  const paperMillions: Record<string, [number, number]> = {
    mobilenet_v1: [1, 4.2],
    mobilenet_v1_075: [0.75, 2.6],
    mobilenet_v1_050: [0.5, 1.3],
    mobilenet_v1_025: [0.25, 0.5],
  };
  for (const [name, [multiplier, millions]] of Object.entries(paperMillions)) {
    assert.ok(MODEL_NAMES.includes(name), name);
    const model = buildModel(name, { numClasses: 1001, inputSize: 224 });
    const trainable = parameterCount(model, { statistics: false });
    assert.equal(trainable, paperCount(multiplier, 1001, false), `${name} trainable`);
    assert.equal(
      parameterCount(model),
      paperCount(multiplier, 1001, true),
      `${name} with statistics`,
    );
    assert.equal(Math.round(trainable / 1e5) / 10, millions, `${name}: ${trainable}`);
    model.store.dispose();
  }
});

Deno.test("MobileNet-V1 variable names and shapes are TF-Slim's, at every multiplier", async () => {
  await useBackend("wasm");
  const shapes = (name: string) =>
    new Map(
      buildModel(name, { numClasses: 1001, inputSize: 224 }).store.list().map((v) => [
        v.name,
        v.variable.shape,
      ]),
    );
  const full = shapes("mobilenet_v1");
  assert.deepEqual(full.get("MobilenetV1/Conv2d_0/weights"), [3, 3, 3, 32]);
  assert.deepEqual(full.get("MobilenetV1/Conv2d_0/BatchNorm/gamma"), [32]);
  assert.deepEqual(full.get("MobilenetV1/Conv2d_1_depthwise/depthwise_weights"), [3, 3, 32, 1]);
  assert.deepEqual(full.get("MobilenetV1/Conv2d_1_pointwise/weights"), [1, 1, 32, 64]);
  for (const stat of ["beta", "gamma", "moving_mean", "moving_variance"]) {
    assert.deepEqual(full.get(`MobilenetV1/Conv2d_13_pointwise/BatchNorm/${stat}`), [1024]);
  }
  assert.deepEqual(full.get("MobilenetV1/Logits/Conv2d_1c_1x1/weights"), [1, 1, 1024, 1001]);
  assert.deepEqual(full.get("MobilenetV1/Logits/Conv2d_1c_1x1/biases"), [1001]);
  assert.ok(!full.has("MobilenetV1/Conv2d_0/biases"), "convs before BatchNorm have no biases");
  assert.equal(full.size, 1 + 4 + 13 * (1 + 4 + 1 + 4) + 2);
  const quarter = shapes("mobilenet_v1_025");
  assert.deepEqual(quarter.get("MobilenetV1/Conv2d_0/weights"), [3, 3, 3, 8]);
  assert.deepEqual(quarter.get("MobilenetV1/Conv2d_13_pointwise/weights"), [1, 1, 256, 256]);
  assert.deepEqual(quarter.get("MobilenetV1/Logits/Conv2d_1c_1x1/weights"), [1, 1, 256, 1001]);
});

Deno.test("MobileNet-V1 restores from a TF-Slim-shaped checkpoint with Logits excluded, then trains the head only", async () => {
  await useBackend("wasm");
  const source = buildMobilenetV1({ depthMultiplier: 0.25, inputSize: 32, seed: 2 });
  randomiseStatistics(source, 3);
  const dir = await tempDir();
  await writeModelCheckpoint(source, `${dir}/mobilenet_v1_0.25_224.ckpt`);
  const model = buildModel("mobilenet_v1_025", { numClasses: 10, inputSize: 32, seed: 9 });
  const report = await restore(model, `${dir}/mobilenet_v1_0.25_224.ckpt`, {
    exclude: ["MobilenetV1/Logits"],
    log: false,
  });
  assert.equal(report.restored.length, 5 + 13 * 10);
  for (const v of source.store.list()) {
    if (v.name.includes("/Logits/")) continue;
    assert.deepEqual(model.store.get(v.name).dataSync(), v.variable.dataSync(), v.name);
  }
  // Without the exclusion the 1001-class head cannot fit 10 classes: a clear error.
  await assert.rejects(
    () => restore(model, `${dir}/mobilenet_v1_0.25_224.ckpt`, { log: false }),
    /MobilenetV1\/Logits\/Conv2d_1c_1x1\/weights: model \[1,1,256,10\] vs .*\[1,1,256,1001\]/,
  );
  // Fine-tune the head: it changes; every other variable, BatchNorm statistics included, stays bit-identical.
  const x = randomImages([8, 32, 32, 3], 4);
  const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32");
  const before = snapshot(model);
  const step = createTrainStep(model, {
    trainableScopes: ["MobilenetV1/Logits"],
    optimizer: tf.train.adam(1e-2),
  });
  assert.deepEqual(step.trainable, [
    "MobilenetV1/Logits/Conv2d_1c_1x1/weights",
    "MobilenetV1/Logits/Conv2d_1c_1x1/biases",
  ]);
  const losses: number[] = [];
  for (let i = 0; i < 8; i++) losses.push(step.run(x, y).loss);
  assert.ok(losses.at(-1)! < losses[0], `the head learns the batch: ${losses.join(", ")}`);
  const changed = changedSince(model, before);
  assert.deepEqual(changed.sort(), [
    "MobilenetV1/Logits/Conv2d_1c_1x1/biases",
    "MobilenetV1/Logits/Conv2d_1c_1x1/weights",
  ]);
  // All layers train too: depthwise weights get gradients, BatchNorm statistics move.
  const all = createTrainStep(model, { optimizer: tf.train.adam(1e-3) });
  const dw = "MobilenetV1/Conv2d_3_depthwise/depthwise_weights";
  const stat = "MobilenetV1/Conv2d_3_depthwise/BatchNorm/moving_mean";
  const [dwBefore, statBefore] = [dw, stat].map((n) => model.store.get(n).dataSync().slice());
  all.run(x, y);
  assert.notDeepEqual(model.store.get(dw).dataSync(), dwBefore);
  assert.notDeepEqual(model.store.get(stat).dataSync(), statBefore);
  assert.equal(model.logits(x, INFERENCE).shape.join(), "8,10");
  tf.dispose([x, y]);
  model.store.dispose();
  source.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
