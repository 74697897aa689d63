import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { latestCheckpoint, openCheckpoint } from "../../lib/io/checkpoint/checkpoint.ts";
import { fit, fitStages } from "../../lib/train/fit.ts";
import { classificationLoss, inverseFrequencyWeights } from "../../lib/train/losses.ts";
import { metricsFromConfusion } from "../../lib/train/metrics.ts";
import {
  createOptimizer,
  optimizerSlots,
  restoreOptimizerSlots,
} from "../../lib/train/optimizers.ts";
import {
  cosineDecay,
  exponentialDecay,
  linearWarmup,
  piecewiseConstant,
} from "../../lib/train/schedules.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";
import { tempDir } from "../helpers/temp.ts";

const CHILD = new URL("../helpers/train_child.ts", import.meta.url).pathname;

function close(a: number, b: number, rel = 1e-6) {
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-12), `${a} vs ${b}`);
}

Deno.test("exponential_decay(staircase=True) gives TF's values; other schedules too", () => {
  // The lab: 0.001, ×0.1 every 5 epochs of 100 steps (decay_steps = 500).
  const lab = exponentialDecay(0.001, { decaySteps: 500, decayRate: 0.1, staircase: true });
  const table: [number, number][] = [
    [0, 1e-3],
    [499, 1e-3],
    [500, 1e-4],
    [999, 1e-4],
    [1000, 1e-5],
    [2499, 1e-7],
    [2500, 1e-8],
  ];
  for (const [step, lr] of table) close(lab(step), lr, 1e-9);
  // The exercise: ×0.2 every 10 epochs.
  const ex = exponentialDecay(0.001, { decaySteps: 1000, decayRate: 0.2, staircase: true });
  close(ex(1500), 0.0002);
  close(ex(2000), 0.00004);
  // Without staircase: lr · rate^(step/decay_steps).
  close(exponentialDecay(0.001, { decaySteps: 500, decayRate: 0.1 })(250), 0.001 * Math.sqrt(0.1));
  const pw = piecewiseConstant([100, 200], [0.1, 0.01, 0.001]);
  assert.deepEqual([pw(0), pw(100), pw(101), pw(200), pw(201)], [0.1, 0.1, 0.01, 0.01, 0.001]);
  const cos = cosineDecay(0.1, { decaySteps: 100 });
  close(cos(0), 0.1);
  close(cos(50), 0.05);
  close(cos(100), 0, 1);
  assert.ok(cos(200) < 1e-12);
  const warm = linearWarmup(() => 0.1, 10);
  close(warm(0), 0.01);
  close(warm(9), 0.1);
  close(warm(50), 0.1);
  assert.throws(() => piecewiseConstant([1], [1]), /needs 2 values for 1 boundaries/);
});

Deno.test("metrics on a fixed confusion matrix match hand-computed values", () => {
  // rows = true class, columns = predicted
  const m = metricsFromConfusion([
    [5, 1, 0],
    [2, 3, 1],
    [0, 0, 0],
  ]);
  assert.deepEqual(m.support, [6, 6, 0]);
  close(m.precision[0], 5 / 7);
  close(m.recall[0], 5 / 6);
  close(m.f1[0], (2 * (5 / 7) * (5 / 6)) / (5 / 7 + 5 / 6));
  close(m.precision[1], 3 / 4);
  close(m.recall[1], 3 / 6);
  assert.equal(m.precision[2], 0);
  close(m.accuracy, 8 / 12);
  close(m.balancedAccuracy, (5 / 6 + 3 / 6) / 2);
  close(m.macroF1, (m.f1[0] + m.f1[1]) / 2);
});

