/**
 * The streamed image-folder pipeline for `deno task bench`, side by side
 * with PyTorch's ImageFolder + DataLoader(num_workers=2) on the same folder
 * of real JPEGs (256–500 px, imbalanced classes; generated once with PIL
 * under the cache folder): decode + resize to 224 + flip + normalise,
 * batches of 100, images/s and peak RSS (ours: this process; PyTorch: main
 * process plus workers), at two folder sizes to show that memory does not
 * grow with the folder.
 *
 * `deno run -A scripts/bench_folders.ts [--images 5000,20000] [--measure 2000]`
 *
 * @module
 */
import { useBackend } from "../lib/backend/select.ts";
import { batchStream } from "../lib/data/batch_stream.ts";
import { indexImageFolder } from "../lib/data/image_files.ts";
import { VGG_PREPROCESSING } from "../lib/data/preprocess.ts";
import { cacheDir } from "../lib/util/cache.ts";
import { numberFlag, parseFlags, runMain, usage } from "../lib/util/cli.ts";
import { peakRss } from "../lib/util/memory.ts";
import * as tf from "@tensorflow/tfjs";
import { toolPath } from "../lib/util/mod.ts";
import {
  type FolderBench,
  type FolderStreamRecord,
  runRecord,
  timeRuns,
} from "../lib/bench/mod.ts";

const FLAGS = {
  images: { type: "string", default: "5000,20000", help: "folder sizes (images) to measure" },
  measure: { type: "string", default: "2000", help: "images streamed per measurement" },
  size: { type: "string", default: "224", help: "decoded size" },
  batch: { type: "string", default: "100", help: "batch size" },
  "skip-torch": { type: "boolean", help: "do not run PyTorch's DataLoader" },
  json: { type: "boolean", help: "print {rows, lines} as one JSON line (deno task bench)" },
  child: { type: "string", help: "internal: measure ours on this folder and print JSON" },
} as const;

const HELP = usage(
  "deno run -A scripts/bench_folders.ts [options]",
  "Streamed image-folder pipeline vs PyTorch's DataLoader, on generated JPEG folders.",
  FLAGS,
);

const ROOT = new URL("..", import.meta.url).pathname;

/** The folder of `n` generated JPEGs (made on first use). */
export async function benchFolder(n: number): Promise<string> {
  const root = `${cacheDir()}/bench-folders/${n}`;
  const done = `${root}/.complete`;
  try {
    await Deno.stat(done);
    return root;
  } catch { /* make it */ }
  console.error(`generating ${n} JPEGs in ${root} (once) ...`);
  const res = await new Deno.Command(toolPath("python"), {
    args: [`${ROOT}tests/reference/make_image_folder.py`, root, String(n)],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!res.success) throw new Error(`generating the bench folder failed (python3-pil needed)`);
  await Deno.writeTextFile(done, "");
  return root;
}

async function measureOurs(root: string, size: number, batch: number, measure: number) {
  await useBackend("auto", { log: () => {} });
  const t0 = performance.now();
  const files = await indexImageFolder(root, { size, log: () => {}, progress: false });
  const indexSeconds = (performance.now() - t0) / 1000;
  const stream = batchStream(files, {
    batchSize: batch,
    seed: 1,
    augment: { flip: true },
    preprocessing: VGG_PREPROCESSING,
  });
  const it = stream[Symbol.asyncIterator]();
  let seen = 0;
  // The first batch is the warm-up; then whole batches until `measure` images.
  const timing = await timeRuns(async (i) => {
    const next = await it.next();
    if (next.done) return;
    if (i > 0) seen += next.value.labels.shape[0];
    tf.dispose([next.value.images, next.value.labels]);
  }, { seconds: 0, minRuns: Math.ceil(measure / batch) });
  await it.return?.(undefined);
  return {
    imagesPerSecond: seen / timing.seconds,
    peakRssBytes: peakRss(),
    indexSeconds,
  };
}

/** Measures each folder size, ours and PyTorch's, each in a process of its own. */
async function benchFolders(
  sizes: number[],
  options: { measure?: number; size?: number; batch?: number; torch?: boolean } = {},
): Promise<FolderBench[]> {
  const [measure, size, batch] = [
    options.measure ?? 2000,
    options.size ?? 224,
    options.batch ?? 100,
  ];
  const out: FolderBench[] = [];
  for (const n of sizes) {
    const root = await benchFolder(n);
    const ours = await runRecord<FolderStreamRecord>(Deno.execPath(), [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      "--child",
      root,
      "--measure",
      String(measure),
      "--size",
      String(size),
      "--batch",
      String(batch),
    ]);
    const torch = options.torch === false
      ? { error: "skipped" }
      : await runRecord<FolderStreamRecord>(toolPath("python"), [
        `${ROOT}scripts/torch/folder_bench.py`,
        root,
        String(size),
        String(batch),
        String(measure),
      ]);
    out.push({ images: n, ours, torch });
  }
  return out;
}

/** One table row per folder size. */
export function folderBenchLines(rows: FolderBench[]): string[] {
  const cell = (r: FolderBench["ours"], key: "imagesPerSecond" | "peakRssBytes") =>
    "error" in r
      ? "-"
      : key === "imagesPerSecond"
      ? r.imagesPerSecond.toFixed(0)
      : `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`;
  const lines = [
    `${"folder".padEnd(14)}${"ours img/s".padStart(11)}${"torch img/s".padStart(12)}${
      "ratio".padStart(8)
    }${"our RSS".padStart(10)}${"torch RSS".padStart(11)}`,
  ];
  for (const r of rows) {
    const ratio = "error" in r.ours || "error" in r.torch
      ? "-"
      : `${(r.ours.imagesPerSecond / r.torch.imagesPerSecond).toFixed(2)}×`;
    lines.push(
      `${`${r.images} JPEGs`.padEnd(14)}${cell(r.ours, "imagesPerSecond").padStart(11)}${
        cell(r.torch, "imagesPerSecond").padStart(12)
      }${ratio.padStart(8)}${cell(r.ours, "peakRssBytes").padStart(10)}${
        cell(r.torch, "peakRssBytes").padStart(11)
      }` +
        ("error" in r.ours ? `  ours: ${r.ours.error}` : "") +
        ("error" in r.torch ? `  torch: ${r.torch.error}` : ""),
    );
  }
  return lines;
}

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  const measure = numberFlag(values, "measure", { integer: true, min: 1 });
  const size = numberFlag(values, "size", { integer: true, min: 1 });
  const batch = numberFlag(values, "batch", { integer: true, min: 1 });
  if (values.child) {
    console.log(JSON.stringify(await measureOurs(String(values.child), size, batch, measure)));
    return;
  }
  const sizes = String(values.images).split(",").map(Number);
  const rows = await benchFolders(sizes, { measure, size, batch, torch: !values["skip-torch"] });
  const lines = folderBenchLines(rows);
  if (values.json) console.log(JSON.stringify({ rows, lines }));
  else for (const line of lines) console.log(line);
}

if (import.meta.main) await runMain(main, HELP);
