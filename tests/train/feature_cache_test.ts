import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { fit, type FitOptions, type FitResult } from "../../lib/train/fit.ts";
import type { Model } from "../../lib/models/model.ts";
import type { Apply, ForwardContext } from "../../lib/models/layers.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";
import { tempDir } from "../helpers/temp.ts";

/** A temp folder removed however the test ends. */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir({ prefix: "tl-features-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface Run {
  result: FitResult;
  weights: Float32Array[];
  lines: string[];
}

async function train(options: FitOptions, model: Model = tinyModel(3)): Promise<Run> {
  const lines: string[] = [];
  const result = await fit(model, tinyData(50), {
    epochs: 3,
    batchSize: 8, // 50 images: six batches of 8 and one of 2
    learningRate: 0.01,
    trainableScopes: ["tiny/fc7", "tiny/fc8"],
    progress: false,
    seed: 5,
    log: (l) => lines.push(l),
    ...options,
  });
  const weights = model.store.list().map((v) => v.variable.dataSync().slice() as Float32Array);
  model.store.dispose();
  return { result, weights, lines };
}

function assertSameRun(a: Run, b: Run, what: string) {
  assert.equal(a.result.history.length, b.result.history.length);
  a.result.history.forEach((r, i) => {
    const s = b.result.history[i];
    assert.ok(
      Object.is(r.loss, s.loss) && Object.is(r.accuracy, s.accuracy),
      `${what}: step ${r.step} loss ${r.loss} vs ${s.loss}`,
    );
  });
  a.weights.forEach((w, i) => {
    const j = w.findIndex((v, k) => !Object.is(v, b.weights[i][k]));
    assert.equal(j, -1, `${what}: variable ${i} differs at ${j}`);
  });
}

const BACKENDS = [
  { label: "onednn", start: () => useBackend("onednn", { log: () => {} }), ignore: !oneDnnOr() },
  { label: "wasm", start: () => useBackend("wasm", { onednn: false, log: () => {} }) },
];

for (const backend of BACKENDS) {
  Deno.test({
    name: `feature cache on ${backend.label}: bit-identical losses and weights, prefix once`,
    ignore: backend.ignore,
    fn: () =>
      withTempDir(async (dir) => {
        await backend.start();
        const before = tf.memory().numTensors;
        const plain = await train({ featureCache: false });
        const cached = await train({ featureCache: { dir } });
        assert.equal(tf.memory().numTensors, before, "tensors leaked");
        assertSameRun(plain, cached, "cached vs plain");
        assert.ok(!plain.lines.some((l) => l.includes("frozen")), plain.lines.join("\n"));
        const notice = cached.lines.find((l) => l.startsWith("frozen "));
        assert.match(
          notice ?? "",
          /frozen tiny\/conv1\/conv1_1 … tiny\/conv2\/conv2_1 \(4 layers\)/,
        );
        assert.match(notice!, /computed once per image in epoch 1/);
        const files = [...Deno.readDirSync(dir)].map((e) => e.name);
        assert.equal(files.length, 1, `one features file, no temp: ${files}`);
        // A second run (another trial, a later stage) reads them back: same run again.
        const again = await train({ featureCache: { dir } });
        assert.match(again.lines.find((l) => l.startsWith("frozen ")) ?? "", /read from /);
        assertSameRun(plain, again, "read back vs plain");
        // The last rounds of the weights: rows spilled to the file beyond a tiny budget.
        const spilled = await train({ featureCache: { dir, memoryBytes: 10 * 2 * 2 * 8 * 4 } });
        assertSameRun(plain, spilled, "spilled vs plain");
      }),
  });
}

Deno.test("feature cache: fc8 only caches through fc7's input (the dropout before it ends the prefix)", async () => {
  await useBackend("wasm", { onednn: false, log: () => {} });
  const plain = await train({ featureCache: false, trainableScopes: ["tiny/fc8"] });
  const cached = await train({ featureCache: { keep: false }, trainableScopes: ["tiny/fc8"] });
  assertSameRun(plain, cached, "fc8 only");
  const notice = cached.lines.find((l) => l.startsWith("frozen "));
  assert.match(notice ?? "", /… tiny\/fc7 \(5 layers\).*1×1×16 features/, cached.lines.join("\n"));
  assert.match(notice!, /in memory\)/);
});

/** Counts the images that go through `model`'s first layer. */
function countFirstLayer(model: Model): { images: number } {
  const counter = { images: 0 };
  const layers = (model.forward as Apply).layers as Apply[];
  const first = layers[0];
  layers[0] = Object.assign((x: tf.Tensor4D, ctx: ForwardContext) => {
    counter.images += x.shape[0];
    return first(x, ctx);
  }, first);
  return counter;
}