Deno.test("losses: label smoothing, class weights, focal loss and inverse-frequency weights", async () => {
  await useBackend("wasm");
  const logits = tf.tensor2d([[2, 0, 0], [0, 1, 0]]);
  const labels = tf.tensor1d([0, 2], "int32");
  const lp = (row: number[]) => {
    const m = Math.max(...row), z = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m;
    return row.map((v) => v - z);
  };
  const a = lp([2, 0, 0]), b = lp([0, 1, 0]);
  close(classificationLoss(logits, labels).dataSync()[0], -(a[0] + b[2]) / 2);
  const eps = 0.3, t = (k: number, y: number) => (k === y ? 1 - eps : 0) + eps / 3;
  const smooth = -([0, 1, 2].reduce((s, k) => s + t(k, 0) * a[k] + t(k, 2) * b[k], 0)) / 2;
  close(classificationLoss(logits, labels, { labelSmoothing: eps }).dataSync()[0], smooth, 1e-5);
  close(
    classificationLoss(logits, labels, { classWeights: [1, 1, 3] }).dataSync()[0],
    -(a[0] + 3 * b[2]) / 4,
    1e-5,
  );
  const focal = (l: number) => (1 - Math.exp(l)) ** 2 * -l;
  close(
    classificationLoss(logits, labels, { focalGamma: 2 }).dataSync()[0],
    (focal(a[0]) + focal(b[2])) / 2,
    1e-5,
  );
  assert.deepEqual(inverseFrequencyWeights([100, 10, 0]), [110 / 200, 110 / 20, 0]);
  tf.dispose([logits, labels]);
});

Deno.test("optimizer slots round-trip through named tensors for every optimizer", async () => {
  await useBackend("wasm");
  for (const kind of ["sgd", "momentum", "adam", "rmsprop"] as const) {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const opt = createOptimizer(kind, 0.1);
    for (let i = 0; i < 3; i++) {
      opt.optimizer.minimize(() => tf.sum(tf.square(v)) as tf.Scalar, false, [v]);
    }
    const slots = await optimizerSlots(opt, ["w"]);
    // Adam also saves its running β1^t, β2^t, as TF1 does (`beta1_power`, `beta2_power`).
    assert.equal(slots.length, { sgd: 0, momentum: 1, adam: 4, rmsprop: 2 }[kind], kind);
    if (kind === "adam") {
      assert.deepEqual(slots.map((s) => s.name), [
        "w/Adam",
        "w/Adam_1",
        "beta1_power",
        "beta2_power",
      ]);
      const [f, b] = [Math.fround, Math.fround(0.9)];
      // After 3 updates: β (initial) times β three times, each product rounded to float32.
      assert.equal((slots[2].data as Float32Array)[0], f(f(f(b * b) * b) * b));
    }
    const fresh = createOptimizer(kind, 0.1);
    const byName = new Map(slots.map((s) => [s.name, s.data as Float32Array]));
    assert.ok(
      await restoreOptimizerSlots(fresh, ["w"], 3, (n) => Promise.resolve(byName.get(n)), [[3]]),
    );
    const again = await optimizerSlots(fresh, ["w"]);
    assert.deepEqual(
      again.map((s) => Array.from(s.data as Float32Array)),
      slots.map((s) => Array.from(s.data as Float32Array)),
    );
    v.dispose();
  }
});

Deno.test("fit: loss falls, tensors stay flat over 60 steps, checkpoints keep the last K", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const model = tinyModel();
  const counts: number[] = [];
  const r = await fit(model, tinyData(), {
    epochs: 12,
    batchSize: 8,
    learningRate: 0.01,
    checkpointDir: dir,
    checkpointEvery: 10,
    keep: 2,
    progress: false,
    log: () => {},
    onStep: () => counts.push(tf.memory().numTensors),
  });
  assert.equal(r.step, 60);
  assert.ok(counts.slice(2).every((c) => c === counts[2]), `tensor counts ${[...new Set(counts)]}`);
  const first = r.history.slice(0, 5).reduce((a, h) => a + h.loss, 0) / 5;
  const last = r.history.slice(-5).reduce((a, h) => a + h.loss, 0) / 5;
  assert.ok(last < first * 0.7, `loss ${first} → ${last}`);
  assert.equal(await latestCheckpoint(dir), `${dir}/model.ckpt-60`);
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((f) => f.endsWith(".index"))
    .sort();
  assert.deepEqual(files, ["model.ckpt-55.index", "model.ckpt-60.index"]); // epoch ends (every 5 steps) save too
  const ckpt = await openCheckpoint(dir);
  const names = ckpt.list().map((t) => t.name);
  assert.ok(
    names.includes("global_step") && names.includes("tiny/fc8/weights/Adam") &&
      names.includes("tiny/fc8/weights/Adam_1"),
  );
  assert.equal(Number((await ckpt.read("global_step")).data[0]), 60);
  ckpt.close();
  model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});

