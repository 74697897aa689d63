/**
 * NaN guard: a non-finite loss aborts the run before anything saves the
 * diverged weights, naming the last good checkpoint.
 *
 * @module
 */
import type { Learner } from "../learner.ts";
import type { Callback } from "../loop.ts";

/**
 * Throws on a non-finite loss; runs first after each step, epoch and run,
 * over every record read since it last looked (with lazy reads several
 * arrive at once, and the loop reads before anything saves).
 */
export function nanGuardCallback(): Callback {
  let checked = 0;
  const check = (l: Learner) => {
    while (checked < l.history.length) {
      // Past the record before throwing: each bad record is reported once.
      const { loss, step, epoch } = l.history[checked++];
      if (Number.isFinite(loss)) continue;
      const lastGood = l.lastCheckpoint ?? l.resumedCheckpoint;
      throw new Error(
        `loss is ${loss} at step ${step} (epoch ${epoch}): training diverged; ` +
          `nothing was saved` + (lastGood ? `, the last good checkpoint is ${lastGood}` : "") +
          ` (lower the learning rate or clip gradients)`,
      );
    }
  };
  return {
    name: "nan guard",
    order: -100,
    beforeFit(l) {
      checked = l.history.length;
    },
    afterStep: check,
    afterEpoch: check,
    afterFit: check,
  };
}
