/**
 * Progress callback: a bar (terminal), an in-place display (notebook) or
 * sparse lines (pipes) with epoch, loss, accuracy and images/s.
 *
 * @module
 */
import { createProgress, type Progress, type ProgressOptions } from "../../util/progress.ts";
import type { Callback } from "../loop.ts";

/** Shows the run's progress; the display is finished even when the run fails. */
export function progressCallback(options: ProgressOptions = {}): Callback {
  let bar: Progress | undefined;
  return {
    name: "progress",
    order: 20,
    beforeFit(l) {
      bar = createProgress(l.totalSteps, { label: "train", ...options });
    },
    afterStep(l) {
      const r = l.history.at(-1)!;
      bar?.update(l.step, {
        epoch: r.epoch,
        loss: r.loss,
        acc: r.accuracy,
        "img/s": Math.round(l.images / ((performance.now() - l.startTime) / 1000)),
      });
    },
    cleanup() {
      bar?.finish();
      bar = undefined;
    },
  };
}
