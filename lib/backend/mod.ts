/**
 * Compute backends: pick one with `useBackend` (tfjs-node-gpu → tfjs-node →
 * onednn → wasm → cpu), and the memory controls of the `onednn` backend.
 * The kernels themselves live in the files of this folder and `onednn/`.
 *
 * @module
 */
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendInfo,
  useBackend,
  type UseBackendOptions,
} from "./select.ts";
export { explainHeapFailure, isWasmHeapFailure } from "./heap_limit.ts";
export {
  ONEDNN_BACKEND,
  releaseMemory,
  resetTensorPeak,
  tensorPeakBytes,
} from "./onednn_backend.ts";
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from "./wasm_training_kernels.ts";
export type { OneDnn, Symbols } from "./onednn/library.ts";
export type { OneDnnHost } from "./onednn/memory.ts";
export {
  ONEDNN_KERNELS,
  registerOneDnnKernels,
  type RegisterOneDnnOptions,
  unregisterOneDnnKernels,
} from "./onednn/kernels.ts";
