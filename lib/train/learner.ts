/**
 * The state one training run shares between the loop and its callbacks
 * (fastai's `Learner`): the model, the data, the compiled step and
 * optimizer, where the run is, and what it has recorded so far.
 *
 * @module
 */
import { backendCapabilities } from "../backend/mod.ts";
import { checkBatchFits } from "./memory_check.ts";
import { batchesPerEpoch, type Sampler } from "../data/mod.ts";
import { classCounts, type Dataset } from "../data/mod.ts";
import type { Augmentation } from "../data/mod.ts";
import type { Model } from "../models/mod.ts";
import type { Evaluation } from "./evaluate.ts";
import { inverseFrequencyWeights } from "./losses.ts";
import { createOptimizer, type NamedOptimizer, type OptimizerName } from "./optimizers.ts";
import { createTrainStep, type TrainStep } from "./step.ts";
import type { FeatureCache } from "./feature_cache.ts";

/** One logged step. */
export interface StepRecord {
  /** Global step after this update (1-based). */
  step: number;
  /** Epoch of this step (1-based). */
  epoch: number;
  /** Batch loss (plus weight decay). */
  loss: number;
  /** Batch accuracy before the update. */
  accuracy: number;
  /** Rate used for this update. */
  learningRate: number;
}

/** Validation after an epoch. */
export interface EpochRecord {
  /** Epoch just finished (1-based). */
  epoch: number;
  /** Global step at its end. */
  step: number;
  /** Metrics on the validation data. */
  validation: Evaluation;
}

/** What {@linkcode createLearner} needs: the step, the optimizer and the data order. */
export interface LearnerOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Default `adam`. */
  optimizer?: OptimizerName;
  /** Momentum for `momentum` / `rmsprop`. */
  momentum?: number;
  /** The rate the optimizer starts with (a schedule callback changes it per step); default 1e-3. */
  initialLearningRate?: number;
  /** Scopes to train (TF-Slim prefixes); default all. */
  trainableScopes?: string[];
  /** L2 weight decay; default the model's. */
  weightDecay?: number;
  /** Label smoothing ε. */
  labelSmoothing?: number;
  /** Per-class loss weights, or `inverse` for inverse class frequency. */
  classWeights?: number[] | "inverse";
  /** See {@linkcode TrainStepOptions.labelsOffset}: 1 for TF-Slim's 1001-class checkpoints. */
  labelsOffset?: number;
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
  /** Where log lines go; default console.log. */
  log?: (line: string) => void;
  /**
   * Launch steps without reading their loss until a callback needs it
   * (see `Callback.wantsValues`). Default: on backends whose reads wait for
   * a GPU (`webgpu`); elsewhere reading is free and happens every step.
   */
  lazyReads?: boolean;
  /** With lazy reads, read at least this often (ms; default 1000): the progress display's pace. */
  readIntervalMs?: number;
  /**
   * The frozen prefix's features of `data` (see `prepareFeatureCache`): the
   * step trains the head over them and batches come from the cache.
   */
  features?: FeatureCache;
}

/** A training run's shared state; callbacks read it and may change what they own. */
export interface Learner {
  /** The model being trained. */
  readonly model: Model;
  /** Training data. */
  readonly data: Dataset;
  /** The compiled step (trainable variables, loss, update). */
  readonly trainStep: TrainStep;
  /** The optimizer and its kind. */
  readonly optimizer: NamedOptimizer;
  /** Images per step. */
  readonly batchSize: number;
  /** Seed of data order, dropout and augmentation. */
  readonly seed: number;
  /** How images are drawn. */
  readonly sampler?: Sampler;
  /** Augmentation of training batches. */
  readonly augment?: Augmentation;
  /** Epochs to run in all (a resumed run counts the ones already done). */
  readonly epochs: number;
  /** Batches in one epoch. */
  readonly stepsPerEpoch: number;
  /** The global step at which the run ends. */
  readonly totalSteps: number;
  /** Global step: updates applied so far (a resume callback may move it forward). */
  step: number;
  /** The step this run started from (0 for a fresh run). */
  startStep: number;
  /** The current epoch, 0-based. */
  epoch: number;
  /** Rate of the next update (set by the schedule callback). */
  learningRate: number;
  /** Every step of this run. */
  history: StepRecord[];
  /** Validations after epochs. */
  epochRecords: EpochRecord[];
  /** Images trained on in this run. */
  images: number;
  /** Seconds inside train steps. */
  stepSeconds: number;
  /** `performance.now()` when the loop started. */
  startTime: number;
  /** Set by a callback to end the run after the current step (`interrupted` for Ctrl-C). */
  stopReason?: string;
  /** The checkpoint this run resumed from. */
  resumedCheckpoint?: string;
  /** The last checkpoint this run wrote. */
  lastCheckpoint?: string;
  /** Writes a log line (console by default). */
  log(line: string): void;
  /**
   * Steps are launched without reading their results until needed, so
   * `history` may lag `step` by a few records between reads.
   */
  readonly lazyReads: boolean;
  /** With lazy reads, the longest time between two reads (ms). */
  readonly readIntervalMs: number;
  /** Where the frozen prefix's features come from, when it is computed once. */
  readonly features?: FeatureCache;
}

/** Builds the optimizer and train step for `model` and wraps them with the run's state. */
export function createLearner(
  model: Model,
  data: Dataset,
  options: LearnerOptions = {},
): Learner {
  const batchSize = options.batchSize ?? 64;
  const epochs = options.epochs ?? 1;
  const learningRate = options.initialLearningRate ?? 1e-3;
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) {
    throw new Error(`labelSmoothing must be in [0, 1), got ${options.labelSmoothing}`);
  }
  checkBatchFits(batchSize, { size: model.inputSize, channels: 3 });
  const optimizer = createOptimizer(options.optimizer ?? "adam", learningRate, {
    momentum: options.momentum,
  });
  const trainStep = createTrainStep(options.features?.split.head ?? model, {
    optimizer: optimizer.optimizer,
    trainableScopes: options.trainableScopes,
    weightDecay: options.weightDecay,
    labelSmoothing: options.labelSmoothing,
    classWeights: options.classWeights === "inverse"
      ? inverseFrequencyWeights(classCounts(data))
      : options.classWeights,
    focalGamma: options.focalGamma,
    clipNorm: options.clipNorm,
    labelsOffset: options.labelsOffset,
  });
  const stepsPerEpoch = batchesPerEpoch(data, { batchSize });
  return {
    model,
    data,
    trainStep,
    optimizer,
    batchSize,
    seed: options.seed ?? 0,
    sampler: options.sampler,
    augment: options.augment,
    epochs,
    stepsPerEpoch,
    totalSteps: Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Infinity),
    step: 0,
    startStep: 0,
    epoch: 0,
    learningRate,
    history: [],
    epochRecords: [],
    images: 0,
    stepSeconds: 0,
    startTime: performance.now(),
    log: options.log ?? ((line) => console.log(line)),
    lazyReads: options.lazyReads ?? backendCapabilities().asyncReadsOnly,
    readIntervalMs: options.readIntervalMs ?? 1000,
    features: options.features,
  };
}
