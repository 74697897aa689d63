/**
 * Log callback: one line every N steps, as the TF-Slim lab prints them.
 *
 * @module
 */
import type { StepRecord } from "../learner.ts";
import type { Callback } from "../loop.ts";

/** The lab's step line: `step 10: loss 2.3026, accuracy 9.4%, lr 1.00e-3`. */
export function stepLine(r: StepRecord): string {
  return `step ${r.step}: loss ${r.loss.toFixed(4)}, accuracy ${(r.accuracy * 100).toFixed(1)}%, ` +
    `lr ${r.learningRate.toPrecision(3)}`;
}

/** Logs {@linkcode stepLine} through the learner's log every `every` global steps. */
export function logCallback(every: number): Callback {
  return {
    name: "log",
    order: 10,
    wantsValues: (l) => every > 0 && l.step % every === 0,
    afterStep(l) {
      const last = l.history.at(-1);
      if (every > 0 && l.step % every === 0 && last?.step === l.step) l.log(stepLine(last));
    },
  };
}
