/**
 * Weights into and out of models by TF-Slim name: `restore` (any weight
 * file, with exclude/include scopes), `restoreVariables` (from any open
 * source), `saveModel` (a TF checkpoint), VGG weights from Keras and
 * torchvision, and `exportModel` (a TF.js layers model for the browser).
 *
 * @module
 */
export { type RestoreOptions, type RestoreReport, restoreVariables } from "./restore.ts";
export { restore, type RestoreModelOptions } from "./restore_model.ts";
export { modelTensors, saveModel, type SaveModelOptions } from "./save_model.ts";
export { detectLayout, vggWeightsFrom, type WeightLayout } from "./foreign_layouts.ts";
export { exportModel, type TfjsExport, toLayersModel } from "./export_tfjs.ts";
