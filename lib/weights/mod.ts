/**
 * Weights into and out of models by TF-Slim name: `restore` (any weight
 * file, with exclude/include scopes), `restoreVariables` (from any open
 * source), `saveModel` (a TF checkpoint).
 *
 * @module
 */
export { type RestoreOptions, type RestoreReport, restoreVariables } from "./restore.ts";
export { restore, type RestoreModelOptions } from "./restore_model.ts";
export { modelTensors, saveModel, type SaveModelOptions } from "./save_model.ts";
