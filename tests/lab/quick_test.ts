import assert from "node:assert/strict";
import { loadCifar } from "../../lib/data/cifar.ts";
import { classCounts } from "../../lib/data/dataset.ts";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { openWeights } from "../../lib/io/open_weights.ts";
import { decodeImageFile, indexImageFolder } from "../../lib/data/image_files.ts";
import {
  imbalancedSubset,
  makeQuickCheckpoint,
  makeQuickCifar,
  makeQuickImageFolder,
} from "../../lib/lab/quick.ts";
import { quickExercise } from "../../lib/lab/quick_exercise.ts";
import { buildVgg } from "../../lib/models/vgg.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test("quick CIFAR stand-in: a real CIFAR-10 binary folder of padded Fashion-MNIST images", async () => {
  const dir = await tempDir();
  const root = await makeQuickCifar(dir, { perClass: 3, testPerClass: 2 });
  assert.match(root, /fashion-mnist-as-cifar-10-bin$/, "named as the stand-in it is");
  const train = await loadCifar(root, { split: "train" });
  const test = await loadCifar(root, { split: "test" });
  assert.deepEqual(classCounts(train), new Array(10).fill(3));
  assert.deepEqual(classCounts(test), new Array(10).fill(2));
  assert.deepEqual([train.height, train.width, train.channels], [32, 32, 3]);
  assert.equal(train.classNames[0], "T-shirt/top", "Fashion-MNIST's classes, not CIFAR's");
  // Gray in RGB with a 2-pixel zero border around the 28×28 image.
  const fashion = (await loadFashionMnist()).dataset;
  const first = fashion.labels.indexOf(train.labels[0]);
  const px = (y: number, x: number, c: number) => train.images[(y * 32 + x) * 3 + c];
  assert.equal(px(0, 0, 0), 0);
  assert.equal(px(2 + 10, 2 + 14, 1), fashion.images[first * 784 + 10 * 28 + 14]);
  assert.equal(px(12, 16, 0), px(12, 16, 2));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("quick checkpoint: a TF-Slim-named V1 checkpoint of the model", async () => {
  const dir = await tempDir();
  const model = buildVgg("small", { numClasses: 4, inputSize: 32 });
  const path = await makeQuickCheckpoint(model, `${dir}/small.ckpt`);
  const file = await openWeights(path);
  assert.equal(file.format, "v1");
  assert.deepEqual(
    file.list().map((t) => t.name).sort(),
    model.store.list().map((v) => v.name).sort(),
  );
  file.close();
  model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("imbalancedSubset keeps the asked counts per class, or says it cannot", async () => {
  const fashion = (await loadFashionMnist({ split: "test" })).dataset;
  const sub = imbalancedSubset(fashion, [50, 5, 1]);
  assert.deepEqual(classCounts(sub), [50, 5, 1]);
  assert.equal(sub.classNames.length, 3);
  assert.throws(() => imbalancedSubset(fashion, [5000]), /not enough images for counts 5000/);
});

Deno.test("quick image folder: PNGs per class in label order, as the streaming loader reads them", async () => {
  const dir = await tempDir();
  await makeQuickImageFolder(dir, [3, 2, 1]);
  const ds = await indexImageFolder(dir, { size: 28, log: () => {}, progress: false });
  assert.deepEqual(ds.classNames, ["0_T_shirt_top", "1_Trouser", "2_Pullover"]);
  assert.deepEqual(classCounts(ds), [3, 2, 1]);
  const img = await decodeImageFile({ ...ds, channels: 1 }, 0);
  const fashion = imbalancedSubset((await loadFashionMnist()).dataset, [3, 2, 1]);
  assert.deepEqual(img, fashion.images.subarray(0, 784), "lossless PNG of the first image");
  await Deno.remove(dir, { recursive: true });
});

/** Runs `body` with TL_QUICK set to `value` (or unset), restoring it after. */
async function withQuick(value: string | undefined, body: () => Promise<void>) {
  const before = Deno.env.get("TL_QUICK");
  if (value === undefined) Deno.env.delete("TL_QUICK");
  else Deno.env.set("TL_QUICK", value);
  try {
    await body();
  } finally {
    if (before === undefined) Deno.env.delete("TL_QUICK");
    else Deno.env.set("TL_QUICK", before);
  }
}

Deno.test("quickExercise: leaves the real parameters alone outside quick mode", async () => {
  await withQuick(undefined, async () => {
    const params = { cifar: "../data/cifar-10-binary.tar.gz", epochs: 10, imageSize: 224 };
    const before = structuredClone(params);
    await quickExercise("02", params);
    assert.deepEqual(params, before);
  });
});

Deno.test("quickExercise: in quick mode points the exercise at loadable stand-ins and a short run", async () => {
  await withQuick("1", async () => {
    const params = {
      cifar: "../data/cifar-10-binary.tar.gz",
      epochs: 10,
      imageSize: 224,
      batchSize: 32,
      maxSteps: undefined as number | undefined,
      logEvery: 100,
      out: "../out/exercise2",
      learningRate: 0.001,
    };
    await quickExercise("02", params);
    assert.equal(params.learningRate, 0.001, "what the quick variant does not set is kept");
    assert.deepEqual([params.epochs, params.imageSize, params.maxSteps], [1, 32, 3]);
    assert.match(params.cifar, /fashion-mnist-as-cifar-10-bin$/);
    const train = await loadCifar(params.cifar);
    assert.equal(train.labels.length, 60);
    await Deno.remove(params.cifar.replace(/\/[^/]*$/, ""), { recursive: true });
  });
});

Deno.test("quickExercise: refuses an unknown exercise and params that lack a key it sets", async () => {
  await assert.rejects(
    quickExercise("99", {}),
    /no quick variant for exercise '99' \(expected one of 02, 03/,
  );
  await withQuick("1", async () => {
    await assert.rejects(
      quickExercise("08", { trials: 8, perClass: 300, epochs: 2 }),
      /quickExercise\('08'\): params has no 'testPerClass', 'out', which the quick variant sets/,
    );
  });
});
