/**
 * NaN guard: a non-finite loss aborts the run before anything saves the
 * diverged weights, naming the last good checkpoint.
 *
 * @module
 */
import type { Callback } from "../loop.ts";

/** Throws on a non-finite loss; runs first after each step. */
export function nanGuardCallback(): Callback {
  return {
    name: "nan guard",
    order: -100,
    afterStep(l) {
      const loss = l.history.at(-1)!.loss;
      if (Number.isFinite(loss)) return;
      const lastGood = l.lastCheckpoint ?? l.resumedCheckpoint;
      throw new Error(
        `loss is ${loss} at step ${l.step} (epoch ${l.epoch + 1}): training diverged; ` +
          `nothing was saved` + (lastGood ? `, the last good checkpoint is ${lastGood}` : "") +
          ` (lower the learning rate or clip gradients)`,
      );
    },
  };
}
