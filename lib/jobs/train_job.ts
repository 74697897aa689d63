/**
 * A whole training run as one call, as `deno task train` and sweeps' trials
 * run it: load the dataset, build the model, restore a checkpoint except
 * excluded scopes, fit (resumable from `<out>/checkpoints`), evaluate, and
 * write `history.json`, `report.html` and (when finished) `results.json`.
 *
 * @module
 */
import { type BackendChoice, useBackend } from "../backend/mod.ts";
import { STANDARDIZED_PREPROCESSING } from "../data/mod.ts";
import { skippedImages } from "../data/mod.ts";
import { batchesPerEpoch } from "../data/mod.ts";
import { isImageFiles, type ResizeMode } from "../data/mod.ts";
import { loadDatasetSplits } from "../data/mod.ts";
import { takePerClass } from "../data/mod.ts";
import { inScope } from "../models/mod.ts";
import { buildModel, MODEL_NAMES } from "../models/mod.ts";
import { SESSION_PRESETS } from "./session_presets.ts";
import { standaloneReport } from "../report/mod.ts";
import { evaluationSections, summarySection, trainingSections } from "../report/mod.ts";
import { evaluateAsync } from "../train/mod.ts";
import { fit } from "../train/mod.ts";
import type { Sampler } from "../data/mod.ts";
import type { OptimizerName } from "../train/mod.ts";
import { scheduleFromSpec, type ScheduleSpec } from "../train/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";
import { UsageError } from "../util/mod.ts";
import { lockFolder } from "../util/mod.ts";
import { restore } from "../weights/mod.ts";
import { resolveLabCheckpoint, resolveLabDataset } from "./lab_paths.ts";

/** One training run; every field but `model` and `dataset` has the `train` script's default. */
export interface TrainJob {
  /** A zoo name (`small_vgg`, `vgg_16`, `resnet_v1_50`, ...). */
  model: string;
  /** A dataset spec: `fashion-mnist`, `mnist[:dir]`, `cifar10:<path>`, `folder:<path>`. */
  dataset: string;
  /** Model input size; default 32. */
  imageSize?: number;
  /** Image folders: `stretch` (default), `center-crop` or `random-crop` to the input size. */
  resize?: ResizeMode;
  /** Image folders: drop undecodable images (listed at the end) instead of stopping. */
  skipBadImages?: boolean;
  /** Image folders: decode every image once into the decoded cache, for repeated epochs. */
  cacheDecoded?: boolean;
  /** Default: the dataset's. */
  numClasses?: number;
  /** At most this many training images per class. */
  perClass?: number;
  /** At most this many test images per class. */
  testPerClass?: number;
  /** Restore from this checkpoint first. */
  checkpoint?: string;
  /** The session preset the flags came from (`--preset`), if any. */
  preset?: string;
  /** Scopes not restored. */
  exclude?: string[];
  /** Scopes trained; default all. */
  trainable?: string[];
  /** Default `adam`. */
  optimizer?: OptimizerName;
  /** For `momentum` / `rmsprop`. */
  momentum?: number;
  /** Default a constant 0.001. */
  schedule?: ScheduleSpec;
  /** Default 1. */
  epochs?: number;
  /** Stop after this many steps. */
  maxSteps?: number;
  /** Default 64. */
  batch?: number;
  /** L2 weight decay; default the model's. */
  weightDecay?: number;
  /** Label smoothing ε. */
  labelSmoothing?: number;
  /** Clip gradients to this global norm. */
  clipNorm?: number;
  /** Per-class loss weights, or `inverse`. */
  classWeights?: number[] | "inverse";
  /** Focal loss γ. */
  focalGamma?: number;
  /** Model outputs before the dataset's first class (1 for TF-Slim's 1001-class checkpoints). */
  labelsOffset?: number;
  /** Default `shuffle`. */
  sampler?: Sampler;
  /** Random crop (pad 4) and horizontal flip. */
  augment?: boolean;
  /** Default 0. */
  seed?: number;
  /** Default `auto`. */
  backend?: BackendChoice;
  /** Output folder; default `out/train`. */
  out?: string;
  /** Save every N steps as well as each epoch. */
  checkpointEvery?: number;
  /** Checkpoints kept; default 5. */
  keep?: number;
  /** Log a line every N steps; default 0 (none). */
  logEvery?: number;
  /** Delete `out`'s checkpoints and results first and start over (else a changed setting stops). */
  restart?: boolean;
}

