/**
 * Weight files as bytes: TensorFlow checkpoints (V1/V2), Keras HDF5,
 * safetensors, and format detection. No tfjs and no models here: this
 * layer sits under `weights/` (restore, save) and everything else.
 *
 * @module
 */
export * from "./checkpoint/mod.ts";
export { KerasH5Reader } from "./keras_h5.ts";
export { openWeights, type WeightFile } from "./open_weights.ts";
export {
  type NdArray,
  type PickleDtype,
  type PickleGlobal,
  type PickleValue,
  readPickle,
} from "./pickle.ts";
export { SafetensorsReader, writeSafetensors } from "./safetensors.ts";
export { previewValues, summarizeWeights, type WeightSummary } from "./weight_summary.ts";
export {
  bfloat16ToFloat,
  DTYPE_BYTES,
  elementCount,
  halfToFloat,
  type NumericArray,
  toFloat32,
  type WeightDtype,
  type WeightInfo,
  type WeightSource,
  type WeightValue,
} from "./weight_source.ts";
