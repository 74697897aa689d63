import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { buildInceptionV2 } from "../../lib/models/inception_v2.ts";
import { INFERENCE, parameterCount } from "../../lib/models/model.ts";
import { PRETRAINED } from "../../lib/models/pretrained.ts";
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
 * The BN-Inception table (Ioffe & Szegedy 2015, figure 5) as TF-Slim builds
 * it, per module: #1×1, #3×3 reduce, #3×3, double #3×3 reduce, double #3×3,
 * pool projection; stride-2 modules have no 1×1 branch and pass the pool
 * through (0 below).
 */
const TABLE = [
  [64, 64, 64, 64, 96, 32], // 3a
  [64, 64, 96, 64, 96, 64], // 3b
  [0, 128, 160, 64, 96, 0], // 3c, stride 2
  [224, 64, 96, 96, 128, 128], // 4a
  [192, 96, 128, 96, 128, 128], // 4b
  [160, 128, 160, 128, 160, 96], // 4c
  [96, 128, 192, 160, 192, 96], // 4d
  [0, 128, 192, 192, 256, 0], // 4e, stride 2
  [352, 192, 320, 160, 224, 128], // 5a
  [352, 192, 320, 192, 224, 128], // 5b
];

/**
 * Variables from the table: every conv has scale-free BatchNorm (`bn` per
 * channel: 1 for beta alone, 3 with the moving statistics); the stem is
 * separable (7×7 depthwise ×8, 1×1 to 64, biases, no BatchNorm).
 */
function tableCount(bn: number): number {
  const conv = (k: number, i: number, o: number) => k * k * i * o + bn * o;
  let total = 7 * 7 * 3 * 8 + 24 * 64 + 64 + conv(1, 64, 64) + conv(3, 64, 192), depth = 192;
  for (const [a, r, b, dr, d, p] of TABLE) {
    total += (a ? conv(1, depth, a) : 0) + conv(1, depth, r) + conv(3, r, b) + conv(1, depth, dr) +
      conv(3, dr, d) + conv(3, d, d) + (p ? conv(1, depth, p) : 0);
    depth = a + b + d + (p || depth);
  }
  assert.equal(depth, 1024);
  return total;
}

const logitsCount = (classes: number) => 1024 * classes + classes;

Deno.test("Inception-V2: parameter count from the BN-Inception table and TF-Slim's own test; TF-Slim's names", async () => {
  await useBackend("wasm");
  assert.ok(MODEL_NAMES.includes("inception_v2"));
  assert.equal(PRETRAINED.inception_v2.checkpoint, "inception_v2.ckpt");
  const model = buildInceptionV2();
  assert.equal(parameterCount(model, { statistics: false }), tableCount(1) + logitsCount(1001));
  // inception_v2_test.py: `inception_v2_base` has 10,173,112 model variables.
  assert.equal(tableCount(3), 10_173_112);
  assert.equal(parameterCount(model) - logitsCount(1001), 10_173_112);
  const shapes = new Map(model.store.list().map((v) => [v.name, v.variable.shape]));
  assert.deepEqual(shapes.get("InceptionV2/Conv2d_1a_7x7/depthwise_weights"), [7, 7, 3, 8]);
  assert.deepEqual(shapes.get("InceptionV2/Conv2d_1a_7x7/pointwise_weights"), [1, 1, 24, 64]);
  assert.deepEqual(shapes.get("InceptionV2/Conv2d_1a_7x7/biases"), [64]);
  assert.ok(![...shapes.keys()].some((n) => n.startsWith("InceptionV2/Conv2d_1a_7x7/BatchNorm")));
  assert.ok(![...shapes.keys()].some((n) => n.endsWith("/gamma")), "no BatchNorm scale");
  assert.deepEqual(shapes.get("InceptionV2/Mixed_4a/Branch_1/Conv2d_1a_3x3/weights"), [
    3,
    3,
    96,
    96,
  ]);
  assert.deepEqual(shapes.get("InceptionV2/Mixed_5c/Branch_3/Conv2d_0b_1x1/BatchNorm/beta"), [128]);
  assert.deepEqual(shapes.get("InceptionV2/Logits/Conv2d_1c_1x1/weights"), [1, 1, 1024, 1001]);
  assert.deepEqual(shapes.get("InceptionV2/Logits/Conv2d_1c_1x1/biases"), [1001]);
  // 224 → 7×7 at Mixed_5c, one position after AvgPool_1a_7x7.
  const x = tf.zeros([1, 224, 224, 3]) as tf.Tensor4D;
  assert.deepEqual(model.logits(x, INFERENCE).shape, [1, 1001]);
  x.dispose();
  model.store.dispose();
});

/** Variable shapes by name; the model's store is freed. */
function shapesOf(model: ReturnType<typeof buildInceptionV2>): Map<string, number[]> {
  const shapes = new Map(model.store.list().map((v) => [v.name, v.variable.shape]));
  model.store.dispose();
  return shapes;
}

