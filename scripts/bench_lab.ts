/**
 * The lab's real training configurations (224×224, 10 classes, Adam) for
 * `deno task bench`, each measured in a process of its own, ours and
 * PyTorch's, so that each side's peak RSS is that case's alone.
 *
 * `deno run -A --v8-flags=--expose-gc scripts/bench_lab.ts <case> <seconds>`
 * measures one case here and prints JSON.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { resetTensorPeak, tensorPeakBytes, useBackend } from "../lib/backend/mod.ts";
import { kernelFlops } from "../lib/models/flops.ts";
import { buildModel } from "../lib/models/zoo.ts";
import { FusedAdamOptimizer } from "../lib/ops/mod.ts";
import { createTrainStep } from "../lib/train/step.ts";
import { peakRss } from "../lib/util/memory.ts";
import { toolPath } from "../lib/util/mod.ts";

/** One lab configuration. */
export interface LabCase {
  /** The key in the bench JSON (`cases[].model`, `torch.models[key]`). */
  key: string;
  model: string;
  /** Trainable scopes; all layers when absent. */
  trainable?: string[];
  batch: number;
  /** The PyTorch reference case (tests/reference/torch_lab_bench.py). */
  torch: string;
  /** Input size; default 224 (smaller only in tests). */
  size?: number;
}

const VGG_FC = ["vgg_16/fc6", "vgg_16/fc7", "vgg_16/fc8"];

/** The lab's four configurations, then MobileNet-V1 and Inception-V3 at native size. */
export const LAB_CASES: readonly LabCase[] = [
  {
    key: "vgg_16@224/fc6-fc8/b32",
    model: "vgg_16",
    trainable: VGG_FC,
    batch: 32,
    torch: "vgg16-fc:32",
  },
  {
    key: "vgg_16@224/fc6-fc8/b100",
    model: "vgg_16",
    trainable: VGG_FC,
    batch: 100,
    torch: "vgg16-fc:100",
  },
  { key: "vgg_16@224/all/b8", model: "vgg_16", batch: 8, torch: "vgg16-all:8" },
  { key: "resnet_v1_50@224/all/b32", model: "resnet_v1_50", batch: 32, torch: "resnet50-all:32" },
  // The other families at their native sizes. torchvision has no MobileNet-V1: its closest
  // model, mobilenet_v2 (depthwise convolutions too), is the reference.
  {
    key: "mobilenet_v1@224/all/b32",
    model: "mobilenet_v1",
    batch: 32,
    torch: "mobilenet_v2-all:32",
  },
  {
    key: "inception_v3@299/all/b16",
    model: "inception_v3",
    batch: 16,
    torch: "inception_v3-all:16:299",
    size: 299,
  },
];

/** What one case measured on our side. */
export interface LabResult {
  key: string;
  backend: string;
  trainImagesPerSecond: number;
  steps: number;
  /** Mean step time of the measured steps. */
  stepMs: number;
  /** Convolution and matmul FLOPs of one image's training step (forward + backward). */
  trainFlopsPerImage: number;
  trainGflops: number;
  /** Peak tensor bytes of each measured step (flat when nothing leaks). */
  stepPeakTensorBytes: number[];
  peakRssBytes: number;
}

function stepOf(c: LabCase) {
  const model = buildModel(c.model, { numClasses: 10, inputSize: c.size ?? 224 });
  const step = createTrainStep(model, {
    trainableScopes: c.trainable,
    optimizer: new FusedAdamOptimizer(1e-4),
  });
  return { model, step };
}

function batchOf(n: number, size: number): [tf.Tensor4D, tf.Tensor1D] {
  return [
    tf.randomUniform([n, size, size, 3], -1, 1, "float32", 1) as tf.Tensor4D,
    tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), "int32"),
  ];
}

/** Measures one case in this process. */
export async function measureLabCase(c: LabCase, seconds: number): Promise<LabResult> {
  const info = await useBackend("auto", { log: () => {} });
  // FLOPs per image from one profiled step at batch 1 (shapes only).
  const probe = stepOf(c);
  const [x1, y1] = batchOf(1, c.size ?? 224);
  const profile = await tf.profile(() => void probe.step.run(x1, y1, 0));
  const flopsPerImage = kernelFlops(profile.kernels);
  tf.dispose([x1, y1]);
  probe.step.optimizer.dispose();
  probe.model.store.dispose();

  const { model, step } = stepOf(c);
  const [x, y] = batchOf(c.batch, c.size ?? 224);
  step.run(x, y, 0); // warm-up: primitives, pooled buffers, optimizer slots
  const peaks: number[] = [];
  let steps = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < seconds || steps < 2) {
    resetTensorPeak();
    step.run(x, y, steps + 1);
    peaks.push(tensorPeakBytes() ?? tf.memory().numBytes);
    steps++;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const rate = (steps * c.batch) / elapsed;
  tf.dispose([x, y]);
  step.optimizer.dispose();
  model.store.dispose();
  return {
    key: c.key,
    backend: info.description,
    trainImagesPerSecond: rate,
    steps,
    stepMs: (elapsed * 1000) / steps,
    trainFlopsPerImage: flopsPerImage,
    trainGflops: (flopsPerImage * rate) / 1e9,
    stepPeakTensorBytes: peaks,
    peakRssBytes: peakRss(),
  };
}

/** Runs `cmd` and parses the JSON it prints last; an error message on failure. */
export async function jsonOf(cmd: string, args: string[]): Promise<Record<string, unknown>> {
  try {
    const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
      return { error: err || `exit ${out.code}` };
    }
    return JSON.parse(text);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Measures one case in a fresh process of ours. */
export function ourLabCase(c: LabCase, seconds: number): Promise<Record<string, unknown>> {
  return jsonOf(Deno.execPath(), [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    new URL(import.meta.url).pathname,
    c.key,
    String(seconds),
  ]);
}

/** Measures one case in a fresh PyTorch process. */
export function torchLabCase(c: LabCase, seconds: number): Promise<Record<string, unknown>> {
  const script = new URL("../tests/reference/torch_lab_bench.py", import.meta.url).pathname;
  return jsonOf(toolPath("python"), [script, c.torch, String(seconds)]);
}

if (import.meta.main) {
  const [key, seconds] = Deno.args;
  const c = LAB_CASES.find((l) => l.key === key);
  if (!c) {
    console.error(
      `unknown lab case '${key}': expected one of ${LAB_CASES.map((l) => l.key).join(", ")}`,
    );
    Deno.exit(2);
  }
  console.log(JSON.stringify(await measureLabCase(c, Number(seconds ?? 20))));
}
