/**
 * `deno task bench`: training and inference images/s of a small VGG and of
 * the VGG-16 layout at 32×32 on every available backend and in PyTorch CPU
 * (when Debian's python3-torch is installed), achieved GFLOP/s against the
 * machine's peak; the lab's own sizes (224×224: VGG-16 fc6–fc8 at batch 32
 * and 100, all layers at batch 8, ResNet-V1-50 at batch 32), ours and
 * PyTorch's, each in a process of its own with its peak RSS; checkpoint
 * read vs raw read, the data pipeline's rate and peak RSS. Writes a JSON
 * file so runs can be compared.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendInfo, useBackend } from "../lib/backend/mod.ts";
import { batches } from "../lib/data/batches.ts";
import type { ImageDataset } from "../lib/data/dataset.ts";
import { INFERENCE, type Model, parameterCount } from "../lib/models/model.ts";
import { buildResnetV1 } from "../lib/models/resnet.ts";
import { buildVgg } from "../lib/models/vgg.ts";
import { FusedAdamOptimizer } from "../lib/ops/mod.ts";
import { createTrainStep } from "../lib/train/mod.ts";
import { numberFlag, parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";
import { machineInfo } from "../lib/util/machine.ts";
import { peakRss } from "../lib/util/memory.ts";
import {
  type CheckpointBench,
  countedFlops,
  type FolderBench,
  gflops,
  isMeasured,
  LAB_CASES,
  type LabCase,
  type Measured,
  perSecond,
  runRecord,
  timeRuns,
  type TorchLabRecord,
  type TrainRecord,
} from "../lib/bench/mod.ts";
import { toolPath } from "../lib/util/mod.ts";

const FLAGS = {
  seconds: { type: "string", default: "10", help: "measuring time per case" },
  backends: {
    type: "string",
    default: "onednn,wasm+onednn,wasm,cpu",
    help: "comma-separated: onednn, wasm+onednn, wasm (no oneDNN), cpu, tensorflow",
  },
  "lab-seconds": {
    type: "string",
    default: "20",
    help: "measuring time per lab-size case (224×224; at least 2 steps each)",
  },
  "skip-lab": { type: "boolean", help: "skip the lab-size cases (several minutes)" },
  "skip-torch": { type: "boolean", help: "do not run the PyTorch reference" },
  "skip-checkpoint": { type: "boolean", help: "skip the 553 MB checkpoint read benchmark" },
  "skip-folders": {
    type: "boolean",
    help: "skip the streamed image-folder pipeline (generates 25,000 JPEGs once)",
  },
  folders: {
    type: "string",
    default: "5000,20000",
    help: "image-folder sizes for the streamed pipeline",
  },
  out: { type: "string", default: "out/bench", help: "folder for the JSON results" },
} as const;

const HELP = usage(
  "deno task bench [options]",
  "Benchmark training, inference, checkpoint reads and the data pipeline.",
  FLAGS,
);

const MODELS: Record<string, () => Model> = {
  small_vgg: () => buildVgg("small", { numClasses: 10, inputSize: 32, seed: 1 }),
  "vgg_16@32": () => buildVgg("D", { numClasses: 10, inputSize: 32, seed: 1 }),
};

interface Case {
  backend: string;
  model: string;
  batch: number;
  trainImagesPerSecond: number | null;
  inferImagesPerSecond: number | null;
  trainGflops: number | null;
  inferGflops: number | null;
  note?: string;
  /** Lab-size cases: the measuring process's peak RSS and each step's peak tensor bytes. */
  peakRssBytes?: number;
  stepPeakTensorBytes?: number[];
}

/** Bench names of backends and how to start each. */
const BENCH_BACKENDS: Record<string, () => Promise<BackendInfo>> = {
  onednn: () => useBackend("onednn"),
  "wasm+onednn": async () => {
    const info = await useBackend("wasm", { onednn: true });
    if (!info.description.includes("oneDNN")) throw new Error(info.description);
    return info;
  },
  wasm: () => useBackend("wasm", { onednn: false }),
  cpu: () => useBackend("cpu"),
  tensorflow: () => useBackend("tensorflow"),
};

