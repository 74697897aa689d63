import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { parameterCount } from "../../lib/models/model.ts";
import { buildResnetV2 } from "../../lib/models/resnet_v2.ts";
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
 * Parameters of a pre-activation bottleneck ResNet, written out from the
 * paper's (He et al. 2016, "Identity Mappings") unit rather than read from
 * the builder: a 7×7 conv with biases; per unit a BatchNorm on its input,
 * a 1×1 and a 3×3 conv each with BatchNorm, a 1×1 conv with biases, a 1×1
 * projection with biases when the depth changes; a final BatchNorm; logits.
 */
function paperCount(units: number[], classes: number, statistics: boolean): number {
  const bn = (c: number) => (statistics ? 4 : 2) * c;
  let total = 7 * 7 * 3 * 64 + 64, depthIn = 64;
  units.forEach((n, b) => {
    const width = 64 * 2 ** b, depth = 4 * width;
    for (let u = 0; u < n; u++) {
      total += bn(depthIn);
      if (depthIn !== depth) total += depthIn * depth + depth;
      total += depthIn * width + bn(width) + 9 * width * width + bn(width) + width * depth + depth;
      depthIn = depth;
    }
  });
  return total + bn(depthIn) + depthIn * classes + classes;
}

// The commonly cited totals: 25.6M, 44.6M, 60.2M.
Deno.test("ResNet-V2 parameter counts (50/101/152) and TF-Slim's names", async () => {
  await useBackend("wasm");
  const cases: [string, number[], number][] = [
    ["resnet_v2_50", [3, 4, 6, 3], 25.6],
    ["resnet_v2_101", [3, 4, 23, 3], 44.6],
    ["resnet_v2_152", [3, 8, 36, 3], 60.2],
  ];
  for (const [name, units, millions] of cases) {
    assert.ok(MODEL_NAMES.includes(name), name);
    const model = buildModel(name, { numClasses: 1001, inputSize: 224 });
    const trainable = parameterCount(model, { statistics: false });
    assert.equal(trainable, paperCount(units, 1001, false), name);
    assert.equal(parameterCount(model), paperCount(units, 1001, true), `${name} with statistics`);
    assert.equal(Math.round(trainable / 1e5) / 10, millions, `${name}: ${trainable}`);
    if (name === "resnet_v2_50") {
      const shapes = new Map(model.store.list().map((v) => [v.name, v.variable.shape]));
      const u = "resnet_v2_50/block1/unit_1/bottleneck_v2";
      assert.deepEqual(shapes.get("resnet_v2_50/conv1/weights"), [7, 7, 3, 64]);
      assert.deepEqual(shapes.get("resnet_v2_50/conv1/biases"), [64]);
      assert.deepEqual(shapes.get(`${u}/preact/gamma`), [64]);
      assert.deepEqual(shapes.get(`${u}/preact/moving_variance`), [64]);
      assert.deepEqual(shapes.get(`${u}/shortcut/weights`), [1, 1, 64, 256]);
      assert.deepEqual(shapes.get(`${u}/shortcut/biases`), [256]);
      assert.deepEqual(shapes.get(`${u}/conv1/BatchNorm/beta`), [64]);
      assert.deepEqual(shapes.get(`${u}/conv2/weights`), [3, 3, 64, 64]);
      assert.deepEqual(shapes.get(`${u}/conv3/biases`), [256]);
      assert.ok(!shapes.has(`${u}/conv3/BatchNorm/beta`), "conv3 has no BatchNorm in V2");
      assert.deepEqual(shapes.get("resnet_v2_50/postnorm/moving_mean"), [2048]);
      assert.deepEqual(shapes.get("resnet_v2_50/logits/weights"), [1, 1, 2048, 1001]);
    }
    model.store.dispose();
  }
});

Deno.test("ResNet-V2 restores with logits excluded; head-only training leaves every other variable bit-identical", async () => {
  await useBackend("wasm");
  const tiny = [{ baseDepth: 4, units: 2, stride: 2 }, { baseDepth: 8, units: 1, stride: 1 }];
  const source = buildResnetV2(tiny, { inputSize: 16, seed: 2 });
  randomiseStatistics(source, 5);
  const dir = await tempDir();
  await writeModelCheckpoint(source, `${dir}/resnet_v2.ckpt`);
  const model = buildResnetV2(tiny, { numClasses: 3, inputSize: 16, seed: 7 });
  const report = await restore(model, `${dir}/resnet_v2.ckpt`, {
    exclude: ["resnet_v2/logits"],
    log: false,
  });
  assert.equal(report.restored.length, source.store.list().length - 2);
  await assert.rejects(
    () => restore(model, `${dir}/resnet_v2.ckpt`, { log: false }),
    /resnet_v2\/logits\/weights: model \[1,1,32,3\] vs .*\[1,1,32,1001\]/,
  );
  const x = randomImages([6, 16, 16, 3], 3);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2], "int32");
  const before = snapshot(model);
  const step = createTrainStep(model, {
    trainableScopes: ["resnet_v2/logits"],
    optimizer: tf.train.adam(1e-2),
  });
  const losses = Array.from({ length: 6 }, () => step.run(x, y).loss);
  assert.ok(losses.at(-1)! < losses[0], losses.join(", "));
  const changed = changedSince(model, before);
  assert.ok(
    changed.length > 0 && changed.every((n) => n.startsWith("resnet_v2/logits")),
    changed.join(" "),
  );
  tf.dispose([x, y]);
  model.store.dispose();
  source.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
