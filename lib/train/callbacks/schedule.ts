/**
 * Learning-rate schedule callback: sets the rate of every update from the
 * global step (so a resumed run continues the same curve).
 *
 * @module
 */
import type { Callback } from "../loop.ts";
import { setLearningRate } from "../optimizers.ts";
import type { Schedule } from "../schedules.ts";

/** Sets the optimizer's rate to `schedule(step)` before each step. */
export function scheduleCallback(schedule: Schedule): Callback {
  return {
    name: "schedule",
    order: -50,
    beforeStep(learner) {
      learner.learningRate = schedule(learner.step);
      setLearningRate(learner.optimizer.optimizer, learner.learningRate);
    },
  };
}
