/**
 * Checkpoint read benchmark: writes a full-size VGG-16 V1 checkpoint (the
 * layout of TF-Slim's vgg_16.ckpt, random values) once into the cache, then
 * in fresh processes measures a plain read of the file and a full read of
 * every tensor into typed arrays, with peak RSS.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../lib/backend/mod.ts";
import type { CheckpointBench } from "../lib/bench/mod.ts";
import { openCheckpoint } from "../lib/io/checkpoint/checkpoint.ts";
import { writeCheckpoint } from "../lib/io/checkpoint/writer.ts";
import { buildVgg } from "../lib/models/vgg.ts";
import { cacheDir } from "../lib/util/cache.ts";
import { peakRss } from "../lib/util/memory.ts";
import { FileReader } from "../lib/util/file_reader.ts";

async function ensureCheckpoint(): Promise<string> {
  const path = `${cacheDir()}/bench/vgg_16.ckpt`;
  try {
    await Deno.stat(path);
    return path;
  } catch { /* write it */ }
  await useBackend("cpu");
  const model = buildVgg("D", { numClasses: 1000, inputSize: 224, seed: 1 });
  const tensors = model.store.list().map((v) => ({
    name: v.name,
    dtype: "float32" as const,
    shape: v.variable.shape,
    data: v.variable.dataSync() as Float32Array,
  }));
  await writeCheckpoint(path, tensors, { format: "v1" });
  model.store.dispose();
  tf.disposeVariables();
  return path;
}

async function child(
  mode: "raw" | "read",
  path: string,
): Promise<{ seconds: number; bytes: number; rss: number }> {
  const t0 = performance.now();
  let bytes = 0;
  if (mode === "raw") {
    // The fastest plain read we know: one read() into one buffer.
    const f = await FileReader.open(path);
    bytes = (await f.read(0, f.size, "file")).length;
    f.close();
  } else {
    const ckpt = await openCheckpoint(path);
    const kept = [];
    for (const t of ckpt.list()) {
      const v = await ckpt.read(t.name);
      kept.push(v);
      bytes += (v.data as Float32Array).byteLength;
    }
    ckpt.close();
  }
  return { seconds: (performance.now() - t0) / 1000, bytes, rss: peakRss() };
}

async function spawn(mode: string, path: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--child", mode, path],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`benchmark child '${mode}' failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Runs the checkpoint read benchmark (best of `repeats`). */
async function benchCheckpointRead(repeats = 3): Promise<CheckpointBench> {
  const path = await ensureCheckpoint();
  const fileBytes = (await Deno.stat(path)).size;
  let raw = Infinity, read = Infinity, rss = 0, tensorBytes = 0;
  for (let i = 0; i < repeats; i++) {
    raw = Math.min(raw, (await spawn("raw", path)).seconds);
    const r = await spawn("read", path);
    read = Math.min(read, r.seconds);
    rss = Math.max(rss, r.rss);
    tensorBytes = r.bytes;
  }
  return {
    file: path,
    fileBytes,
    tensorBytes,
    rawSeconds: raw,
    rawMBps: fileBytes / raw / 1e6,
    readSeconds: read,
    readMBps: fileBytes / read / 1e6,
    ratio: raw / read,
    peakRssBytes: rss,
    peakOverTensorBytes: rss / tensorBytes,
  };
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") {
    console.log(JSON.stringify(await child(Deno.args[1] as "raw" | "read", Deno.args[2])));
  } else {
    console.log(JSON.stringify(await benchCheckpointRead()));
  }
}
