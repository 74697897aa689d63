import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { buildMobilenetV2, makeDivisible } from "../../lib/models/mobilenet_v2.ts";
import { parameterCount } from "../../lib/models/model.ts";
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

Deno.test("MobileNet-V2 1.0 and 1.4: parameter counts equal Keras' MobileNetV2; TF-Slim's names", async () => {
  await useBackend("wasm");
  // keras.applications.MobileNetV2 (1000 classes): alpha 1.0 has 3,504,872 trainable
  // of 3,538,984 parameters; alpha 1.4 has 6,108,776 of 6,156,712.
  for (
    const [name, trainable, total] of [
      ["mobilenet_v2", 3_504_872, 3_538_984],
      ["mobilenet_v2_140", 6_108_776, 6_156_712],
    ] as const
  ) {
    assert.ok(MODEL_NAMES.includes(name));
    const model = buildModel(name, { numClasses: 1000, inputSize: 224 });
    assert.equal(parameterCount(model, { statistics: false }), trainable, name);
    assert.equal(parameterCount(model), total, name);
    model.store.dispose();
  }
  const shapes = new Map(
    buildModel("mobilenet_v2_140", { numClasses: 1001, inputSize: 224 }).store.list().map((
      v,
    ) => [v.name, v.variable.shape]),
  );
  const expect: [string, number[]][] = [
    ["MobilenetV2/Conv/weights", [3, 3, 3, 48]],
    ["MobilenetV2/expanded_conv/depthwise/depthwise_weights", [3, 3, 48, 1]],
    ["MobilenetV2/expanded_conv/project/weights", [1, 1, 48, 24]],
    ["MobilenetV2/expanded_conv_1/expand/weights", [1, 1, 24, 144]],
    ["MobilenetV2/expanded_conv_16/project/BatchNorm/gamma", [448]],
    ["MobilenetV2/Conv_1/weights", [1, 1, 448, 1792]],
    ["MobilenetV2/Logits/Conv2d_1c_1x1/weights", [1, 1, 1792, 1001]],
  ];
  for (const [n, shape] of expect) assert.deepEqual(shapes.get(n), shape, n);
  assert.ok(
    !shapes.has("MobilenetV2/expanded_conv/expand/weights"),
    "the first block has no expand",
  );
  assert.ok(!shapes.has("MobilenetV2/expanded_conv_17/project/weights"));
  // TF-Slim's _make_divisible: nearest multiple of 8, never more than 10 % below.
  assert.deepEqual([32 * 1.4, 16 * 1.4, 96 * 1.4, 1280 * 1.4].map((v) => makeDivisible(v)), [
    48,
    24,
    136,
    1792,
  ]);
});

Deno.test("MobileNet-V2 restores with Logits excluded and trains the head only, the rest bit-identical", async () => {
  await useBackend("wasm");
  const source = buildMobilenetV2({ inputSize: 32, seed: 1 });
  randomiseStatistics(source, 2);
  const dir = await tempDir();
  await writeModelCheckpoint(source, `${dir}/mobilenet_v2_1.0_224.ckpt`);
  const model = buildModel("mobilenet_v2", { numClasses: 5, inputSize: 32, seed: 3 });
  const report = await restore(model, `${dir}/mobilenet_v2_1.0_224.ckpt`, {
    exclude: ["MobilenetV2/Logits"],
    log: false,
  });
  assert.equal(report.restored.length, source.store.list().length - 2);
  const x = randomImages([5, 32, 32, 3], 9);
  const y = tf.tensor1d([0, 1, 2, 3, 4], "int32");
  const before = snapshot(model);
  const step = createTrainStep(model, {
    trainableScopes: ["MobilenetV2/Logits"],
    optimizer: tf.train.adam(1e-3),
  });
  step.run(x, y);
  const changed = changedSince(model, before);
  assert.ok(
    changed.length > 0 && changed.every((n) => n.startsWith("MobilenetV2/Logits/")),
    changed.join(" "),
  );
  tf.dispose([x, y]);
  model.store.dispose();
  source.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
