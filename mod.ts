/**
 * Transfer-learning lab toolkit for Deno: data loading, TF-Slim-named models,
 * weight restoration from TensorFlow checkpoints, and training.
 *
 * The root exports the lab-level calls. Each layer below has its own entry
 * point with more (`@tl-lab/toolkit/train`, `/data`, `/models`, `/weights`,
 * `/io`, `/backend`, `/report`, `/lab`, `/jobs`; in this repository `lib/<layer>/mod.ts`).
 *
 * @example
 * ```ts
 * import { buildModel, fit, loadFashionMnist, useBackend } from "./mod.ts";
 * await useBackend("auto");
 * const { dataset } = await loadFashionMnist();
 * const model = buildModel("small_vgg", { numClasses: 10, inputSize: 32 });
 * await fit(model, dataset, { epochs: 1 });
 * ```
 *
 * @module
 */
export {
  type BackendChoice,
  type BackendInfo,
  releaseMemory,
  useBackend,
} from "./lib/backend/mod.ts";
export {
  batchStream,
  cacheDecoded,
  classCounts,
  type Dataset,
  download,
  type ImageDataset,
  type ImageFiles,
  INCEPTION_PREPROCESSING,
  indexImageFolder,
  loadCifar,
  loadDatasetSpec,
  loadFashionMnist,
  loadImageFolder,
  loadMnist,
  splitImageFiles,
  STANDARDIZED_PREPROCESSING,
  stratifiedSplit,
  takePerClass,
  VGG_PREPROCESSING,
} from "./lib/data/mod.ts";
export {
  buildModel,
  buildResnetV1,
  buildVgg,
  type Model,
  MODEL_NAMES,
  parameterCount,
  VGG_CONFIGS,
} from "./lib/models/mod.ts";
export { openWeights, type WeightFile } from "./lib/io/mod.ts";
export { exportModel, restore, type RestoreReport, saveModel } from "./lib/weights/mod.ts";
export {
  type Callback,
  constant,
  cosineDecay,
  earlyStoppingCallback,
  evaluate,
  evaluateAsync,
  type Evaluation,
  exponentialDecay,
  fineTune,
  fit,
  type FitOptions,
  type FitResult,
  fitStages,
  type Learner,
  linearWarmup,
  lrFind,
  piecewiseConstant,
  type StepRecord,
} from "./lib/train/mod.ts";
export {
  confusionHeatmap,
  htmlTable,
  learningRateChart,
  lrFindChart,
  perClassBars,
  showChart,
  showHtml,
  standaloneReport,
  sweepSections,
  trainingCurves,
} from "./lib/report/mod.ts";
export {
  classRange,
  imbalancedSubset,
  quickExercise,
  quickMode,
  requireFile,
  runFolder,
  stackVsSingle,
  transferTable,
  transferTableSections,
  transferTableText,
  vggParameters,
  zooSummary,
} from "./lib/lab/mod.ts";
export {
  gridTrials,
  randomTrials,
  slurmAvailable,
  sweep,
  type SweepOptions,
  type SweepSummary,
} from "./lib/jobs/mod.ts";
export { createProgress, type Progress, type ProgressOptions } from "./lib/util/mod.ts";
export { type Random, seededRandom } from "./lib/util/mod.ts";