/** What a finished (or interrupted) job reports; `results.json` holds it. */
export interface TrainSummary {
  model: string;
  dataset: string;
  steps: number;
  interrupted: boolean;
  testAccuracy: number;
  top5: number;
  balancedAccuracy: number;
  macroF1: number;
  imagesPerSecond: number;
  /** Share of the run spent outside train steps. */
  loopOverhead: number;
  seconds: number;
  lastCheckpoint?: string;
}

/** Runs `job` and writes its outputs under `job.out`; `log` gets the progress lines. */
export async function runTrainJob(
  job: TrainJob,
  options: { log?: (line: string) => void } = {},
): Promise<TrainSummary> {
  const log = options.log ?? ((l: string) => console.log(l));
  if (!MODEL_NAMES.includes(job.model)) {
    throw new UsageError(`--model: expected one of ${MODEL_NAMES.join(", ")}, got '${job.model}'`);
  }
  if (job.exclude && !job.checkpoint) {
    throw new UsageError("--exclude only applies with --checkpoint");
  }
  const out = job.out ?? "out/train";
  // One process per run folder, for the whole job (fit's own lock nests in it).
  const unlock = lockFolder(out);
  try {
    return await runLocked(job, out, log);
  } finally {
    unlock();
  }
}

async function runLocked(
  job: TrainJob,
  out: string,
  log: (line: string) => void,
): Promise<TrainSummary> {
  const batch = job.batch ?? 64;
  const imageSize = job.imageSize ?? 32;
  if (job.restart) await Deno.remove(`${out}/results.json`).catch(() => {});
  if (job.preset) {
    log(`preset ${job.preset}: ${SESSION_PRESETS[job.preset].summary} (docs/sessions.md)`);
  }
  // Lab files by name (`cifar10`, `vgg_16`) come from the shared data folder.
  const dataset = await resolveLabDataset(job.dataset);
  const checkpoint = job.checkpoint && await resolveLabCheckpoint(job.checkpoint);
  const backend = await useBackend(job.backend ?? "auto");
  // An image folder is indexed once and streamed; its split is saved beside the checkpoints.
  let { train, test } = await loadDatasetSplits(dataset, {
    size: imageSize,
    resize: job.resize,
    skipBadImages: job.skipBadImages,
    cacheDecoded: job.cacheDecoded,
    splitFile: `${out}/split.json`,
    log,
  });
  if (job.testPerClass !== undefined) test = takePerClass(test, job.testPerClass);
  if (job.perClass !== undefined) train = takePerClass(train, job.perClass);
  const numClasses = job.numClasses ?? train.classNames.length;
  if (numClasses < train.classNames.length) {
    throw new UsageError(
      `--num-classes ${numClasses} is fewer than the dataset's ${train.classNames.length} classes`,
    );
  }
  // Networks trained from scratch here get unit-scale inputs; restored ones keep the checkpoint's.
  const model = buildModel(job.model, {
    numClasses,
    inputSize: imageSize,
    seed: job.seed ?? 0,
    // A checkpoint brings its family's preprocessing (VGG means, Inception's [-1, 1]).
    preprocessing: checkpoint ? undefined : STANDARDIZED_PREPROCESSING,
  });
  const names = model.store.list().map((v) => v.name);
  for (const s of [...(job.trainable ?? []), ...(job.exclude ?? [])]) {
    if (!names.some((nm) => inScope(nm, s))) {
      throw new UsageError(
        `scope '${s}' matches no variable of ${model.scope} (e.g. ${names.at(-1)})`,
      );
    }
  }
  log(
    `backend: ${backend.description}; model ${model.scope} at ${imageSize}×${imageSize}, ` +
      `${numClasses} classes; ${train.labels.length} training images`,
  );
  if (checkpoint) await restore(model, checkpoint, { exclude: job.exclude, log });
  const stepsPerEpoch = batchesPerEpoch(train, { batchSize: batch });
  const result = await fit(model, train, {
    epochs: job.epochs ?? 1,
    batchSize: batch,
    optimizer: job.optimizer,
    momentum: job.momentum,
    learningRate: scheduleFromSpec(job.schedule ?? { kind: "constant", lr: 1e-3 }, stepsPerEpoch),
    trainableScopes: job.trainable,
    weightDecay: job.weightDecay,
    labelSmoothing: job.labelSmoothing,
    clipNorm: job.clipNorm,
    classWeights: job.classWeights,
    focalGamma: job.focalGamma,
    labelsOffset: job.labelsOffset,
    sampler: job.sampler,
    augment: job.augment ? { flip: true, cropPadding: 4 } : undefined,
    seed: job.seed ?? 0,
    maxSteps: job.maxSteps,
    validation: test,
    checkpointDir: `${out}/checkpoints`,
    checkpointEvery: job.checkpointEvery,
    keep: job.keep ?? 5,
    logEvery: job.logEvery ?? 0,
    log,
    restart: job.restart,
    // What `eval` and `export` read back, and what a rerun must match to resume.
    runInfo: {
      job: {
        model: job.model,
        dataset: job.dataset,
        imageSize,
        preprocessing: checkpoint ? "model" : "standardized",
        resize: job.resize ?? "stretch",
        perClass: job.perClass ?? null,
        testPerClass: job.testPerClass ?? null,
        checkpoint: job.checkpoint ?? null,
        exclude: job.exclude ?? [],
        splitFile: isImageFiles(train) ? "split.json" : null,
      },
    },
  });
  const ev = result.epochs.at(-1)?.validation ??
    await evaluateAsync(model, test, { batchSize: batch, labelsOffset: job.labelsOffset });
  for (const ds of [train, test]) {
    const bad = isImageFiles(ds) ? skippedImages(ds) : [];
    if (bad.length) {
      log(
        `skipped ${bad.length} unreadable images: ${bad.slice(0, 5).join(", ")}${
          bad.length > 5 ? ", ..." : ""
        }`,
      );
    }
  }
  const summary: TrainSummary = {
    model: model.scope,
    dataset: job.dataset,
    steps: result.step,
    interrupted: result.interrupted,
    testAccuracy: ev.accuracy,
    top5: ev.top5,
    balancedAccuracy: ev.metrics.balancedAccuracy,
    macroF1: ev.metrics.macroF1,
    imagesPerSecond: result.imagesPerSecond,
    loopOverhead: 1 - result.stepSeconds / result.seconds,
    seconds: result.seconds,
    lastCheckpoint: result.lastCheckpoint,
  };
  model.store.dispose();
  await Deno.mkdir(out, { recursive: true });
  const epochs = result.epochs.map((e) => ({
    epoch: e.epoch,
    step: e.step,
    accuracy: e.validation.accuracy,
  }));
  await writeFileAtomic(`${out}/history.json`, JSON.stringify({ steps: result.history, epochs }));
  await writeFileAtomic(
    `${out}/report.html`,
    standaloneReport(`${model.scope} on ${job.dataset}`, [
      summarySection({ ...summary }),
      ...trainingSections(result.history, result.epochs),
      ...evaluationSections(ev, test.classNames),
    ]),
  );
  // results.json last: a sweep treats its presence as "this trial finished".
  if (!result.interrupted) {
    await writeFileAtomic(`${out}/results.json`, JSON.stringify(summary, null, 2));
  }
  log(
    `test accuracy ${(ev.accuracy * 100).toFixed(2)}% (balanced ${
      (ev.metrics.balancedAccuracy * 100).toFixed(2)
    }%); report ${out}/report.html`,
  );
  return summary;
}
