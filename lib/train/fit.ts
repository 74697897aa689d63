/**
 * `fit`: the training loop composed with the standard callbacks (schedule,
 * NaN guard, log, progress, validation, checkpoints with resume, Ctrl-C),
 * plus the caller's own; and `fitStages`, several fits in a row.
 *
 * @module
 */
import type { Dataset } from "../data/mod.ts";
import type { Model } from "../models/mod.ts";
import type { ProgressOptions } from "../util/mod.ts";
import { checkpointCallback } from "./callbacks/checkpoint.ts";
import { interruptCallback } from "./callbacks/interrupt.ts";
import { logCallback } from "./callbacks/log.ts";
import { nanGuardCallback } from "./callbacks/nan_guard.ts";
import { progressCallback } from "./callbacks/progress.ts";
import { scheduleCallback } from "./callbacks/schedule.ts";
import { validationCallback } from "./callbacks/validation.ts";
import {
  createLearner,
  type EpochRecord,
  type Learner,
  type LearnerOptions,
  type StepRecord,
} from "./learner.ts";
import { type Callback, runLoop } from "./loop.ts";
import {
  type FeatureCache,
  type FeatureCacheOptions,
  prepareFeatureCache,
} from "./feature_cache.ts";
import { projectionCallback } from "./callbacks/projection.ts";
import { selectTrainable } from "./step.ts";
import { type RunSettings, runSettings } from "./run_record.ts";
import { constant, type Schedule } from "./schedules.ts";

/** Options of {@linkcode fit}. */
export interface FitOptions extends Omit<LearnerOptions, "initialLearningRate" | "features"> {
  /**
   * Compute the frozen layers below the first trainable one once per image
   * and train the rest on their stored output (default: on wherever that is
   * exact, with a notice; see `prepareFeatureCache`). `false` turns it off;
   * an object sets the memory budget and the folder of the features file.
   */
  featureCache?: boolean | FeatureCacheOptions;
  /** A rate or a schedule of the global step; default 1e-3. */
  learningRate?: number | Schedule;
  /** Evaluated after every epoch. */
  validation?: Dataset;
  /** Log a line every N steps (as the lab does); 0 = none. */
  logEvery?: number;
  /** Save V2 checkpoints here (and resume from the latest one found). */
  checkpointDir?: string;
  /** Save every N steps; default: at the end of each epoch only. */
  checkpointEvery?: number;
  /** Checkpoints to keep; default 5. */
  keep?: number;
  /** Resume from `checkpointDir`'s latest checkpoint; default true. */
  resume?: boolean;
  /**
   * Delete `checkpointDir`'s checkpoints and start over. Without it, a rerun
   * whose settings differ from the run recorded there (`run.json`) stops and
   * lists the differences instead of resuming the other run.
   */
  restart?: boolean;
  /** Settings of your own to record and compare with the run's (`run.json`). */
  runInfo?: RunSettings;
  /** Print the projected duration of the run after its first steps; default true. */
  projection?: boolean;
  /** Progress display options; `false` for none. */
  progress?: ProgressOptions | false;
  /** Called after every step. */
  onStep?: (record: StepRecord) => void;
  /** An abort signal checked after every step (Ctrl-C is wired to one when checkpointing). */
  signal?: AbortSignal;
  /** More callbacks (see `Callback`), run in `order` among the standard ones. */
  callbacks?: Callback[];
}

/** What {@linkcode fit} returns. */
export interface FitResult {
  /** Every step of the run. */
  history: StepRecord[];
  /** Validation after each epoch (with `validation`). */
  epochs: EpochRecord[];
  /** Global step reached. */
  step: number;
  /** Step a resumed run started from (0 for a fresh run). */
  resumedFrom: number;
  /** True when stopped by Ctrl-C or the signal (after saving). */
  interrupted: boolean;
  /** Why a callback ended the run early (`interrupted`, `early stopping`, ...). */
  stopReason?: string;
  /** Images per second over the run, loop included. */
  imagesPerSecond: number;
  /** Seconds spent inside train steps (the rest is loop overhead). */
  stepSeconds: number;
  /** Seconds of the whole run. */
  seconds: number;
  /** The last checkpoint written, if any. */
  lastCheckpoint?: string;
}

