/**
 * The loop's standard callbacks, one concern each.
 *
 * @module
 */
export { checkpointCallback, type CheckpointCallbackOptions } from "./checkpoint.ts";
export { earlyStoppingCallback, type EarlyStoppingOptions } from "./early_stopping.ts";
export { interruptCallback, type InterruptOptions } from "./interrupt.ts";
export { logCallback, stepLine } from "./log.ts";
export { nanGuardCallback } from "./nan_guard.ts";
export { progressCallback } from "./progress.ts";
export { projectionCallback } from "./projection.ts";
export type { Progress, ProgressOptions } from "../../util/mod.ts";
export { scheduleCallback } from "./schedule.ts";
export { validationCallback } from "./validation.ts";
