/**
 * Training: `fit`, `fitStages`, `fineTune` and `lrFind` on top of a small
 * loop (`runLoop`) with callbacks; the train step, optimizers, schedules,
 * losses, evaluation and metrics.
 *
 * @module
 */
export * from "./callbacks/mod.ts";
export { resumeTraining, saveTraining } from "./checkpointing.ts";
export { evaluate, evaluateAsync, type EvaluateOptions, type Evaluation } from "./evaluate.ts";
export {
  FeatureCache,
  type FeatureCacheOptions,
  type FeaturePlan,
  prepareFeatureCache,
} from "./feature_cache.ts";
export { fineTune, type FineTuneOptions } from "./fine_tune.ts";
export {
  fit,
  fitCallbacks,
  type FitOptions,
  type FitResult,
  fitResult,
  fitStages,
  type Stage,
} from "./fit.ts";
export {
  createLearner,
  type EpochRecord,
  type Learner,
  type LearnerOptions,
  type StepRecord,
} from "./learner.ts";
export { type Callback, EVENTS, type LoopEvent, runLoop } from "./loop.ts";
export { formatDuration, project, type Projection } from "./projection.ts";
export { classificationLoss, inverseFrequencyWeights, type LossOptions } from "./losses.ts";
export { lrFind, type LrFindOptions, type LrFindResult } from "./lr_find.ts";
export { type ClassMetrics, metricsFromConfusion } from "./metrics.ts";
export {
  createOptimizer,
  type NamedOptimizer,
  type OptimizerName,
  type OptimizerOptions,
  OPTIMIZERS,
} from "./optimizers.ts";
export {
  constant,
  cosineDecay,
  exponentialDecay,
  linearWarmup,
  piecewiseConstant,
  type Schedule,
  SCHEDULE_KINDS,
  scheduleFromSpec,
  type ScheduleSpec,
} from "./schedules.ts";
export { createTrainStep, type StepResult, type TrainStep, type TrainStepOptions } from "./step.ts";

// For the layers above (the root API, mod.ts, picks its own).
export { readRunRecord } from "./run_record.ts";