/** The callbacks `fit` composes from its options (without the caller's own). */
export function fitCallbacks(
  options: FitOptions = {},
  prepared: { validationFeatures?: FeatureCache } = {},
): Callback[] {
  const rate = options.learningRate;
  const dir = options.checkpointDir;
  const onStep = options.onStep;
  return [
    scheduleCallback(typeof rate === "function" ? rate : constant(rate ?? 1e-3)),
    nanGuardCallback(),
    ...(onStep
      ? [{
        name: "onStep",
        wantsValues: () => true,
        afterStep: (l: Learner) => onStep(l.history.at(-1)!),
      }]
      : []),
    logCallback(options.logEvery ?? 0),
    ...(options.progress === false ? [] : [progressCallback(options.progress)]),
    ...(options.projection === false ? [] : [projectionCallback()]),
    ...(options.validation
      ? [validationCallback(options.validation, { features: prepared.validationFeatures })]
      : []),
    ...(dir
      ? [checkpointCallback(dir, {
        every: options.checkpointEvery,
        keep: options.keep,
        resume: options.resume,
        restart: options.restart,
        settings: (l) => runSettings(l, options),
      })]
      : []),
    // SIGTERM: Slurm's scancel, preemption and time limit (then SIGKILL after KillWait).
    interruptCallback({ signal: options.signal, signals: dir ? ["SIGINT", "SIGTERM"] : [] }),
  ];
}

/** The result of a finished learner. */
export function fitResult(l: Learner): FitResult {
  const seconds = (performance.now() - l.startTime) / 1000;
  return {
    history: l.history,
    epochs: l.epochRecords,
    step: l.step,
    resumedFrom: l.startStep,
    interrupted: l.stopReason === "interrupted",
    stopReason: l.stopReason,
    imagesPerSecond: l.images / seconds,
    stepSeconds: l.stepSeconds,
    seconds,
    lastCheckpoint: l.lastCheckpoint,
  };
}

/**
 * Trains `model` on `data`: {@linkcode createLearner}, {@linkcode fitCallbacks}
 * plus `options.callbacks`, {@linkcode runLoop}.
 */
export async function fit(
  model: Model,
  data: Dataset,
  options: FitOptions = {},
): Promise<FitResult> {
  const rate = options.learningRate;
  const trainable = new Set(selectTrainable(model, options.trainableScopes).map((v) => v.name));
  const plan = await prepareFeatureCache(model, data, {
    trainable,
    augment: options.augment,
    featureCache: options.featureCache,
  });
  const log = options.log ?? console.log;
  if (plan.notice) log(plan.notice);
  // Validation images go through the same frozen prefix: their features are stored too.
  const validation = plan.cache && options.validation
    ? await prepareFeatureCache(model, options.validation, {
      trainable,
      featureCache: options.featureCache,
    })
    : {};
  if (validation.cache) {
    log(
      `validation: frozen features of ${options.validation!.labels.length} images ` +
        `${validation.cache.origin === "loaded" ? "read back" : "computed once"} too`,
    );
  }
  try {
    const learner = createLearner(model, data, {
      ...options,
      initialLearningRate: typeof rate === "function" ? rate(0) : rate,
      features: plan.cache,
    });
    try {
      await runLoop(learner, [
        ...fitCallbacks(options, { validationFeatures: validation.cache }),
        ...(options.callbacks ?? []),
      ]);
    } finally {
      // Optimizer slots (Adam: two copies of every trainable weight) go with the run.
      learner.optimizer.optimizer.dispose();
    }
    return fitResult(learner);
  } finally {
    plan.cache?.close();
    validation.cache?.close();
  }
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
  data: Dataset,
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
