/**
 * The lab's real training configurations (224×224, 10 classes, Adam) and
 * how one is measured in this process: counted FLOPs from a profiled step at
 * batch 1, then timed steps with each step's tensor peak. `deno task bench`
 * runs each case in a process of its own (`scripts/bench_lab.ts`), ours and
 * PyTorch's, so each side's peak RSS is that case's alone.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { resetTensorPeak, tensorPeakBytes, useBackend } from "../backend/mod.ts";
import { buildModel } from "../models/mod.ts";
import { FusedAdamOptimizer } from "../ops/mod.ts";
import { createTrainStep } from "../train/mod.ts";
import { peakRss } from "../util/mod.ts";
import { countedFlops } from "./flops.ts";
import { type TrainRecord, trainRecord } from "./records.ts";
import { timeRuns } from "./timing.ts";

/** One lab configuration. */
export interface LabCase {
  /** The key in the bench JSON (`cases[].model`, `torch.models[key]`). */
  key: string;
  model: string;
  /** Trainable scopes; all layers when absent. */
  trainable?: string[];
  batch: number;
  /** The PyTorch reference case (scripts/torch/lab_bench.py). */
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
export async function measureLabCase(c: LabCase, seconds: number): Promise<TrainRecord> {
  const info = await useBackend("auto", { log: () => {} });
  // FLOPs per image from one profiled step at batch 1 (shapes only).
  const probe = stepOf(c);
  const [x1, y1] = batchOf(1, c.size ?? 224);
  const flopsPerImage = await countedFlops(() => probe.step.run(x1, y1, 0));
  tf.dispose([x1, y1]);
  probe.step.optimizer.dispose();
  probe.model.store.dispose();

  const { model, step } = stepOf(c);
  const [x, y] = batchOf(c.batch, c.size ?? 224);
  const peaks: number[] = [];
  // Warm-up (run 0): primitives, pooled buffers, optimizer slots.
  const timing = await timeRuns((i) => {
    resetTensorPeak();
    step.run(x, y, i);
    if (i > 0) peaks.push(tensorPeakBytes() ?? tf.memory().numBytes);
  }, { seconds });
  tf.dispose([x, y]);
  step.optimizer.dispose();
  model.store.dispose();
  return {
    ...trainRecord(
      { key: c.key, backend: info.description, batch: c.batch },
      timing,
      flopsPerImage,
    ),
    stepPeakTensorBytes: peaks,
    peakRssBytes: peakRss(),
  };
}

/** What PyTorch's side of a lab case printed (`scripts/torch/lab_bench.py`). */
export interface TorchLabRecord {
  /** Training images per second. */
  train: number;
  /** Its process's peak RSS. */
  peakRssBytes?: number;
}