async function measure(backend: string, name: string, seconds: number): Promise<Case> {
  await BENCH_BACKENDS[backend]();
  const model = MODELS[name]();
  // The plain-JS cpu backend needs minutes per training batch of 64: measure it on 4 images.
  const slowCpu = backend === "cpu";
  const batch = slowCpu ? 4 : 64;
  const x = tf.randomNormal([batch, 32, 32, 3]) as tf.Tensor4D;
  const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), "int32");
  const forward = () => tf.tidy(() => model.logits(x, INFERENCE).dataSync());
  const inferFlops = (await countedFlops(forward)) / batch;
  const infer = perSecond(await timeRuns(forward, { seconds: seconds / 2 }), batch);
  let train: number | null = null;
  let trainFlops = 0;
  let note: string | undefined;
  if (slowCpu && name !== "small_vgg") {
    note = "training skipped: the stock cpu filter gradient needs hours";
  } else {
    const step = createTrainStep(model, { optimizer: new FusedAdamOptimizer(1e-3) });
    const run = () => step.run(x, y);
    trainFlops = (await countedFlops(run)) / batch;
    train = perSecond(await timeRuns(run, { seconds, minRuns: slowCpu ? 1 : 2 }), batch);
    step.optimizer.dispose();
    if (slowCpu) note = "batch 4";
  }
  model.store.dispose();
  tf.dispose([x, y]);
  return {
    backend,
    model: name,
    batch,
    trainImagesPerSecond: train,
    inferImagesPerSecond: infer,
    trainGflops: train === null ? null : gflops(trainFlops, train),
    inferGflops: gflops(inferFlops, infer),
    note,
  };
}

/** What `scripts/torch/bench.py` prints: PyTorch's rates per small model (lab cases added later). */
interface TorchReference {
  models?: Record<string, { train: number; infer?: number }>;
  error?: string;
  [key: string]: unknown;
}

function torchReference(seconds: number): Promise<Measured<TorchReference>> {
  const script = new URL("./torch/bench.py", import.meta.url).pathname;
  return runRecord(toolPath("python"), [script, String(seconds)]);
}

async function pipelineRate(seconds: number, size: number): Promise<number> {
  const n = 2048;
  const ds: ImageDataset = {
    images: Uint8Array.from({ length: n * 3072 }, (_, i) => (i * 7) % 256),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    height: 32,
    width: 32,
    channels: 3,
    classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
  };
  const augment = { flip: true, cropPadding: 4 };
  let epoch = 0;
  const epochOf = () => batches(ds, { batchSize: 64, size, seed: 1, epoch: epoch++, augment });
  let it = epochOf();
  let images = 0;
  const timing = await timeRuns(() => {
    let next = it.next();
    if (next.done) next = (it = epochOf()).next();
    const b = next.value!;
    b.images.dataSync(); // force the work
    images += b.labels.shape[0];
    tf.dispose([b.images, b.labels]);
  }, { seconds, warmup: 0 });
  return images / timing.seconds;
}

/** Forward time per image for the lab's full-size models, and their memory. */
async function forwardTimes(seconds: number) {
  const out: {
    model: string;
    size: number;
    msPerImage: number;
    weightMiB: number;
    peakTensorMiB: number;
  }[] = [];
  const builders: [string, (size: number) => Model][] = [
    ["vgg_16", (size) => buildVgg("D", { numClasses: 1000, inputSize: size })],
    [
      "resnet_v1_50",
      (size) => buildResnetV1("resnet_v1_50", { numClasses: 1000, inputSize: size }),
    ],
  ];
  for (const [name, build] of builders) {
    for (const size of [224, 32]) {
      const model = build(size);
      const weightBytes = parameterCount(model) * 4;
      const batch = size === 224 ? 4 : 64;
      const x = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
      let peak = 0;
      const timing = await timeRuns(() =>
        tf.tidy(() => {
          const y = model.logits(x, INFERENCE);
          peak = Math.max(peak, tf.memory().numBytes);
          y.dataSync();
        }), { seconds: seconds / 4, minRuns: 1 });
      out.push({
        model: name,
        size,
        msPerImage: 1000 / perSecond(timing, batch),
        weightMiB: weightBytes / 2 ** 20,
        peakTensorMiB: peak / 2 ** 20,
      });
      model.store.dispose();
      x.dispose();
    }
  }
  return out;
}