Deno.test("Inception-V2 depth multipliers scale every layer as TF-Slim does, stem's depthwise multiplier included", async () => {
  await useBackend("wasm");
  const half = shapesOf(buildInceptionV2({ depthMultiplier: 0.5, inputSize: 32 }));
  // depth(64) = 32: depthwise multiplier min(32 / 3, 8) = 8 still.
  assert.deepEqual(half.get("InceptionV2/Conv2d_1a_7x7/depthwise_weights"), [7, 7, 3, 8]);
  assert.deepEqual(half.get("InceptionV2/Conv2d_1a_7x7/pointwise_weights"), [1, 1, 24, 32]);
  assert.deepEqual(half.get("InceptionV2/Mixed_5b/Branch_0/Conv2d_0a_1x1/weights"), [
    1,
    1,
    512,
    176,
  ]);
  assert.deepEqual(half.get("InceptionV2/Logits/Conv2d_1c_1x1/weights"), [1, 1, 512, 1001]);
  // ×0.25: depth(64) = max(16, 16), so 16 / 3 → 5; layers below 16 are held at min_depth.
  const quarter = shapesOf(buildInceptionV2({ depthMultiplier: 0.25, inputSize: 32 }));
  assert.deepEqual(quarter.get("InceptionV2/Conv2d_1a_7x7/depthwise_weights"), [7, 7, 3, 5]);
  assert.deepEqual(quarter.get("InceptionV2/Conv2d_1a_7x7/pointwise_weights"), [1, 1, 15, 16]);
  assert.deepEqual(quarter.get("InceptionV2/Mixed_3b/Branch_3/Conv2d_0b_1x1/weights"), [
    1,
    1,
    48,
    16,
  ]);
  for (const bad of [0, -0.1]) {
    assert.throws(() => buildInceptionV2({ depthMultiplier: bad }), /depthMultiplier must be > 0/);
  }
  // Above 224 TF-Slim's 7×7 pool leaves several positions: a clear error, or a global pool.
  assert.throws(
    () => buildInceptionV2({ inputSize: 256 }),
    /input size 256 leaves a 8×8 map .*globalPool: true/,
  );
  const wide = buildInceptionV2({ inputSize: 256, globalPool: true, depthMultiplier: 0.25 });
  const x = tf.zeros([1, 256, 256, 3]) as tf.Tensor4D;
  assert.deepEqual(wide.logits(x, INFERENCE).shape, [1, 1001]);
  x.dispose();
  wide.store.dispose();
  // use_separable_conv=False: a full 7×7 conv with BatchNorm instead.
  const plain = buildInceptionV2({ separableStem: false, inputSize: 32 });
  const names = plain.store.list().map((v) => v.name);
  assert.ok(names.includes("InceptionV2/Conv2d_1a_7x7/weights"));
  assert.ok(names.includes("InceptionV2/Conv2d_1a_7x7/BatchNorm/moving_variance"));
  assert.ok(!names.some((n) => n.includes("depthwise")));
  const stemDelta = (7 * 7 * 3 * 64 + 3 * 64) - (7 * 7 * 3 * 8 + 24 * 64 + 64);
  assert.equal(parameterCount(plain) - logitsCount(1001), 10_173_112 + stemDelta);
  plain.store.dispose();
});

Deno.test("Inception-V2 restores with Logits excluded; the head trains alone, then every layer including the separable stem", async () => {
  await useBackend("wasm");
  const source = buildInceptionV2({ inputSize: 64, seed: 1 });
  randomiseStatistics(source, 2);
  const dir = await tempDir();
  await writeModelCheckpoint(source, `${dir}/inception_v2.ckpt`);
  const model = buildModel("inception_v2", { numClasses: 3, inputSize: 64, seed: 5 });
  const report = await restore(model, `${dir}/inception_v2.ckpt`, {
    exclude: ["InceptionV2/Logits"],
    log: false,
  });
  assert.equal(report.restored.length, source.store.list().length - 2);
  for (const v of source.store.list()) {
    if (v.name.includes("/Logits/")) continue;
    assert.deepEqual(model.store.get(v.name).dataSync(), v.variable.dataSync(), v.name);
  }
  await assert.rejects(
    () => restore(model, `${dir}/inception_v2.ckpt`, { log: false }),
    /InceptionV2\/Logits\/Conv2d_1c_1x1\/weights: model \[1,1,1024,3\] vs .*\[1,1,1024,1001\]/,
  );
  const x = randomImages([3, 64, 64, 3], 2);
  const y = tf.tensor1d([0, 1, 2], "int32");
  const before = snapshot(model);
  const head = createTrainStep(model, {
    trainableScopes: ["InceptionV2/Logits"],
    optimizer: tf.train.adam(1e-3),
  });
  head.run(x, y);
  assert.deepEqual(changedSince(model, before).sort(), [
    "InceptionV2/Logits/Conv2d_1c_1x1/biases",
    "InceptionV2/Logits/Conv2d_1c_1x1/weights",
  ]);
  // All layers: the stem's depthwise and pointwise weights get gradients, BatchNorm statistics move.
  const all = createTrainStep(model, { optimizer: tf.train.adam(1e-3) });
  const watched = [
    "InceptionV2/Conv2d_1a_7x7/depthwise_weights",
    "InceptionV2/Conv2d_1a_7x7/pointwise_weights",
    "InceptionV2/Conv2d_1a_7x7/biases",
    "InceptionV2/Mixed_3b/Branch_2/Conv2d_0c_3x3/BatchNorm/moving_mean",
  ];
  const mid = snapshot(model);
  const losses = [all.run(x, y).loss, all.run(x, y).loss, all.run(x, y).loss];
  const moved = changedSince(model, mid);
  for (const n of watched) assert.ok(moved.includes(n), n);
  assert.ok(losses.every(Number.isFinite), losses.join());
  tf.dispose([x, y]);
  model.store.dispose();
  source.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
