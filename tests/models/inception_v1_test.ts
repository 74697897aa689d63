import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { buildInceptionV1 } from "../../lib/models/inception_v1.ts";
import { parameterCount } from "../../lib/models/model.ts";
import { MODEL_NAMES } from "../../lib/models/zoo.ts";
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
 * Trainable parameters from GoogLeNet's Table 1 (#1×1, #3×3 reduce, #3×3,
 * #5×5 reduce, #5×5, pool proj per inception block), with TF-Slim's changes:
 * the "5×5" convs are 3×3, every conv has BatchNorm (beta only, no bias).
 */
function paperCount(classes: number): number {
  const conv = (k: number, i: number, o: number) => k * k * i * o + o;
  const table = [
    [64, 96, 128, 16, 32, 32],
    [128, 128, 192, 32, 96, 64],
    [192, 96, 208, 16, 48, 64],
    [160, 112, 224, 24, 64, 64],
    [128, 128, 256, 24, 64, 64],
    [112, 144, 288, 32, 64, 64],
    [256, 160, 320, 32, 128, 128],
    [256, 160, 320, 32, 128, 128],
    [384, 192, 384, 48, 128, 128],
  ];
  let total = conv(7, 3, 64) + conv(1, 64, 64) + conv(3, 64, 192), depth = 192;
  for (const [a, b, c, d, e, f] of table) {
    total += conv(1, depth, a) + conv(1, depth, b) + conv(3, b, c) + conv(1, depth, d) +
      conv(3, d, e) + conv(1, depth, f);
    depth = a + c + e + f;
  }
  return total + depth * classes + classes;
}

Deno.test("Inception-V1: parameter count from GoogLeNet's table; TF-Slim's names (Mixed_5b's Conv2d_0a_3x3)", async () => {
  await useBackend("wasm");
  assert.ok(MODEL_NAMES.includes("inception_v1"));
  const model = buildInceptionV1();
  assert.equal(parameterCount(model, { statistics: false }), paperCount(1001));
  assert.equal(Math.round(paperCount(1001) / 1e5) / 10, 6.6);
  const shapes = new Map(model.store.list().map((v) => [v.name, v.variable.shape]));
  assert.deepEqual(shapes.get("InceptionV1/Conv2d_1a_7x7/weights"), [7, 7, 3, 64]);
  assert.deepEqual(shapes.get("InceptionV1/Mixed_3b/Branch_2/Conv2d_0b_3x3/weights"), [
    3,
    3,
    16,
    32,
  ]);
  assert.deepEqual(shapes.get("InceptionV1/Mixed_5b/Branch_2/Conv2d_0a_3x3/weights"), [
    3,
    3,
    32,
    128,
  ]);
  assert.ok(!shapes.has("InceptionV1/Mixed_5b/Branch_2/Conv2d_0b_3x3/weights"));
  assert.deepEqual(shapes.get("InceptionV1/Mixed_5c/Branch_3/Conv2d_0b_1x1/BatchNorm/beta"), [128]);
  assert.deepEqual(shapes.get("InceptionV1/Logits/Conv2d_0c_1x1/weights"), [1, 1, 1024, 1001]);
  model.store.dispose();
});

Deno.test("Inception-V1 restores with Logits excluded; head-only training keeps the rest bit-identical", async () => {
  await useBackend("wasm");
  const source = buildInceptionV1({ inputSize: 64, seed: 1 });
  randomiseStatistics(source, 2);
  const dir = await tempDir();
  await writeModelCheckpoint(source, `${dir}/inception_v1.ckpt`);
  const model = buildInceptionV1({ inputSize: 64, numClasses: 3, seed: 5 });
  const report = await restore(model, `${dir}/inception_v1.ckpt`, {
    exclude: ["InceptionV1/Logits"],
    log: false,
  });
  assert.equal(report.restored.length, source.store.list().length - 2);
  const x = randomImages([3, 64, 64, 3], 2);
  const y = tf.tensor1d([0, 1, 2], "int32");
  const before = snapshot(model);
  createTrainStep(model, {
    trainableScopes: ["InceptionV1/Logits"],
    optimizer: tf.train.adam(1e-3),
  })
    .run(x, y);
  const changed = changedSince(model, before);
  assert.ok(
    changed.length > 0 && changed.every((n) => n.startsWith("InceptionV1/Logits/")),
    changed.join(" "),
  );
  tf.dispose([x, y]);
  model.store.dispose();
  source.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
