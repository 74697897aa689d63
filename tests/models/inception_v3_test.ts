import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { buildInceptionV3 } from "../../lib/models/inception_v3.ts";
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

Deno.test("Inception-V3: parameter counts match Keras' independent InceptionV3; TF-Slim's names", async () => {
  await useBackend("wasm");
  assert.ok(MODEL_NAMES.includes("inception_v3"));
  const model = buildModel("inception_v3", { numClasses: 1000, inputSize: 299 });
  const main = model.store.list().filter((v) => !v.name.includes("/AuxLogits/"));
  const count = (vs: typeof main, stats: boolean) =>
    vs.filter((v) => stats || !v.isStatistic).reduce((n, v) => n + v.variable.size, 0);
  // keras.applications.InceptionV3 (include_top, 1000 classes, BatchNorm without
  // scale as TF-Slim's): 23,817,352 trainable and 23,851,784 parameters in all.
  assert.equal(count(main, false), 23_817_352);
  assert.equal(count(main, true), 23_851_784);
  const shapes = new Map(model.store.list().map((v) => [v.name, v.variable.shape]));
  const expect: [string, number[]][] = [
    ["InceptionV3/Conv2d_1a_3x3/weights", [3, 3, 3, 32]],
    ["InceptionV3/Conv2d_4a_3x3/BatchNorm/moving_variance", [192]],
    ["InceptionV3/Mixed_5c/Branch_1/Conv2d_0b_1x1/weights", [1, 1, 256, 48]],
    ["InceptionV3/Mixed_5c/Branch_1/Conv_1_0c_5x5/weights", [5, 5, 48, 64]],
    ["InceptionV3/Mixed_6a/Branch_0/Conv2d_1a_1x1/weights", [3, 3, 288, 384]],
    ["InceptionV3/Mixed_6e/Branch_2/Conv2d_0e_1x7/weights", [1, 7, 192, 192]],
    ["InceptionV3/Mixed_7b/Branch_1/Conv2d_0b_3x1/weights", [3, 1, 384, 384]],
    ["InceptionV3/Mixed_7c/Branch_1/Conv2d_0c_3x1/weights", [3, 1, 384, 384]],
    ["InceptionV3/Mixed_7c/Branch_2/Conv2d_0d_3x1/BatchNorm/beta", [384]],
    ["InceptionV3/AuxLogits/Conv2d_1b_1x1/weights", [1, 1, 768, 128]],
    ["InceptionV3/AuxLogits/Conv2d_2a_5x5/weights", [5, 5, 128, 768]],
    ["InceptionV3/AuxLogits/Conv2d_2b_1x1/weights", [1, 1, 768, 1000]],
    ["InceptionV3/Logits/Conv2d_1c_1x1/weights", [1, 1, 2048, 1000]],
    ["InceptionV3/Logits/Conv2d_1c_1x1/biases", [1000]],
  ];
  for (const [name, shape] of expect) assert.deepEqual(shapes.get(name), shape, name);
  assert.ok(![...shapes.keys()].some((n) => n.endsWith("/gamma")), "BatchNorm without scale");
  model.store.dispose();
  assert.throws(
    () => buildInceptionV3({ inputSize: 99 }),
    /input size 99 is too small \(at least 107\)/,
  );
});

