/**
 * The learning-rate range test (Smith 2015; fastai's `lr_find`): train a
 * few steps while the rate grows exponentially, record the smoothed loss,
 * stop once it diverges, and put the weights back as they were.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/mod.ts";
import type { Model } from "../models/mod.ts";
import { progressCallback } from "./callbacks/progress.ts";
import { scheduleCallback } from "./callbacks/schedule.ts";
import { createLearner, type LearnerOptions } from "./learner.ts";
import { type Callback, runLoop } from "./loop.ts";

/** Options of {@linkcode lrFind}. */
export interface LrFindOptions
  extends Omit<LearnerOptions, "initialLearningRate" | "epochs" | "maxSteps" | "log"> {
  /** First rate; default 1e-7. */
  startLr?: number;
  /** Last rate; default 10. */
  endLr?: number;
  /** Steps from `startLr` to `endLr`; default 100. */
  steps?: number;
  /** Stop once the smoothed loss exceeds this multiple of its minimum; default 4. */
  divergeFactor?: number;
  /** Exponential smoothing of the loss; default 0.98 (fastai's). */
  smoothing?: number;
  /** Show progress; default true. */
  progress?: boolean;
}

/** What {@linkcode lrFind} measured. */
export interface LrFindResult {
  /** Rate of each step. */
  learningRates: number[];
  /** Bias-corrected exponentially smoothed losses. */
  losses: number[];
  /** Unsmoothed batch losses. */
  rawLosses: number[];
  /** The rate where the smoothed loss falls fastest (steepest slope in log-rate, past the first tenth). */
  steepest: number;
  /** A tenth of the rate at the smoothed loss's minimum (fastai's `minimum` suggestion). */
  minimumTenth: number;
  /** True when the run ended because the loss diverged. */
  diverged: boolean;
}

/** Rate of step `i` of `n` on the exponential ramp from `start` to `end`. */
export function exponentialRamp(start: number, end: number, n: number): (i: number) => number {
  return (i) => start * (end / start) ** (Math.min(i, n - 1) / Math.max(n - 1, 1));
}

/**
 * Runs the range test on `model` and restores every variable (statistics
 * included) afterwards, so the model is as it was. Plot the result with
 * `lrFindChart`.
 */
export async function lrFind(
  model: Model,
  data: Dataset,
  options: LrFindOptions = {},
): Promise<LrFindResult> {
  const steps = options.steps ?? 100;
  const ramp = exponentialRamp(options.startLr ?? 1e-7, options.endLr ?? 10, steps);
  const beta = options.smoothing ?? 0.98;
  const learner = createLearner(model, data, {
    ...options,
    initialLearningRate: ramp(0),
    maxSteps: steps,
    epochs: Infinity,
    log: () => {},
  });
  const result: LrFindResult = {
    learningRates: [],
    losses: [],
    rawLosses: [],
    steepest: NaN,
    minimumTenth: NaN,
    diverged: false,
  };
  let average = 0, best = Infinity;
  const record: Callback = {
    name: "lr finder",
    wantsValues: () => true,
    afterStep(l) {
      const { loss, learningRate } = l.history.at(-1)!;
      average = beta * average + (1 - beta) * loss;
      const smoothed = average / (1 - beta ** l.step);
      result.learningRates.push(learningRate);
      result.rawLosses.push(loss);
      result.losses.push(smoothed);
      best = Math.min(best, smoothed);
      if (!Number.isFinite(smoothed) || smoothed > (options.divergeFactor ?? 4) * best) {
        result.diverged = true;
        l.stopReason = "diverged";
      }
    },
  };
  const saved = model.store.list().map((v) => tf.clone(v.variable));
  try {
    await runLoop(learner, [
      scheduleCallback(ramp),
      record,
      ...(options.progress === false ? [] : [progressCallback({ label: "lr find" })]),
    ]);
  } finally {
    model.store.list().forEach((v, i) => v.variable.assign(saved[i]));
    tf.dispose(saved);
    learner.optimizer.optimizer.dispose();
  }
  Object.assign(result, suggestions(result.learningRates, result.losses));
  return result;
}

/** fastai's two suggestions from a (rate, smoothed loss) curve. */
export function suggestions(
  rates: number[],
  losses: number[],
): { steepest: number; minimumTenth: number } {
  // Finite points only; the diverging tail says nothing about a good rate.
  const n = losses.findIndex((x) => !Number.isFinite(x));
  const end = n < 0 ? losses.length : n;
  if (end < 2) return { steepest: NaN, minimumTenth: NaN };
  let min = 0, steep = 0, slope = Infinity;
  // The first tenth is mostly smoothing warm-up and noise: no steepest point there.
  const skip = Math.min(end - 2, Math.floor(end / 10));
  for (let i = 0; i < end; i++) {
    if (losses[i] < losses[min]) min = i;
    if (i > skip) {
      const s = (losses[i] - losses[i - 1]) / (Math.log(rates[i]) - Math.log(rates[i - 1]));
      if (s < slope) [slope, steep] = [s, i];
    }
  }
  return { steepest: rates[steep], minimumTenth: rates[min] / 10 };
}
