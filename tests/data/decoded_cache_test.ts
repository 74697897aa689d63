import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backend/mod.ts";
import { batchStream } from "../../lib/data/batch_stream.ts";
import type { Batch } from "../../lib/data/batches.ts";
import { cacheDecoded } from "../../lib/data/decoded_cache.ts";
import { indexImageFolder } from "../../lib/data/image_files.ts";
import { splitImageFiles } from "../../lib/data/split_file.ts";
import { havePil, writeImageFolder } from "../helpers/image_folder.ts";
import { tempDir } from "../helpers/temp.ts";

async function images(stream: AsyncIterable<Batch>): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for await (const b of stream) {
    out.push(b.images.dataSync() as Float32Array);
    tf.dispose([b.images, b.labels]);
  }
  return out;
}

Deno.test({
  name: "the decoded cache is filled once, reused, and streams the same batches (splits included)",
  ignore: !havePil(),
  sanitizeResources: false,
}, async () => {
  await useBackend("cpu");
  const root = await tempDir(), dir = await tempDir();
  await writeImageFolder(root, { classes: [["a", 6], ["b", 5]] });
  const files = {
    ...(await indexImageFolder(root, { size: 12, log: () => {}, progress: false })),
    resize: "center-crop" as const,
  };
  const cached = await cacheDecoded(files, { dir, progress: false });
  const [entry] = [...Deno.readDirSync(dir)];
  assert.equal(Deno.statSync(`${dir}/${entry.name}`).size, 11 * 12 * 12 * 3);
  const mtime = Deno.statSync(`${dir}/${entry.name}`).mtime;
  const again = await cacheDecoded(files, { dir, progress: false });
  assert.equal(again.cache!.path, cached.cache!.path);
  assert.deepEqual(Deno.statSync(`${dir}/${entry.name}`).mtime, mtime, "not rewritten");
  const o = { batchSize: 4, seed: 2, augment: { flip: true } };
  assert.deepEqual(await images(batchStream(cached, o)), await images(batchStream(files, o)));
  const a = await splitImageFiles(files, { log: () => {} }),
    b = await splitImageFiles(cached, { log: () => {} });
  assert.deepEqual(await images(batchStream(b.test, o)), await images(batchStream(a.test, o)));
  await assert.rejects(
    cacheDecoded({ ...files, resize: "random-crop" }, { dir }),
    /random crops differ per epoch/,
  );
  await Deno.remove(root, { recursive: true });
  await Deno.remove(dir, { recursive: true });
});
