import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backend/mod.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { batchStream, skippedImages } from "../../lib/data/batch_stream.ts";
import { type Batch, batches } from "../../lib/data/batches.ts";
import { indexImageFolder } from "../../lib/data/image_files.ts";
import { loadImageFolder } from "../../lib/data/image_folder.ts";
import { STANDARDIZED_PREPROCESSING } from "../../lib/data/preprocess.ts";
import { buildVgg } from "../../lib/models/vgg.ts";
import { evaluate, evaluateAsync } from "../../lib/train/evaluate.ts";
import { fit } from "../../lib/train/fit.ts";
import { havePil, writeImageFolder } from "../helpers/image_folder.ts";
import { tempDir } from "../helpers/temp.ts";

const ignore = !havePil();
const opts = { ignore, sanitizeResources: false, sanitizeOps: false };

async function collect(stream: AsyncIterable<Batch> | Iterable<Batch>) {
  const out: { indices: number[]; labels: number[]; images: Float32Array }[] = [];
  for await (const b of stream) {
    out.push({
      indices: Array.from(b.indices),
      labels: Array.from(b.labels.dataSync()),
      images: b.images.dataSync() as Float32Array,
    });
    tf.dispose([b.images, b.labels]);
  }
  return out;
}

let folder: string | undefined;
globalThis.addEventListener("unload", () => {
  if (folder) Deno.removeSync(folder, { recursive: true });
});
async function sharedFolder(): Promise<string> {
  if (folder) return folder;
  folder = await tempDir();
  await writeImageFolder(folder, { classes: [["eos", 9], ["lym", 4], ["neu", 14]] });
  return folder;
}

for (const backend of ["cpu", ...(oneDnnOr() ? ["onednn" as const] : [])] as const) {
  Deno.test({
    name:
      `[${backend}] streaming yields exactly the eager load's batches (same order, pixels, augmentation)`,
    ...opts,
  }, async () => {
    await useBackend(backend);
    const root = await sharedFolder();
    const eager = await loadImageFolder(root, { size: [20, 20] });
    const files = await indexImageFolder(root, { size: 20, log: () => {}, progress: false });
    for (const augment of [undefined, { flip: true, cropPadding: 2 }]) {
      const o = {
        batchSize: 8,
        seed: 3,
        epoch: 2,
        augment,
        preprocessing: STANDARDIZED_PREPROCESSING,
      };
      const want = await collect(batches(eager, o));
      const got = await collect(batchStream(files, { ...o, prefetch: 3 }));
      assert.equal(got.length, 4);
      assert.deepEqual(got.map((b) => b.indices), want.map((b) => b.indices));
      assert.deepEqual(got.map((b) => b.labels), want.map((b) => b.labels));
      got.forEach((b, i) => assert.deepEqual(b.images, want[i].images, `batch ${i}`));
    }
  });
}

Deno.test({
  name: "resume mid-epoch continues with the same batches; random crops are fixed by (seed, epoch)",
  ...opts,
}, async () => {
  await useBackend("cpu");
  const root = await sharedFolder();
  const files = {
    ...(await indexImageFolder(root, { size: 16, log: () => {}, progress: false })),
    resize: "random-crop" as const,
  };
  const o = { batchSize: 5, seed: 1, epoch: 0, augment: { flip: true } };
  const full = await collect(batchStream(files, o));
  const tail = await collect(batchStream(files, { ...o, skipBatches: 3 }));
  assert.deepEqual(tail, full.slice(3));
  const again = await collect(batchStream(files, o));
  assert.deepEqual(again, full, "deterministic with parallel decoding");
  const other = await collect(batchStream(files, { ...o, epoch: 1 }));
  assert.notDeepEqual(other.map((b) => b.images), full.map((b) => b.images));
});

Deno.test({
  name: "an unreadable image stops with its path, or is dropped and listed with skipBadImages",
  ...opts,
}, async () => {
  await useBackend("cpu");
  const root = await tempDir();
  await writeImageFolder(root, { classes: [["a", 3], ["b", 3]], corrupt: true });
  const files = await indexImageFolder(root, { size: 12, log: () => {}, progress: false });
  await assert.rejects(
    collect(batchStream(files, { batchSize: 4, sampler: "sequential" })),
    new RegExp(`${root}/a/broken\\.jpg: cannot decode image`),
  );
  const lenient = { ...files, skipBadImages: true };
  const got = await collect(batchStream(lenient, { batchSize: 4, sampler: "sequential" }));
  assert.equal(got.flatMap((b) => b.indices).length, 6, "7 files, one dropped");
  assert.deepEqual(skippedImages(lenient), [`${root}/a/broken.jpg`]);
  await Deno.remove(root, { recursive: true });
});

Deno.test({
  name: "memory stays flat over a streamed epoch; fit and evaluate take streamed datasets",
  ...opts,
}, async () => {
  await useBackend("cpu");
  const root = await sharedFolder();
  const files = await indexImageFolder(root, { size: 16, log: () => {}, progress: false });
  const before = tf.memory().numTensors;
  let peak = 0;
  for await (const b of batchStream(files, { batchSize: 4 })) {
    peak = Math.max(peak, tf.memory().numTensors - before);
    tf.dispose([b.images, b.labels]);
  }
  assert.equal(peak, 2, "one batch of tensors at a time");
  assert.equal(tf.memory().numTensors, before);
  const model = buildVgg({ scope: "t", blocks: [[4], [8]], fcUnits: [8] }, {
    numClasses: 3,
    inputSize: 16,
    preprocessing: STANDARDIZED_PREPROCESSING,
  });
  const r = await fit(model, files, {
    batchSize: 8,
    epochs: 2,
    progress: false,
    log: () => {},
    validation: files,
  });
  assert.equal(r.step, 8);
  assert.ok(r.history.every((h) => Number.isFinite(h.loss)));
  assert.equal(r.epochs.length, 2);
  const streamed = await evaluateAsync(model, files);
  const eager = evaluate(model, await loadImageFolder(root, { size: [16, 16] }));
  assert.deepEqual(streamed.confusion, eager.confusion, "same images, same predictions");
  model.store.dispose();
});
