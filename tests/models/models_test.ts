import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { writeCheckpoint } from "../../lib/io/checkpoint/writer.ts";
import { conv2d, useUnfusedConvForTests } from "../../lib/models/layers.ts";
import { INFERENCE, type Model, parameterCount } from "../../lib/models/model.ts";
import { VariableStore } from "../../lib/models/variables.ts";
import { buildResnetV1, type ResnetBlockSpec } from "../../lib/models/resnet.ts";
import { buildVgg } from "../../lib/models/vgg.ts";
import { createTrainStep } from "../../lib/train/step.ts";
import { seededRandom } from "../../lib/util/random.ts";
import { restore } from "../../lib/weights/restore_model.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test("VGG parameter counts at 224×224, 1000 classes, match the paper", async () => {
  await useBackend("cpu");
  const paper: Record<string, number> = { A: 133, "A-LRN": 133, B: 133, C: 134, D: 138, E: 144 };
  for (const [config, millions] of Object.entries(paper)) {
    const m = buildVgg(config);
    assert.equal(Math.round(parameterCount(m) / 1e6), millions, config);
    m.store.dispose();
  }
});

Deno.test("VGG-16 variable names and shapes are TF-Slim's", async () => {
  await useBackend("cpu");
  const m = buildVgg("D", { numClasses: 1000 });
  const vars = m.store.list();
  assert.equal(vars.length, 32);
  const byName = Object.fromEntries(vars.map((v) => [v.name, v.variable.shape]));
  assert.deepEqual(byName["vgg_16/conv1/conv1_1/weights"], [3, 3, 3, 64]);
  assert.deepEqual(byName["vgg_16/conv1/conv1_1/biases"], [64]);
  assert.deepEqual(byName["vgg_16/conv5/conv5_3/weights"], [3, 3, 512, 512]);
  assert.deepEqual(byName["vgg_16/fc6/weights"], [7, 7, 512, 4096]);
  assert.deepEqual(byName["vgg_16/fc7/weights"], [1, 1, 4096, 4096]);
  assert.deepEqual(byName["vgg_16/fc8/weights"], [1, 1, 4096, 1000]);
  assert.equal(buildVgg("E", { numClasses: 2, inputSize: 32 }).scope, "vgg_19");
  assert.equal(buildVgg("A", { numClasses: 2, inputSize: 32 }).scope, "vgg_a");
  m.store.dispose();
  // Small input: pool5 is 1×1, so fc6 is a 1×1 conv (not restorable from ImageNet).
  const small = buildVgg("D", { numClasses: 10, inputSize: 32 });
  assert.deepEqual(small.store.get("vgg_16/fc6/weights").shape, [1, 1, 512, 4096]);
  assert.deepEqual(small.store.get("vgg_16/fc7/weights").shape, [1, 1, 4096, 4096]);
  small.store.dispose();
  assert.throws(
    () => buildVgg("F"),
    /unknown VGG configuration 'F': expected one of A, A-LRN, B, C, D, E, small/,
  );
  assert.throws(() => buildVgg("D", { inputSize: 16 }), /input size 16 is too small/);
});

Deno.test("ResNet-V1 parameter counts and TF-Slim names", async () => {
  await useBackend("cpu");
  const expected: Record<string, number> = {
    resnet_v1_50: 25.6,
    resnet_v1_101: 44.5,
    resnet_v1_152: 60.2,
  };
  for (const [name, millions] of Object.entries(expected)) {
    const m = buildResnetV1(name);
    assert.equal(Math.round(parameterCount(m, { statistics: false }) / 1e5) / 10, millions, name);
    if (name === "resnet_v1_50") {
      const names = new Set(m.store.list().map((v) => v.name));
      for (
        const n of [
          "resnet_v1_50/conv1/weights",
          "resnet_v1_50/conv1/BatchNorm/moving_variance",
          "resnet_v1_50/block1/unit_1/bottleneck_v1/shortcut/weights",
          "resnet_v1_50/block1/unit_3/bottleneck_v1/conv2/BatchNorm/gamma",
          "resnet_v1_50/block4/unit_3/bottleneck_v1/conv3/weights",
          "resnet_v1_50/logits/weights",
          "resnet_v1_50/logits/biases",
        ]
      ) assert.ok(names.has(n), n);
      assert.ok(!names.has("resnet_v1_50/conv1/biases"), "convs have no biases");
      assert.ok(
        !names.has("resnet_v1_50/block1/unit_2/bottleneck_v1/shortcut/weights"),
        "identity shortcuts",
      );
      assert.deepEqual(
        m.store.get("resnet_v1_50/block1/unit_3/bottleneck_v1/conv2/weights").shape,
        [3, 3, 64, 64],
      );
    }
    m.store.dispose();
  }
});