for (const backend of ["wasm", "onednn"] as const) {
  Deno.test({
    name:
      `[${backend}] resume after a kill continues at the saved step, bit-exact: losses and weights`,
    ignore: backend === "onednn" && !oneDnnOr(),
  }, async () => {
    await useBackend(backend);
    const referenceModel = tinyModel();
    const reference = await fit(referenceModel, tinyData(), {
      epochs: 100,
      maxSteps: 16,
      batchSize: 8,
      seed: 3,
      progress: false,
      log: () => {},
    });
    const dir = await tempDir();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CHILD, dir, "16", backend],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/step 7 /.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    const saved = Number(/model\.ckpt-(\d+)$/.exec((await latestCheckpoint(dir))!)![1]);
    assert.ok(saved >= 6 && saved < 16, `killed after saving step ${saved}`);
    const resumedModel = tinyModel();
    const resumed = await fit(resumedModel, tinyData(), {
      epochs: 100,
      maxSteps: 16,
      batchSize: 8,
      seed: 3,
      checkpointDir: dir,
      checkpointEvery: 2,
      progress: false,
      log: () => {},
    });
    assert.equal(resumed.resumedFrom, saved);
    assert.equal(resumed.history[0].step, saved + 1);
    // The same losses and the same final weights to the last bit: Adam's running β^t
    // products are saved and restored, restored values live in the backend's own storage,
    // and saving reads copies (a dataSync would push onednn's Adam off its in-place path).
    for (const h of resumed.history) {
      assert.equal(h.loss, reference.history[h.step - 1].loss, `step ${h.step}`);
    }
    for (const v of referenceModel.store.list()) {
      assert.deepEqual(resumedModel.store.get(v.name).dataSync(), v.variable.dataSync(), v.name);
    }
    referenceModel.store.dispose();
    resumedModel.store.dispose();
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("Ctrl-C saves a checkpoint first, then stops", async () => {
  const dir = await tempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, dir, "100000"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/step 5 /.test(text)) text += (await reader.read()).value ?? "";
  child.kill("SIGINT");
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const status = await child.status;
  assert.equal(status.code, 0);
  const m = /interrupted: saved .*model\.ckpt-(\d+)/.exec(text);
  assert.ok(m, text.slice(-300));
  assert.match(text, /done interrupted=true step=(\d+)/);
  assert.equal(await latestCheckpoint(dir), `${dir}/model.ckpt-${m![1]}`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a NaN loss stops with the step named and saves nothing", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const model = tinyModel();
  model.store.get("tiny/fc8/biases").assign(tf.tensor1d([NaN, 0, 0]));
  await assert.rejects(
    () =>
      fit(model, tinyData(), {
        epochs: 1,
        batchSize: 8,
        checkpointDir: dir,
        progress: false,
        log: () => {},
      }),
    /loss is NaN at step 1 \(epoch 1\): training diverged; nothing was saved/,
  );
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("two-stage fine-tuning: the head alone first, then everything", async () => {
  await useBackend("wasm");
  const model = tinyModel();
  const conv = () => model.store.get("tiny/conv1/conv1_1/weights").dataSync().slice();
  const before = conv();
  const stages = await fitStages(model, tinyData(), {
    batchSize: 8,
    progress: false,
    log: () => {},
    stages: [
      { trainableScopes: ["tiny/fc8"], epochs: 1, learningRate: 0.01 },
      { epochs: 1, learningRate: 0.001, optimizer: "momentum" },
    ],
  });
  assert.equal(stages.length, 2);
  assert.notDeepEqual(conv(), before);
  // Stage one alone left the conv weights untouched:
  const m2 = tinyModel();
  const b2 = m2.store.get("tiny/conv1/conv1_1/weights").dataSync().slice();
  await fit(m2, tinyData(), {
    batchSize: 8,
    trainableScopes: ["tiny/fc8"],
    epochs: 1,
    progress: false,
    log: () => {},
  });
  assert.deepEqual(m2.store.get("tiny/conv1/conv1_1/weights").dataSync(), b2);
  model.store.dispose();
  m2.store.dispose();
});
