/**
 * The training loop itself: epochs of batches through the learner's train
 * step, firing events that callbacks hook into. Everything else a run does
 * (schedules, logging, progress, validation, checkpoints, Ctrl-C, the NaN
 * guard) is a callback, so new concerns never grow this file.
 *
 * @example Early stopping as a user callback
 * ```ts
 * import type { Callback } from "./loop.ts";
 * let best = -1, bad = 0;
 * const earlyStopping: Callback = {
 *   order: 45, // after validation (40), before the epoch's checkpoint (50)
 *   afterEpoch(learner) {
 *     const accuracy = learner.epochRecords.at(-1)?.validation.accuracy ?? 0;
 *     if (accuracy > best) [best, bad] = [accuracy, 0];
 *     else if (++bad >= 2) learner.stopReason = "early stopping";
 *   },
 * };
 * // await fit(model, train, { validation, callbacks: [earlyStopping] });
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { batchStream } from "../data/mod.ts";
import type { Learner, StepRecord } from "./learner.ts";
import { type PendingStep, readSteps } from "./step.ts";

/** The events of a run, in the order they first fire. */
export const EVENTS = [
  "beforeFit",
  "beforeEpoch",
  "beforeStep",
  "afterStep",
  "afterEpoch",
  "afterFit",
  "cleanup",
] as const;

/** One event name. */
export type LoopEvent = typeof EVENTS[number];

/**
 * A hook into the loop. `afterFit` fires when the run ends normally or was
 * stopped by a callback; `cleanup` fires always, errors included (release
 * listeners and displays there). Set `learner.stopReason` to end the run
 * after the current step; throw to abort it.
 */
export type Callback =
  & {
    /** For error messages. */
    name?: string;
    /** Callbacks run in ascending order (default 0; ties keep the given order). */
    order?: number;
  }
  & { [E in LoopEvent]?: (learner: Learner) => void | Promise<void> }
  & {
    /**
     * Whether this callback's `afterStep` needs the step's loss and accuracy
     * (`learner.history` up to the current step). Where reads are
     * asynchronous (a GPU), the loop reads only when a callback asks, at
     * the end of an epoch, and at least every `readIntervalMs`; otherwise
     * every step.
     */
    wantsValues?: (learner: Learner) => boolean;
  };

/** Mixes the base seed with the global step, so dropout differs per step but resumes exactly. */
export function stepSeed(seed: number, step: number): number {
  return ((seed * 100_003) ^ (step * 2_654_435_761)) >>> 0;
}

/** Runs `learner` until its last step, an error, or a callback's stop. */
export async function runLoop(learner: Learner, callbacks: Callback[]): Promise<void> {
  const sorted = callbacks.map((c, i) => ({ c, i }))
    .sort((a, b) => (a.c.order ?? 0) - (b.c.order ?? 0) || a.i - b.i)
    .map(({ c }) => c);
  const fire = async (event: LoopEvent) => {
    for (const c of sorted) await c[event]?.(learner);
  };
  const l = learner;
  l.startTime = performance.now();
  // Steps launched but not yet read (lazy reads only), and when values were last read.
  const pending: { record: StepRecord; result: PendingStep }[] = [];
  let lastRead = performance.now();
  const settle = async () => {
    if (pending.length === 0) return;
    const batch = pending.splice(0);
    const values = await readSteps(batch.map((p) => p.result));
    batch.forEach((p, i) => l.history.push(Object.assign(p.record, values[i])));
    lastRead = performance.now();
  };
  const dueForRead = () =>
    l.stopReason !== undefined || l.step >= l.totalSteps || l.step % l.stepsPerEpoch === 0 ||
    performance.now() - lastRead >= l.readIntervalMs || pending.length >= 256 ||
    sorted.some((c) => c.wantsValues?.(l));
  try {
    await fire("beforeFit");
    const perEpoch = l.stepsPerEpoch;
    for (l.epoch = Math.floor(l.step / perEpoch); l.epoch < l.epochs; l.epoch++) {
      if (l.stopReason || l.step >= l.totalSteps) break;
      await fire("beforeEpoch");
      // The cache draws the same batches as the images would come: one order for both.
      const order = {
        batchSize: l.batchSize,
        seed: l.seed,
        epoch: l.epoch,
        skipBatches: l.step - l.epoch * perEpoch,
        sampler: l.sampler,
      };
      const epochBatches = l.features?.batches(order) ?? batchStream(l.data, {
        ...order,
        augment: l.augment,
        size: l.model.inputSize,
        preprocessing: l.model.preprocessing,
      });
      for await (const b of epochBatches) {
        await fire("beforeStep");
        const t0 = performance.now();
        const seed = stepSeed(l.seed, l.step);
        const record = { step: l.step + 1, epoch: l.epoch + 1, learningRate: l.learningRate };
        if (l.lazyReads) {
          const result = l.trainStep.launch(b.images, b.labels, seed);
          pending.push({ record: { ...record, loss: NaN, accuracy: NaN }, result });
        } else {
          l.history.push({ ...record, ...l.trainStep.run(b.images, b.labels, seed) });
        }
        l.stepSeconds += (performance.now() - t0) / 1000;
        l.images += b.labels.shape[0];
        tf.dispose([b.images, b.labels]);
        l.step++;
        if (pending.length > 0 && dueForRead()) await settle();
        await fire("afterStep");
        if (l.stopReason || l.step >= l.totalSteps) break;
      }
      await settle();
      if (l.stopReason) break;
      await fire("afterEpoch");
    }
    await settle();
    await fire("afterFit");
  } finally {
    tf.dispose(pending.splice(0).flatMap((p) => [p.result.loss, p.result.correct]));
    await fire("cleanup");
  }
}