function randomTensors(shapes: [string, number[]][], seed: number) {
  const random = seededRandom(seed);
  return shapes.map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = random() - 0.5;
    return { name, dtype: "float32" as const, shape, data };
  });
}

Deno.test("restore VGG-16 from a TF-Slim-shaped V1 checkpoint, excluding vgg_16/fc8", async () => {
  await useBackend("wasm");
  const shapes: [string, number[]][] = buildVggShapes();
  const dir = await tempDir();
  const ckpt = `${dir}/vgg_16.ckpt`;
  const tensors = randomTensors(shapes, 1);
  await writeCheckpoint(ckpt, [...tensors, {
    name: "global_step",
    dtype: "int64",
    shape: [],
    data: BigInt64Array.from([5n]),
  }], { format: "v1" });
  const model = buildVgg("D", { numClasses: 10, inputSize: 224, seed: 2 });
  const fc8Before = model.store.get("vgg_16/fc8/weights").dataSync().slice();
  const lines: string[] = [];
  const report = await restore(model, ckpt, {
    exclude: ["vgg_16/fc8"],
    log: (l) => lines.push(l),
    listRestored: true,
  });
  assert.equal(report.restored.length, 30);
  assert.deepEqual(report.skipped, ["vgg_16/fc8/weights", "vgg_16/fc8/biases"]);
  assert.deepEqual(report.unused.sort(), [
    "global_step",
    "vgg_16/fc8/biases",
    "vgg_16/fc8/weights",
  ]);
  assert.match(
    lines[0],
    /restored 30 variables of vgg_16 from .*vgg_16\.ckpt; kept 2 initialised \(vgg_16\/fc8\)/,
  );
  assert.ok(lines.includes("  restored vgg_16/fc6/weights"));
  for (const t of tensors) {
    if (t.name.startsWith("vgg_16/fc8")) continue;
    const got = model.store.get(t.name).dataSync();
    assert.ok(
      got.length === t.data.length && got.every((v, i) => v === t.data[i]),
      `${t.name} equals the file`,
    );
  }
  assert.deepEqual(
    model.store.get("vgg_16/fc8/weights").dataSync(),
    fc8Before,
    "fc8 keeps its initialisation",
  );
  model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});

function buildVggShapes(): [string, number[]][] {
  const m = buildVgg("D", { numClasses: 1000, inputSize: 224 });
  const out = m.store.list().map((v) => [v.name, v.variable.shape] as [string, number[]]);
  m.store.dispose();
  return out;
}

Deno.test("restore ResNet-V1-50 (with BatchNorm statistics) from a V1 checkpoint, excluding logits", async () => {
  await useBackend("wasm");
  const full = buildResnetV1("resnet_v1_50");
  const shapes = full.store.list().map((v) => [v.name, v.variable.shape] as [string, number[]]);
  full.store.dispose();
  const dir = await tempDir();
  const tensors = randomTensors(shapes, 3);
  await writeCheckpoint(`${dir}/resnet_v1_50.ckpt`, tensors, { format: "v1" });
  const model = buildResnetV1("resnet_v1_50", { numClasses: 7, inputSize: 64 });
  const logitsBefore = model.store.get("resnet_v1_50/logits/weights").dataSync().slice();
  const report = await restore(model, `${dir}/resnet_v1_50.ckpt`, {
    exclude: ["resnet_v1_50/logits"],
    log: false,
  });
  assert.equal(report.restored.length, 265);
  for (const t of tensors) {
    if (t.name.includes("/logits/")) continue;
    const got = model.store.get(t.name).dataSync();
    assert.ok(got.every((v, i) => v === t.data[i]), t.name);
  }
  assert.deepEqual(model.store.get("resnet_v1_50/logits/weights").dataSync(), logitsBefore);
  // Without the exclusion the 1000-class logits cannot fit 7 classes: a clear error.
  await assert.rejects(
    () => restore(model, `${dir}/resnet_v1_50.ckpt`, { log: false }),
    /resnet_v1_50\/logits\/weights: model \[1,1,2048,7\] vs resnet_v1_50\/logits\/weights \[1,1,2048,1000\]/,
  );
  model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});

const TINY: ResnetBlockSpec[] = [{ baseDepth: 4, units: 2, stride: 2 }, {
  baseDepth: 8,
  units: 1,
  stride: 1,
}];