/** The lab-size cases, ours then PyTorch's, one fresh process each (each peak RSS its own). */
async function labSizes(seconds: number, withTorch: boolean) {
  const out: {
    key: string;
    batch: number;
    ours: Measured<TrainRecord>;
    torch: Measured<TorchLabRecord>;
  }[] = [];
  for (const c of LAB_CASES) {
    console.error(`measuring ${c.key} (ours, then PyTorch) ...`);
    const ours = await ourLabCase(c, seconds);
    const torch = withTorch ? await torchLabCase(c, seconds) : { error: "skipped" };
    out.push({ key: c.key, batch: c.batch, ours, torch });
  }
  return out;
}

function ourLabCase(c: LabCase, seconds: number): Promise<Measured<TrainRecord>> {
  return subBench("./bench_lab.ts", [c.key, String(seconds)]);
}

function torchLabCase(c: LabCase, seconds: number): Promise<Measured<TorchLabRecord>> {
  const script = new URL("./torch/lab_bench.py", import.meta.url).pathname;
  return runRecord(toolPath("python"), [script, c.torch, String(seconds)]);
}

/** Runs a sub-bench (`bench_lab.ts`, `bench_folders.ts`, …) in a process of its own. */
function subBench<T>(script: string, args: string[]): Promise<Measured<T>> {
  return runRecord(Deno.execPath(), [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    new URL(script, import.meta.url).pathname,
    ...args,
  ]);
}

function gib(bytes: unknown): string {
  return typeof bytes === "number" ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : "-";
}