Deno.test("Inception-V3: restore excluding Logits and AuxLogits; the aux head trains (and adds its loss) only when asked", async () => {
  await useBackend("wasm");
  const opts = { inputSize: 107, depthMultiplier: 0.25, seed: 3 };
  const source = buildInceptionV3(opts);
  randomiseStatistics(source, 4);
  const dir = await tempDir();
  await writeModelCheckpoint(source, `${dir}/inception_v3.ckpt`);
  const model = buildInceptionV3({ ...opts, numClasses: 4, seed: 8, dropoutKeepProb: 1 });
  await assert.rejects(
    () =>
      restore(model, `${dir}/inception_v3.ckpt`, { exclude: ["InceptionV3/Logits"], log: false }),
    /InceptionV3\/AuxLogits\/Conv2d_2b_1x1\/weights: model \[1,1,\d+,4\] vs .*\[1,1,\d+,1001\]/,
  );
  const report = await restore(model, `${dir}/inception_v3.ckpt`, {
    exclude: ["InceptionV3/Logits", "InceptionV3/AuxLogits"],
    log: false,
  });
  const heads = source.store.list().filter((v) => /\/(Aux)?Logits\//.test(v.name)).length;
  assert.equal(report.restored.length, source.store.list().length - heads);
  const x = randomImages([4, 107, 107, 3], 6);
  const y = tf.tensor1d([0, 1, 2, 3], "int32");
  // Logits only: nothing else moves (frozen BatchNorm statistics included); the aux head is not computed.
  let before = snapshot(model);
  const head = createTrainStep(model, {
    trainableScopes: ["InceptionV3/Logits"],
    optimizer: tf.train.adam(1e-3),
  });
  const losses = Array.from({ length: 5 }, () => head.run(x, y).loss);
  assert.ok(losses.at(-1)! < losses[0], losses.join(", "));
  assert.deepEqual(changedSince(model, before).sort(), [
    "InceptionV3/Logits/Conv2d_1c_1x1/biases",
    "InceptionV3/Logits/Conv2d_1c_1x1/weights",
  ]);
  // Before the step: its loss must be main + 0.4 × aux, each a cross-entropy (no weight decay here).
  const isHead = (n: string) => /\/(Aux)?Logits\//.test(n);
  const ce = (logits: tf.Tensor2D) =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(y, 4), logits).dataSync()[0];
  const [mainLoss, auxLoss] = tf.tidy(() => {
    const ctx = { training: true, isFrozen: (n: string) => !isHead(n), probe: true };
    const out = model.auxiliary!.logits(x, ctx);
    return [ce(out.main), ce(out.aux)];
  });
  before = snapshot(model);
  const both = createTrainStep(model, {
    trainableScopes: ["InceptionV3/Logits", "InceptionV3/AuxLogits"],
    optimizer: tf.train.adam(1e-2),
    weightDecay: 0,
  });
  const withAux = both.run(x, y).loss;
  assert.ok(
    Math.abs(withAux - (mainLoss + 0.4 * auxLoss)) < 1e-4 * withAux,
    `step loss ${withAux} = ${mainLoss} + 0.4 × ${auxLoss}`,
  );
  const moved = changedSince(model, before);
  // At 107 the aux map is 1×1, so its conv is Conv2d_2a_1x1, as TF-Slim names it.
  assert.ok(moved.includes("InceptionV3/AuxLogits/Conv2d_2a_1x1/weights"), moved.join(" "));
  assert.ok(moved.includes("InceptionV3/AuxLogits/Conv2d_1b_1x1/BatchNorm/moving_mean"));
  assert.ok(moved.every(isHead), moved.join(" "));
  tf.dispose([x, y]);
  model.store.dispose();
  source.store.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Inception-V3 trains a first layer through frozen later stacks (nested stacks never cut the gradient)", async () => {
  await useBackend("wasm");
  const model = buildInceptionV3({
    inputSize: 107,
    depthMultiplier: 0.25,
    numClasses: 3,
    dropoutKeepProb: 1,
  });
  const x = randomImages([2, 107, 107, 3], 11);
  const y = tf.tensor1d([0, 2], "int32");
  for (
    const scopes of [["InceptionV3/Conv2d_1a_3x3"], [
      "InceptionV3/Conv2d_1a_3x3",
      "InceptionV3/AuxLogits",
    ], undefined]
  ) {
    const before = snapshot(model);
    createTrainStep(model, { trainableScopes: scopes, optimizer: tf.train.adam(1e-2) }).run(x, y);
    const changed = changedSince(model, before);
    assert.ok(
      changed.includes("InceptionV3/Conv2d_1a_3x3/weights"),
      `${scopes}: ${changed.length} changed`,
    );
    if (scopes) {
      assert.ok(changed.every((n) => scopes.some((s) => n.startsWith(s))), changed.join(" "));
    } else {
      assert.ok(changed.includes("InceptionV3/Mixed_7c/Branch_3/Conv2d_0b_1x1/weights"));
      assert.ok(changed.includes("InceptionV3/AuxLogits/Conv2d_2b_1x1/weights"));
    }
  }
  tf.dispose([x, y]);
  model.store.dispose();
});