Deno.test("frozen scopes stay bit-identical; frozen BatchNorm keeps its statistics", async () => {
  await useBackend("wasm");
  const random = seededRandom(8);
  const x = tf.tensor4d(Float32Array.from({ length: 8 * 16 * 16 * 3 }, () => random() * 50), [
    8,
    16,
    16,
    3,
  ]);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32");
  for (
    const [scopes, frozenChanges] of [[["resnet_v1/logits"], false], [undefined, true]] as const
  ) {
    const model = buildResnetV1(TINY, { numClasses: 3, inputSize: 16, seed: 1 });
    const before = new Map(model.store.list().map((v) => [v.name, v.variable.dataSync().slice()]));
    const step = createTrainStep(model, {
      trainableScopes: scopes as string[] | undefined,
      optimizer: tf.train.adam(1e-2),
    });
    for (let i = 0; i < 3; i++) step.run(x, y);
    for (const v of model.store.list()) {
      const same = v.variable.dataSync().every((a, i) => a === before.get(v.name)![i]);
      if (v.name.startsWith("resnet_v1/logits")) assert.ok(!same, `${v.name} trained`);
      else {assert.equal(
          !same,
          frozenChanges,
          `${v.name} ${frozenChanges ? "changes" : "is bit-identical"}`,
        );}
    }
    model.store.dispose();
  }
  // Only fc8 gets gradients and optimizer state.
  const vgg = buildVgg("small", { numClasses: 3, inputSize: 16 });
  const step = createTrainStep(vgg, { trainableScopes: ["small_vgg/fc8"] });
  assert.deepEqual(step.trainable, ["small_vgg/fc8/weights", "small_vgg/fc8/biases"]);
  assert.throws(
    () => createTrainStep(vgg, { trainableScopes: ["vgg_16/fc8"] }),
    /match no variable of small_vgg/,
  );
  vgg.store.dispose();
  tf.dispose([x, y]);
});

Deno.test("dropout is active only in training; inference is deterministic", async () => {
  await useBackend("wasm");
  const m = buildVgg("small", { numClasses: 4, inputSize: 16 });
  const x = tf.randomNormal([2, 16, 16, 3]) as tf.Tensor4D;
  const a = m.logits(x, INFERENCE).dataSync(), b = m.logits(x, INFERENCE).dataSync();
  assert.deepEqual(a, b);
  const t1 = m.logits(x, { training: true, isFrozen: () => false }).dataSync();
  assert.notDeepEqual(t1, a);
  m.store.dispose();
  x.dispose();
});

Deno.test("a frozen prefix runs off the tape: same step, much less peak memory", async () => {
  await useBackend("wasm");
  // [label, model, trainable scopes, largest allowed peak ratio detached / taped]
  const cases: [string, () => Model, string[], number][] = [
    ["VGG, only fc8", () => buildVgg("small", { numClasses: 10, inputSize: 32, seed: 3 }), [
      "small_vgg/fc8",
    ], 0.5],
    [
      "ResNet, only logits",
      () => buildResnetV1("resnet_v1_50", { numClasses: 10, inputSize: 32, seed: 3 }),
      ["resnet_v1_50/logits"],
      0.5,
    ],
    [
      // At 32×32 block4 works on 1×1 maps: its weights and gradients dominate.
      "ResNet, block4 and logits",
      () => buildResnetV1("resnet_v1_50", { numClasses: 10, inputSize: 32, seed: 3 }),
      ["resnet_v1_50/block4", "resnet_v1_50/logits"],
      0.95,
    ],
  ];
  const x = tf.randomNormal([8, 32, 32, 3], 0, 1, "float32", 5) as tf.Tensor4D;
  const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32");
  for (const [label, build, scopes, ratio] of cases) {
    const results = [];
    for (const detach of [false, true]) {
      const model = build();
      const step = createTrainStep(model, {
        trainableScopes: scopes,
        detachFrozenPrefix: detach,
        optimizer: tf.train.sgd(0.1),
      });
      let loss = 0;
      const base = tf.memory().numBytes;
      const profile = await tf.profile(() => {
        loss = step.run(x, y, 1).loss;
      });
      const peakBytes = profile.peakBytes - base;
      const after = step.trainable.map((n) => Float32Array.from(model.store.get(n).dataSync()));
      results.push({ loss, peakBytes, after });
      step.optimizer.dispose();
      model.store.dispose();
    }
    const [taped, detached] = results;
    assert.ok(Math.abs(taped.loss - detached.loss) < 1e-5, `${label}: loss`);
    taped.after.forEach((w, i) => {
      const d = detached.after[i];
      const worst = w.reduce((m, v, j) => Math.max(m, Math.abs(v - d[j])), 0);
      assert.ok(worst < 1e-5, `${label}: trained variable ${i} differs by ${worst}`);
    });
    assert.ok(
      detached.peakBytes < ratio * taped.peakBytes,
      `${label}: peak ${detached.peakBytes} vs ${taped.peakBytes} bytes`,
    );
  }
  tf.dispose([x, y]);
});