function fmt(v: number | null | undefined, digits = 1): string {
  return typeof v !== "number" ? "-" : v.toFixed(digits);
}

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  const seconds = numberFlag(values, "seconds", { min: 0.1 });
  const backends = String(values.backends).split(",").map((s) => s.trim()).filter(Boolean);
  for (const b of backends) {
    if (!(b in BENCH_BACKENDS)) {
      throw new UsageError(
        `--backends: unknown backend '${b}' (expected ${Object.keys(BENCH_BACKENDS).join(", ")})`,
      );
    }
  }
  const machine = machineInfo();
  console.log(
    `machine: ${machine.model}, ${machine.cores} cores @ ${machine.mhz} MHz; fp32 peak ${
      machine.peakGflops.toFixed(0)
    } GFLOP/s (${machine.formula})`,
  );
  const cases: Case[] = [];
  const descriptions: Record<string, string> = {};
  for (const backend of backends) {
    try {
      descriptions[backend] = (await BENCH_BACKENDS[backend]()).description;
    } catch (err) {
      console.error(`${backend}: not measured: ${(err as Error).message}`);
      continue;
    }
    console.log(`${backend}: ${descriptions[backend]}`);
    for (const name of Object.keys(MODELS)) {
      console.error(`measuring ${name} on ${backend} ...`);
      cases.push(await measure(backend, name, seconds));
    }
  }
  const torch: TorchReference = values["skip-torch"]
    ? { error: "skipped" }
    : await torchReference(seconds);
  const lab = values["skip-lab"]
    ? []
    : await labSizes(numberFlag(values, "lab-seconds", { min: 1 }), !values["skip-torch"]);
  for (const l of lab) {
    if (isMeasured(l.ours)) {
      cases.push({
        backend: "onednn",
        model: l.key,
        batch: l.batch,
        trainImagesPerSecond: l.ours.trainImagesPerSecond,
        inferImagesPerSecond: null,
        trainGflops: l.ours.trainGflops,
        inferGflops: null,
        peakRssBytes: l.ours.peakRssBytes,
        stepPeakTensorBytes: l.ours.stepPeakTensorBytes,
      });
    }
    if (isMeasured(l.torch) && torch.models) torch.models[l.key] = l.torch;
  }
  const forwardBackend = (await useBackend("wasm", { log: () => {} })).description;
  const pipeline = {
    "32->32": await pipelineRate(seconds / 2, 32),
    "32->224": await pipelineRate(seconds / 2, 224),
  };
  const forward = await forwardTimes(seconds);
  const checkpointRun = values["skip-checkpoint"]
    ? undefined
    : await subBench<CheckpointBench>("./bench_checkpoint.ts", []);
  if (checkpointRun && !isMeasured(checkpointRun)) {
    console.error(`checkpoint read: not measured: ${checkpointRun.error}`);
  }
  const checkpoint = checkpointRun && isMeasured(checkpointRun) ? checkpointRun : null;
  const folderRun = values["skip-folders"]
    ? undefined
    : await subBench<{ rows: FolderBench[]; lines: string[] }>("./bench_folders.ts", [
      "--images",
      String(values.folders),
      "--json",
      ...(values["skip-torch"] ? ["--skip-torch"] : []),
    ]);
  if (folderRun && !isMeasured(folderRun)) {
    console.error(`image folders: not measured: ${folderRun.error}`);
  }
  const folders = folderRun && isMeasured(folderRun) ? folderRun : { rows: [], lines: [] };

  console.log(
    `\n${"backend".padEnd(13)}${"model".padEnd(12)}${"train img/s".padStart(12)}${
      "infer img/s".padStart(12)
    }${"train GFLOP/s".padStart(15)}${"% peak".padStart(8)}${"vs torch".padStart(10)}`,
  );
  for (const c of cases) {
    const ref = torch.models?.[c.model]?.train as number | undefined;
    const ratio = ref && c.trainImagesPerSecond
      ? `${(c.trainImagesPerSecond / ref).toFixed(2)}×`
      : "-";
    const pct = c.trainGflops === null
      ? "-"
      : `${((100 * c.trainGflops) / machine.peakGflops).toFixed(1)}%`;
    console.log(
      `${c.backend.padEnd(13)}${c.model.padEnd(12)}${fmt(c.trainImagesPerSecond).padStart(12)}${
        fmt(c.inferImagesPerSecond).padStart(12)
      }` +
        `${fmt(c.trainGflops).padStart(15)}${pct.padStart(8)}${ratio.padStart(10)}${
          c.note ? `  (${c.note})` : ""
        }`,
    );
  }
  if (torch.models) {
    for (
      const [name, r] of Object.entries(
        torch.models as Record<string, { train: number; infer: number }>,
      )
    ) {
      console.log(
        `${"pytorch".padEnd(13)}${name.padEnd(12)}${fmt(r.train).padStart(12)}${
          fmt(r.infer).padStart(12)
        }`,
      );
    }
  } else console.log(`pytorch: ${torch.error}`);
  if (lab.length > 0) {
    console.log(`\nlab sizes (224×224, 10 classes, Adam), each side in its own process:`);
    console.log(
      `${"case".padEnd(27)}${"ours img/s".padStart(11)}${"torch img/s".padStart(12)}${
        "ratio".padStart(8)
      }${"GFLOP/s".padStart(9)}${"% peak".padStart(8)}${"our RSS".padStart(11)}${
        "torch RSS".padStart(11)
      }${"step peak tensors".padStart(19)}`,
    );
    for (const l of lab) {
      const o = isMeasured(l.ours) ? l.ours : undefined;
      const t = isMeasured(l.torch) ? l.torch : undefined;
      const ours = o?.trainImagesPerSecond;
      const ref = t?.train;
      const gflops = o?.trainGflops;
      const peaks = o?.stepPeakTensorBytes ?? [];
      const flat = peaks.length > 0 && Math.min(...peaks) === Math.max(...peaks);
      console.log(
        `${l.key.padEnd(27)}${fmt(ours ?? null, 2).padStart(11)}${
          fmt(ref ?? null, 2).padStart(12)
        }${(ours && ref ? `${(ours / ref).toFixed(2)}×` : "-").padStart(8)}${
          fmt(gflops ?? null).padStart(9)
        }${(gflops ? `${((100 * gflops) / machine.peakGflops).toFixed(1)}%` : "-").padStart(8)}${
          gib(o?.peakRssBytes).padStart(11)
        }${gib(t?.peakRssBytes).padStart(11)}${
          `${gib(Math.max(...peaks, 0))}${flat ? " flat" : " varies"}`.padStart(19)
        }${"error" in l.ours ? `  ours: ${l.ours.error}` : ""}${
          "error" in l.torch ? `  torch: ${l.torch.error}` : ""
        }`,
      );
    }
  }
  console.log(
    `\ndata pipeline (uint8 → augment → resize → normalise), batch 64: 32→32 ${
      pipeline["32->32"].toFixed(0)
    } img/s, 32→224 ${pipeline["32->224"].toFixed(0)} img/s`,
  );
  if (folders.rows.length > 0) {
    console.log(
      `\nstreamed image folders (JPEG 256–500 px → 224, flip, normalise; batch 100; ` +
        `PyTorch: ImageFolder + DataLoader with 2 workers):`,
    );
    for (const line of folders.lines) console.log(line);
    const training = lab.flatMap((l) =>
      isMeasured(l.ours) ? [[l.key, l.ours.trainImagesPerSecond] as const] : []
    );
    if (training.length > 0) {
      console.log(
        `the lab's training steps here take ${
          training.map(([k, v]) => `${k} ${(v as number).toFixed(1)}`).join(", ")
        } img/s: the pipeline is not what limits them`,
      );
    }
  }
  if (checkpoint) {
    console.log(
      `checkpoint read (VGG-16 V1, ${(checkpoint.fileBytes / 1e6).toFixed(0)} MB): ${
        checkpoint.readMBps.toFixed(0)
      } MB/s vs raw read ${checkpoint.rawMBps.toFixed(0)} MB/s ` +
        `(${(checkpoint.ratio * 100).toFixed(0)}%), peak RSS ${
          (checkpoint.peakRssBytes / 2 ** 20).toFixed(0)
        } MiB = ${checkpoint.peakOverTensorBytes.toFixed(2)}× tensor bytes`,
    );
  }
  console.log(`\nforward on ${forwardBackend} (inference, 1000 classes):`);
  for (const f of forward) {
    console.log(
      `  ${f.model.padEnd(13)} ${String(f.size).padStart(3)}×${f.size}: ${
        f.msPerImage.toFixed(1).padStart(7)
      } ms/image, ` +
        `tensor memory ${f.peakTensorMiB.toFixed(0)} MiB peak (weights ${
          f.weightMiB.toFixed(0)
        } MiB)`,
    );
  }
  const rss = peakRss();
  console.log(`peak RSS of this run: ${(rss / 2 ** 20).toFixed(0)} MiB`);
  const result = {
    date: new Date().toISOString(),
    machine,
    backends: descriptions,
    forwardBackend,
    cases,
    torch,
    lab,
    pipeline,
    forward,
    checkpoint,
    folders: folders.rows,
    peakRssBytes: rss,
  };
  await Deno.mkdir(String(values.out), { recursive: true });
  const path = `${values.out}/bench-${result.date.replace(/[:.]/g, "-")}.json`;
  await Deno.writeTextFile(path, JSON.stringify(result, null, 2));
  console.log(`results: ${path}`);
}

if (import.meta.main) await runMain(main, HELP);
