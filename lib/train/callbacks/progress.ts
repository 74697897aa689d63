/**
 * Progress callback: a bar (terminal), an in-place display (notebook) or
 * sparse lines (pipes) with epoch, loss, accuracy and images/s.
 *
 * @module
 */
import { createProgress, type Progress, type ProgressOptions } from "../../util/mod.ts";
import type { Callback } from "../loop.ts";
import { project } from "../projection.ts";

/** Images/s to show: whole numbers from 10 up, two significant digits below (not a bare 0). */
function rate(perSecond: number): number {
  return perSecond >= 10 ? Math.round(perSecond) : Number(perSecond.toPrecision(2));
}

/** Shows the run's progress; the display is finished even when the run fails. */
export function progressCallback(options: ProgressOptions = {}): Callback {
  let bar: Progress | undefined;
  return {
    name: "progress",
    order: 20,
    beforeFit(l) {
      // The ETA knows that a cached run's later epochs are faster than its first.
      bar = createProgress(l.totalSteps, {
        label: "train",
        remaining: () => project(l).remaining,
        ...options,
      });
    },
    afterStep(l) {
      // With lazy reads (a GPU) the newest values may be a few steps old.
      const r = l.history.at(-1);
      bar?.update(l.step, {
        epoch: l.epoch + 1,
        ...(r ? { loss: r.loss, acc: r.accuracy } : {}),
        "img/s": rate(l.images / ((performance.now() - l.startTime) / 1000)),
      });
    },
    cleanup() {
      bar?.finish();
      bar = undefined;
    },
  };
}
