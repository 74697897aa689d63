import assert from "node:assert/strict";
import { classCounts, type ImageFiles } from "../../lib/data/dataset.ts";
import { splitImageFiles } from "../../lib/data/split_file.ts";
import { epochOrder } from "../../lib/data/batches.ts";
import { inverseFrequencyWeights } from "../../lib/train/losses.ts";
import { tempDir } from "../helpers/temp.ts";

function files(counts: number[], root = "/data/wbc"): ImageFiles {
  const paths: string[] = [], labels: number[] = [];
  counts.forEach((n, c) => {
    for (let i = 0; i < n; i++) [paths.push(`${root}/c${c}/${i}.png`), labels.push(c)];
  });
  return {
    files: paths,
    labels: Int32Array.from(labels),
    classNames: counts.map((_, c) => `c${c}`),
    height: 8,
    width: 8,
    channels: 3,
    resize: "stretch",
    skipBadImages: false,
    root,
  };
}

Deno.test("a split is stratified by file, saved, and reused exactly (even after new files appear)", async () => {
  const dir = await tempDir();
  const file = `${dir}/split.json`;
  const ds = files([40, 10, 3]);
  const first = await splitImageFiles(ds, { file, testFraction: 0.2, seed: 5, log: () => {} });
  assert.deepEqual(classCounts(first.test), [8, 2, 1]);
  assert.equal(first.train.files.length + first.test.files.length, 53);
  assert.ok(first.test.files.every((f) => !first.train.files.includes(f)));
  const saved = JSON.parse(await Deno.readTextFile(file));
  assert.equal(saved.test.length, 11);
  assert.ok(saved.test[0].startsWith("c0/"), "paths relative to the folder");
  const notes: string[] = [];
  const grown = files([41, 10, 3]);
  const again = await splitImageFiles(grown, { file, seed: 99, log: (l) => notes.push(l) });
  assert.deepEqual(again.test.files, first.test.files);
  assert.deepEqual(again.train.files, first.train.files);
  assert.match(notes[0], /1 files of \/data\/wbc are new since the split and left out/);
  await assert.rejects(
    splitImageFiles(files([30, 10, 3]), { file, log: () => {} }),
    /lists \/data\/wbc\/c0\/3\d\.png, which is not in the folder any more/,
  );
  await Deno.writeTextFile(file, "[1, 2]");
  await assert.rejects(splitImageFiles(ds, { file }), /split\.json: not a split file/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a split that leaves a class without test images is refused, naming the class", async () => {
  await assert.rejects(
    splitImageFiles(files([10, 1]), {}),
    /leaves no test image for c1 \(a class needs at least 2 images\)/,
  );
});

Deno.test("class-balanced sampling and class weights work on streamed datasets (labels only)", () => {
  const ds = files([900, 90, 10]);
  const order = epochOrder(ds, { batchSize: 10, sampler: "balanced", seed: 1 });
  const drawn = [0, 0, 0];
  for (const i of order) drawn[ds.labels[i]]++;
  for (const n of drawn) assert.ok(n > 250 && n < 420, `balanced draws: ${drawn}`);
  const w = inverseFrequencyWeights(classCounts(ds));
  assert.ok(w[2] > w[1] && w[1] > w[0]);
});
