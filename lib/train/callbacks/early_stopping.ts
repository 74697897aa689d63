/**
 * Early stopping: end the run when validation accuracy has not improved for
 * `patience` epochs (needs a validation set).
 *
 * @module
 */
import type { Callback } from "../loop.ts";

/** Options of {@linkcode earlyStoppingCallback}. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping; default 3. */
  patience?: number;
  /** Smallest accuracy gain that counts as an improvement; default 0. */
  minDelta?: number;
}

/** Stops with `stopReason = "early stopping"` after the validation callback's record. */
export function earlyStoppingCallback(options: EarlyStoppingOptions = {}): Callback {
  const patience = options.patience ?? 3;
  let best = -Infinity, stale = 0;
  return {
    name: "early stopping",
    order: 45,
    beforeFit() {
      [best, stale] = [-Infinity, 0];
    },
    afterEpoch(l) {
      const last = l.epochRecords.at(-1);
      if (!last || last.step !== l.step) {
        throw new Error("early stopping needs validation data (pass `validation` to fit)");
      }
      if (last.validation.accuracy > best + (options.minDelta ?? 0)) {
        [best, stale] = [last.validation.accuracy, 0];
      } else if (++stale >= patience) {
        l.stopReason = "early stopping";
        l.log(`early stopping: no gain for ${patience} epoch(s); best accuracy ${best.toFixed(4)}`);
      }
    },
  };
}
