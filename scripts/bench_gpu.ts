/**
 * `deno task bench:gpu`: training images/s on a GPU backend (webgpu by
 * default) next to PyTorch on the same machine (CUDA where it has it: fp32
 * with TF32 off, and PyTorch's default), GFLOP/s against the GPU's fp32
 * peak, and a profile of one step (time per kernel). Each case runs in a
 * process of its own. Writes `<out>/gpu.json`.
 *
 * Cases: VGG-16 and ResNet-V1-50 at 224×224 (all layers, batch 32 and 64),
 * small VGG and VGG-16 at 32×32 (batch 64); `--quick` for tiny sizes (tests).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendChoice, useBackend } from "../lib/backend/mod.ts";
import { buildModel, kernelFlops } from "../lib/models/mod.ts";
import { FusedAdamOptimizer } from "../lib/ops/mod.ts";
import {
  createTrainStep,
  type PendingStep,
  readSteps,
  type StepResult,
} from "../lib/train/step.ts";
import { choiceFlag, numberFlag, parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";
import { writeFileAtomic } from "../lib/util/atomic.ts";
import { BACKEND_CHOICES } from "../lib/backend/mod.ts";
import { runRecord, timeRuns, trainRecord } from "../lib/bench/mod.ts";

/** One GPU case: model, input size, batch, and the PyTorch reference's name. */
interface GpuCase {
  key: string;
  model: string;
  size: number;
  batch: number;
  torch: string;
}

const FULL: GpuCase[] = [
  ...[32, 64].map((batch) => ({
    key: `vgg_16@224/all/b${batch}`,
    model: "vgg_16",
    size: 224,
    batch,
    torch: "vgg16",
  })),
  ...[32, 64].map((batch) => ({
    key: `resnet_v1_50@224/all/b${batch}`,
    model: "resnet_v1_50",
    size: 224,
    batch,
    torch: "resnet50",
  })),
  { key: "small_vgg@32/all/b64", model: "small_vgg", size: 32, batch: 64, torch: "small_vgg" },
  { key: "vgg_16@32/all/b64", model: "vgg_16", size: 32, batch: 64, torch: "vgg16@32" },
];

const QUICK: GpuCase[] = [
  { key: "small_vgg@32/all/b8", model: "small_vgg", size: 32, batch: 8, torch: "small_vgg" },
];

const FLAGS = {
  backend: { type: "string", default: "webgpu", help: "our backend to measure" },
  seconds: { type: "string", default: "20", help: "measuring time per case (at least 3 steps)" },
  "peak-tflops": {
    type: "string",
    default: "",
    help: "the GPU's fp32 peak (default: H100/H200 SXM's 67 for NVIDIA H100/H200, else none)",
  },
  python: { type: "string", default: "python3", help: "the Python with PyTorch (CUDA or CPU)" },
  "skip-torch": { type: "boolean", help: "do not run the PyTorch reference" },
  quick: { type: "boolean", help: "one tiny case (what the tests run)" },
  out: { type: "string", default: "out/bench-gpu", help: "folder for gpu.json" },
  case: { type: "string", help: "measure one case in this process and print JSON (internal)" },
} as const;

const HELP = usage("deno task bench:gpu [options]", "GPU training speed next to PyTorch.", FLAGS);

/** Our side of one case: measured in this process. */
async function measure(c: GpuCase, backend: BackendChoice, seconds: number) {
  const info = await useBackend(backend, { log: () => {} });
  const model = buildModel(c.model, { numClasses: 10, inputSize: c.size });
  const step = createTrainStep(model, { optimizer: new FusedAdamOptimizer(1e-4) });
  const x = tf.randomUniform([c.batch, c.size, c.size, 3], -1, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.tensor1d(Array.from({ length: c.batch }, (_, i) => i % 10), "int32");
  // Warm-up: shader compilation, pooled buffers, optimizer slots.
  await readSteps([step.launch(x, y, 0), step.launch(x, y, 1)]);
  // One profiled step: FLOPs from the kernels' shapes, time per kernel.
  const profile = await tf.profile(async () => void await readSteps([step.launch(x, y, 2)]));
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
  }
  const profiled = [...byKernel.values()].reduce((a, b) => a + b, 0);
  const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 10)
    .map(([name, ms]) => ({ name, ms, share: profiled > 0 ? ms / profiled : 0 }));
  const flopsPerStep = kernelFlops(profile.kernels);
  // Timed steps: launched back to back, read eight at a time and at the end (as the loop does).
  const pending: PendingStep[] = [];
  const losses: StepResult[] = [];
  const timing = await timeRuns(async (i) => {
    pending.push(step.launch(x, y, 3 + i));
    if (pending.length >= 8) losses.push(...await readSteps(pending.splice(0)));
  }, {
    seconds,
    minRuns: 3,
    warmup: 0,
    finish: async () => losses.push(...await readSteps(pending)),
  });
  tf.dispose([x, y]);
  step.optimizer.dispose();
  model.store.dispose();
  return {
    ...trainRecord(
      { key: c.key, backend: info.description, batch: c.batch },
      timing,
      flopsPerStep / c.batch,
    ),
    adapter: info.adapter,
    profiledStepMs: profiled,
    topKernels: top,
    lastLoss: losses.at(-1)?.loss,
  };
}

