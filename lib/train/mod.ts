/**
 * Training and evaluation: the step, the loop, and metrics.
 *
 * @module
 */
export * from "./evaluate.ts";
export * from "./fit.ts";
export * from "./learner.ts";
export * from "./loop.ts";
export * from "./callbacks/mod.ts";
export * from "./step.ts";
export * from "./losses.ts";
export * from "./metrics.ts";
export * from "./optimizers.ts";
export * from "./schedules.ts";
export { FusedAdamOptimizer } from "./fused_adam.ts";
