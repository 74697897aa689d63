/**
 * The training loop: epochs of streamed batches through a train step, with
 * learning-rate schedules, validation, periodic TF V2 checkpoints (model,
 * `global_step`, optimizer slots), resume from the latest checkpoint of a
 * folder at the same step and data order, a save on Ctrl-C, and a NaN guard.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { latestCheckpoint, openCheckpoint } from "../checkpoint/checkpoint.ts";
import { type NamedTensor, writeCheckpoint } from "../checkpoint/writer.ts";
import { batches, batchesPerEpoch, type Sampler } from "../data/batches.ts";
import { classCounts, type ImageDataset } from "../data/dataset.ts";
import type { Augmentation } from "../data/preprocess.ts";
import type { Model } from "../models/model.ts";
import { createProgress, type ProgressOptions } from "../util/progress.ts";
import { restoreVariables } from "../weights/restore.ts";
import { modelTensors } from "../weights/save_model.ts";
import { toFloat32 } from "../weights/source.ts";
import { evaluate, type Evaluation } from "./evaluate.ts";
import { inverseFrequencyWeights } from "./losses.ts";
import {
  createOptimizer,
  type NamedOptimizer,
  type OptimizerName,
  optimizerSlots,
  restoreOptimizerSlots,
  setLearningRate,
} from "./optimizers.ts";
import { constant, type Schedule } from "./schedules.ts";
import { createTrainStep } from "./step.ts";

/** Options of {@linkcode fit}. */
export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Default `adam`. */
  optimizer?: OptimizerName;
  /** Momentum for `momentum` / `rmsprop`. */
  momentum?: number;
  /** A rate or a schedule of the global step; default 1e-3. */
  learningRate?: number | Schedule;
  /** Scopes to train (TF-Slim prefixes); default all. */
  trainableScopes?: string[];
  /** L2 weight decay; default the model's. */
  weightDecay?: number;
  /** Label smoothing ε. */
  labelSmoothing?: number;
  /** Per-class loss weights, or `inverse` for inverse class frequency. */
  classWeights?: number[] | "inverse";
  /** Focal loss γ. */
  focalGamma?: number;
  /** Clip gradients to this global norm. */
  clipNorm?: number;
  /** Data order, dropout and augmentation seed; default 0. */
  seed?: number;
  /** Default `shuffle`; `balanced` for class-balanced sampling. */
  sampler?: Sampler;
  /** Default none. */
  augment?: Augmentation;
  /** Stop after this global step. */
  maxSteps?: number;
  /** Evaluated after every epoch. */
  validation?: ImageDataset;
  /** Log a line every N steps (as the lab does); 0 = none. */
  logEvery?: number;
  /** Where log lines go; default console.log. */
  log?: (line: string) => void;
  /** Save V2 checkpoints here (and resume from the latest one found). */
  checkpointDir?: string;
  /** Save every N steps; default: at the end of each epoch only. */
  checkpointEvery?: number;
  /** Checkpoints to keep; default 5. */
  keep?: number;
  /** Resume from `checkpointDir`'s latest checkpoint; default true. */
  resume?: boolean;
  /** Progress display options; `false` for none. */
  progress?: ProgressOptions | false;
  /** Called after every step. */
  onStep?: (record: StepRecord) => void;
  /** An abort signal checked after every step (Ctrl-C is wired to one by default). */
  signal?: AbortSignal;
}

/** One logged step. */
export interface StepRecord {
  /** Global step after this update (1-based). */
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
  learningRate: number;
}

/** Validation after an epoch. */
export interface EpochRecord {
  epoch: number;
  step: number;
  validation: Evaluation;
}

/** What {@linkcode fit} returns. */
export interface FitResult {
  history: StepRecord[];
  epochs: EpochRecord[];
  /** Global step reached. */
  step: number;
  /** Step a resumed run started from (0 for a fresh run). */
  resumedFrom: number;
  /** True when stopped by Ctrl-C or the signal (after saving). */
  interrupted: boolean;
  /** Images per second over the run, loop included. */
  imagesPerSecond: number;
  /** Seconds spent inside train steps (the rest is loop overhead). */
  stepSeconds: number;
  seconds: number;
  /** The last checkpoint written, if any. */
  lastCheckpoint?: string;
}