Deno.test("conv+bias+ReLU with its own gradient matches tfjs' unfused path on every backend", async () => {
  for (
    const start of [
      () => useBackend("cpu"),
      () => useBackend("wasm", { onednn: false }),
      () => useBackend("wasm"),
    ]
  ) {
    await start();
    const results: Float32Array[][] = [];
    for (const unfused of [true, false]) {
      useUnfusedConvForTests(unfused);
      const store = new VariableStore(4);
      const layer = conv2d(store, "c", [3, 5], { kernel: 3, stride: 2 });
      store.get("c/biases").assign(tf.tensor1d([0.1, -0.2, 0.05, 0, 0.3]));
      const x = tf.randomNormal([2, 7, 7, 3], 0, 1, "float32", 9) as tf.Tensor4D;
      // A loss whose gradient is non-zero where ReLU clips, so the mask matters.
      const r = tf.randomNormal([2, 4, 4, 5], 0, 1, "float32", 11);
      const w = store.get("c/weights"), b = store.get("c/biases");
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(layer(x, { training: true, isFrozen: () => false }), r)) as tf.Scalar,
        [w, b],
      );
      const [gx] = tf.grads((a: tf.Tensor) =>
        tf.sum(tf.mul(layer(a as tf.Tensor4D, { training: true, isFrozen: () => false }), r))
      )([x]);
      results.push([grads[w.name], grads[b.name], gx].map((t) => Float32Array.from(t.dataSync())));
      tf.dispose([x, r, gx, ...Object.values(grads)]);
      store.dispose();
    }
    useUnfusedConvForTests(false);
    const [ref, got] = results;
    ref.forEach((r, i) => {
      const scale = r.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
      const err = r.reduce((m, v, j) => Math.max(m, Math.abs(v - got[i][j])), 0);
      assert.ok(
        err / scale < 1e-5,
        `${tf.getBackend()}: gradient ${i} differs (${err} of ${scale})`,
      );
    });
  }
});

Deno.test("weight decay is TF-Slim's l2_regularizer: loss + d·Σw²/2, gradient + d·w, weights only", async () => {
  await useBackend("wasm");
  const x = tf.randomNormal([4, 32, 32, 3], 0, 1, "float32", 21) as tf.Tensor4D;
  const y = tf.tensor1d([1, 3, 5, 7], "int32");
  const d = 0.01, lr = 0.1;
  const runs = [0, d].map((weightDecay) => {
    const model = buildVgg("small", { numClasses: 10, inputSize: 32, seed: 5 });
    const before = new Map(
      model.store.list().map((v) => [v.name, Float32Array.from(v.variable.dataSync())]),
    );
    const step = createTrainStep(model, { weightDecay, optimizer: tf.train.sgd(lr) });
    const { loss } = step.run(x, y, 3);
    const after = new Map(
      model.store.list().map((v) => [v.name, Float32Array.from(v.variable.dataSync())]),
    );
    step.optimizer.dispose();
    model.store.dispose();
    return { loss, before, after };
  });
  const [plain, decayed] = runs;
  let sumSquares = 0;
  for (const [name, w0] of plain.before) {
    if (name.endsWith("/weights")) sumSquares += w0.reduce((s, v) => s + v * v, 0);
  }
  assert.ok(Math.abs(decayed.loss - plain.loss - (d / 2) * sumSquares) < 1e-4 * (1 + plain.loss));
  for (const [name, w0] of plain.before) {
    const a = plain.after.get(name)!, b = decayed.after.get(name)!;
    // w_plain - w_decayed = lr·d·w0 for weights, 0 for biases.
    const factor = name.endsWith("/weights") ? lr * d : 0;
    const worst = w0.reduce((m, v, i) => Math.max(m, Math.abs(a[i] - b[i] - factor * v)), 0);
    assert.ok(worst < 1e-6, `${name}: off by ${worst}`);
  }
  tf.dispose([x, y]);
});