Deno.test("feature cache: the prefix sees each image once; without it, every epoch", async () => {
  await useBackend("wasm", { onednn: false, log: () => {} });
  const model = tinyModel(3);
  const cached = countFirstLayer(model);
  await train({ featureCache: { keep: false } }, model);
  assert.equal(cached.images, 50 + 1, "each of the 50 images once, plus the one-image shape probe");
  const model2 = tinyModel(3);
  const plain = countFirstLayer(model2);
  await train({ featureCache: false }, model2);
  assert.equal(plain.images, 3 * 50, "without the cache: every image every epoch");
});

Deno.test("feature cache: a damaged or truncated file is recomputed, not used", () =>
  withTempDir(async (dir) => {
    await useBackend("wasm", { onednn: false, log: () => {} });
    const plain = await train({ featureCache: { dir } });
    const [name] = [...Deno.readDirSync(dir)].map((e) => e.name);
    const path = `${dir}/${name}`;
    const bytes = Deno.readFileSync(path);
    bytes[100] ^= 0x40; // one bit of one feature
    Deno.writeFileSync(path, bytes);
    const damaged = await train({ featureCache: { dir } });
    assert.match(damaged.lines.join("\n"), /recomputed \(.*checksum does not match/);
    assertSameRun(plain, damaged, "after a damaged file");
    Deno.truncateSync(path, bytes.length - 100);
    const truncated = await train({ featureCache: { dir } });
    assert.match(truncated.lines.join("\n"), /recomputed \(.*(truncated|bytes where)/);
    assertSameRun(plain, truncated, "after a truncated file");
    // The recomputed file is whole again and is read back.
    const back = await train({ featureCache: { dir } });
    assert.match(back.lines.join("\n"), /read from /);
  }));

Deno.test("feature cache: other weights never read stale features", () =>
  withTempDir(async (dir) => {
    await useBackend("wasm", { onednn: false, log: () => {} });
    await train({ featureCache: { dir } }, tinyModel(3));
    const other = await train({ featureCache: { dir } }, tinyModel(4));
    assert.match(other.lines.join("\n"), /computed once per image/);
    assert.equal([...Deno.readDirSync(dir)].length, 2, "a file per prefix");
  }));

Deno.test("feature cache: augmentation says once that it is off and trains as before", async () => {
  await useBackend("wasm", { onednn: false, log: () => {} });
  const off = await train({ augment: { flip: true }, featureCache: { keep: false } });
  const notices = off.lines.filter((l) => l.includes("frozen"));
  assert.equal(notices.length, 1, off.lines.join("\n"));
  assert.match(notices[0], /not cached: augmentation changes the images/);
  const plain = await train({ augment: { flip: true }, featureCache: false });
  assertSameRun(plain, off, "augmented");
});

Deno.test("feature cache: all-layer training has no prefix and says nothing", async () => {
  await useBackend("wasm", { onednn: false, log: () => {} });
  const all = await train({ trainableScopes: undefined, featureCache: { keep: false } });
  assert.ok(!all.lines.some((l) => l.includes("frozen")), all.lines.join("\n"));
});

Deno.test("feature cache: resuming mid-run reads the stored features", () =>
  withTempDir(async (dir) => {
    await useBackend("wasm", { onednn: false, log: () => {} });
    const whole = await train({ featureCache: false });
    const ckpt = `${dir}/run`;
    const features = { dir: `${dir}/features` };
    await train({ featureCache: features, checkpointDir: ckpt, checkpointEvery: 3, maxSteps: 10 });
    const resumed = await train({ featureCache: features, checkpointDir: ckpt });
    assert.equal(resumed.result.resumedFrom, 10);
    assert.match(resumed.lines.join("\n"), /read from /);
    const tail = whole.result.history.slice(10);
    resumed.result.history.forEach((r, i) =>
      assert.ok(Object.is(r.loss, tail[i].loss), `step ${r.step}: ${r.loss} vs ${tail[i].loss}`)
    );
    whole.weights.forEach((w, i) =>
      assert.deepEqual(w, resumed.weights[i], `variable ${i} after resume`)
    );
  }));

Deno.test("feature cache: validation runs the head on stored features, with the same results", async () => {
  await useBackend("wasm", { onednn: false, log: () => {} });
  const validation = tinyData(23);
  const plain = await train({ featureCache: false, validation });
  const cached = await train({ featureCache: { keep: false }, validation });
  assert.match(cached.lines.join("\n"), /validation: frozen features of 23 images computed once/);
  assert.equal(cached.result.epochs.length, 3);
  assert.deepEqual(cached.result.epochs, plain.result.epochs);
  assertSameRun(plain, cached, "with validation");
});
