/**
 * Transfer-learning lab toolkit for Deno: data loading, TF-Slim-named models,
 * weight restoration from TensorFlow checkpoints, and training.
 *
 * @example
 * ```ts
 * import { buildVgg, fit, loadFashionMnist, useBackend } from "./mod.ts";
 * await useBackend("auto");
 * const { dataset } = await loadFashionMnist();
 * const model = buildVgg("small", { numClasses: 10, inputSize: 32 });
 * fit(model, dataset, { epochs: 1 });
 * ```
 *
 * @module
 */
export * from "./lib/backend/mod.ts";
export * from "./lib/checkpoint/mod.ts";
export * from "./lib/data/mod.ts";
export * from "./lib/models/mod.ts";
export * from "./lib/train/mod.ts";
export * from "./lib/weights/mod.ts";
export { createProgress, type Progress, type ProgressOptions } from "./lib/util/progress.ts";
export { cacheDir } from "./lib/util/cache.ts";
export { seededRandom } from "./lib/util/random.ts";
export * from "./lib/report/mod.ts";
export * from "./lib/lab/mod.ts";