function stepSeed(seed: number, step: number): number {
  return ((seed * 100_003) ^ (step * 2_654_435_761)) >>> 0;
}

async function saveTraining(
  dir: string,
  model: Model,
  opt: NamedOptimizer,
  trainable: string[],
  step: number,
  keep: number,
): Promise<string> {
  const tensors: NamedTensor[] = [
    ...modelTensors(model),
    ...(await optimizerSlots(opt, trainable)),
    { name: "global_step", dtype: "int64", shape: [], data: BigInt64Array.from([BigInt(step)]) },
  ];
  const prefix = `${dir}/model.ckpt-${step}`;
  await writeCheckpoint(prefix, tensors, { keep });
  return prefix;
}

async function resumeTraining(
  dir: string,
  model: Model,
  opt: NamedOptimizer,
  trainable: string[],
): Promise<number> {
  const latest = await latestCheckpoint(dir);
  if (!latest) return 0;
  const ckpt = await openCheckpoint(latest);
  try {
    await restoreVariables(model.store.list(), ckpt);
    const listed = new Set(ckpt.list().map((t) => t.name));
    const step = listed.has("global_step") ? Number((await ckpt.read("global_step")).data[0]) : 0;
    const byName = new Map(model.store.list().map((v) => [v.name, v.variable.shape]));
    const ok = await restoreOptimizerSlots(
      opt,
      trainable,
      step,
      async (name) => (listed.has(name) ? toFloat32(await ckpt.read(name), name) : undefined),
      trainable.map((n) => byName.get(n)!),
    );
    if (!ok && step > 0) {
      throw new Error(
        `${latest}: has no ${opt.kind} optimizer state for the trainable variables; ` +
          `resume with the same optimizer and trainable scopes, or use a new checkpoint folder`,
      );
    }
    return step;
  } finally {
    ckpt.close();
  }
}