function peakTflops(flag: string, device: string | undefined): number | undefined {
  if (flag) return Number(flag);
  // Datasheet fp32 (non-tensor) peaks of the GPUs this project is lent.
  if (/H200|H100 .*SXM|H100 80GB HBM3/i.test(device ?? "")) return 67;
  return undefined;
}

async function main(args: string[]) {
  const { values: flags } = parseFlags(args, FLAGS);
  const backend = choiceFlag(flags, "backend", BACKEND_CHOICES) as BackendChoice;
  const seconds = numberFlag(flags, "seconds", { min: 0 });
  if (flags.case) {
    const c = [...FULL, ...QUICK].find((x) => x.key === flags.case);
    if (!c) throw new UsageError(`--case: unknown case '${flags.case}'`);
    console.log(JSON.stringify(await measure(c, backend, seconds)));
    return;
  }
  const cases = flags.quick ? QUICK : FULL;
  const torchScript = new URL("./torch/gpu_bench.py", import.meta.url).pathname;
  const rows = [];
  for (const c of cases) {
    const ours: Record<string, unknown> = await runRecord(Deno.execPath(), [
      "run",
      "-A",
      // A bundle (what travels to a GPU machine) carries its packages: no config, no installs.
      ...(import.meta.url.endsWith(".bundle.js") ? ["--no-config"] : []),
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      `--case=${c.key}`,
      `--backend=${flags.backend}`,
      `--seconds=${seconds}`,
    ]);
    const torch: Record<string, unknown> = flags["skip-torch"]
      ? {}
      : await runRecord(String(flags.python), [
        torchScript,
        c.torch,
        String(c.size),
        String(c.batch),
        String(seconds),
      ]);
    const device = (ours.adapter as { device?: string } | undefined)?.device;
    const peak = peakTflops(String(flags["peak-tflops"]), device ?? (torch.device as string));
    const gflops = ours.trainGflops as number | undefined;
    rows.push({
      ...c,
      ours,
      torch,
      peakTflops: peak,
      shareOfPeak: peak && gflops ? gflops / (peak * 1000) : undefined,
      ratioToTorchFp32: ratio(ours, torch, "fp32"),
      ratioToTorchDefault: ratio(ours, torch, "default"),
    });
    console.log(line(rows.at(-1)!));
  }
  const out = `${flags.out}/gpu.json`;
  await Deno.mkdir(String(flags.out), { recursive: true });
  await writeFileAtomic(out, JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  console.log(`wrote ${out}`);
}

function ratio(ours: Record<string, unknown>, torch: Record<string, unknown>, mode: string) {
  const t = (torch[mode] as { train?: number } | undefined)?.train;
  const o = ours.trainImagesPerSecond as number | undefined;
  return t && o ? o / t : undefined;
}

function line(r: { key: string; ours: Record<string, unknown>; torch: Record<string, unknown> }) {
  const f = (v: unknown) => typeof v === "number" ? v.toFixed(1) : String(v ?? "—");
  const t = (m: string) => (r.torch[m] as { train?: number } | undefined)?.train;
  const err = r.ours.error ? ` (ours: ${String(r.ours.error).slice(0, 200)})` : "";
  return `${r.key}: ours ${f(r.ours.trainImagesPerSecond)} img/s (${
    f(r.ours.trainGflops)
  } GFLOP/s), ` +
    `PyTorch fp32 ${f(t("fp32"))}, default ${f(t("default"))}${err}`;
}

if (import.meta.main) await runMain(main, HELP);