/** Trains `model` on `data`. */
export async function fit(
  model: Model,
  data: ImageDataset,
  options: FitOptions = {},
): Promise<FitResult> {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 64;
  const seed = options.seed ?? 0;
  const schedule: Schedule = typeof options.learningRate === "function"
    ? options.learningRate
    : constant(options.learningRate ?? 1e-3);
  const opt = createOptimizer(options.optimizer ?? "adam", schedule(0), {
    momentum: options.momentum,
  });
  const classWeights = options.classWeights === "inverse"
    ? inverseFrequencyWeights(classCounts(data))
    : options.classWeights;
  const step = createTrainStep(model, {
    optimizer: opt.optimizer,
    trainableScopes: options.trainableScopes,
    weightDecay: options.weightDecay,
    labelSmoothing: options.labelSmoothing,
    classWeights,
    focalGamma: options.focalGamma,
    clipNorm: options.clipNorm,
  });
  const log = options.log ?? ((l: string) => console.log(l));
  const perEpoch = batchesPerEpoch(data, { batchSize });
  const total = Math.min(epochs * perEpoch, options.maxSteps ?? Infinity);
  const dir = options.checkpointDir;
  const keep = options.keep ?? 5;
  if (dir) await Deno.mkdir(dir, { recursive: true });
  const resumedFrom = dir && options.resume !== false
    ? await resumeTraining(dir, model, opt, step.trainable)
    : 0;
  if (resumedFrom > 0) log(`resumed from ${dir}/model.ckpt-${resumedFrom} at step ${resumedFrom}`);

  // Ctrl-C: finish the current step, save, and return.
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  const listen = dir !== undefined && Deno.build.os !== "windows";
  if (listen) Deno.addSignalListener("SIGINT", onSigint);
  const stopped = () => controller.signal.aborted || options.signal?.aborted === true;

  const bar = options.progress === false
    ? undefined
    : createProgress(total, { label: "train", ...options.progress });
  const history: StepRecord[] = [];
  const epochRecords: EpochRecord[] = [];
  let global = resumedFrom;
  let images = 0, stepSeconds = 0;
  let lastCheckpoint: string | undefined;
  let lastSaved = resumedFrom;
  const lastGoodAtStart = resumedFrom > 0 ? `${dir}/model.ckpt-${resumedFrom}` : undefined;
  let interrupted = false;
  const start = performance.now();
  const save = async () => {
    if (dir && global > lastSaved) {
      lastCheckpoint = await saveTraining(dir, model, opt, step.trainable, global, keep);
      lastSaved = global;
    }
  };
  try {
    let epoch = Math.floor(global / perEpoch);
    outer: for (; epoch < epochs && global < total; epoch++) {
      const skip = global - epoch * perEpoch;
      for (
        const b of batches(data, {
          batchSize,
          seed,
          epoch,
          skipBatches: skip,
          sampler: options.sampler,
          augment: options.augment,
          size: model.inputSize,
          preprocessing: model.preprocessing,
        })
      ) {
        const lr = schedule(global);
        setLearningRate(opt.optimizer, lr);
        const t0 = performance.now();
        const r = step.run(b.images, b.labels, stepSeed(seed, global));
        stepSeconds += (performance.now() - t0) / 1000;
        images += b.labels.shape[0];
        tf.dispose([b.images, b.labels]);
        if (!Number.isFinite(r.loss)) {
          const lastGood = lastCheckpoint ?? lastGoodAtStart;
          throw new Error(
            `loss is ${r.loss} at step ${global + 1} (epoch ${
              epoch + 1
            }): training diverged; nothing was saved` +
              (lastGood ? `, the last good checkpoint is ${lastGood}` : "") +
              ` (lower the learning rate or clip gradients)`,
          );
        }
        global++;
        const record = {
          step: global,
          epoch: epoch + 1,
          loss: r.loss,
          accuracy: r.accuracy,
          learningRate: lr,
        };
        history.push(record);
        options.onStep?.(record);
        if (options.logEvery && global % options.logEvery === 0) {
          log(
            `step ${global}: loss ${r.loss.toFixed(4)}, accuracy ${
              (r.accuracy * 100).toFixed(1)
            }%, lr ${lr.toPrecision(3)}`,
          );
        }
        bar?.update(global, {
          epoch: epoch + 1,
          loss: r.loss,
          acc: r.accuracy,
          "img/s": Math.round(images / ((performance.now() - start) / 1000)),
        });
        if (options.checkpointEvery && global % options.checkpointEvery === 0) await save();
        // Let signal handlers run between steps.
        await new Promise((r) => setTimeout(r, 0));
        if (stopped()) {
          interrupted = true;
          await save();
          if (lastCheckpoint) log(`interrupted: saved ${lastCheckpoint}`);
          break outer;
        }
        if (global >= total) break;
      }
      if (global % perEpoch === 0 || global >= total) {
        if (options.validation) {
          const validation = evaluate(model, options.validation, { batchSize });
          epochRecords.push({ epoch: epoch + 1, step: global, validation });
          log(`epoch ${epoch + 1}: validation accuracy ${(validation.accuracy * 100).toFixed(2)}%`);
        }
        await save();
      }
    }
  } finally {
    if (listen) Deno.removeSignalListener("SIGINT", onSigint);
    bar?.finish();
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    history,
    epochs: epochRecords,
    step: global,
    resumedFrom,
    interrupted,
    imagesPerSecond: images / seconds,
    stepSeconds,
    seconds,
    lastCheckpoint,
  };
}

/** One stage of {@linkcode fitStages}: its own scopes, rate and length. */
export type Stage = Pick<
  FitOptions,
  "trainableScopes" | "learningRate" | "epochs" | "optimizer" | "maxSteps"
>;

/**
 * Two-stage (or more) fine-tuning as one call: e.g. train the head first,
 * then all layers at a lower rate. Each stage checkpoints into its own
 * sub-folder `stage-N` of `checkpointDir`.
 */
export async function fitStages(
  model: Model,
  data: ImageDataset,
  options: FitOptions & { stages: Stage[] },
): Promise<FitResult[]> {
  const results: FitResult[] = [];
  for (const [i, stage] of options.stages.entries()) {
    const { stages: _, ...common } = options;
    results.push(
      await fit(model, data, {
        ...common,
        ...stage,
        checkpointDir: options.checkpointDir
          ? `${options.checkpointDir}/stage-${i + 1}`
          : undefined,
      }),
    );
    if (results[i].interrupted) break;
  }
  return results;
}
