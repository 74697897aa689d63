/**
 * Compute backends: pick one with `useBackend` (tfjs-node-gpu → tfjs-node →
 * onednn → wasm → cpu), and the memory controls of the `onednn` backend.
 * The kernels themselves live in the files of this folder and `onednn/`;
 * the layers above use only this module (`backendCapabilities` says what the
 * active backend can do).
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
export { type BackendCapabilities, backendCapabilities } from "./capabilities.ts";
export {
  collectGarbage,
  ONEDNN_BACKEND,
  releaseMemory,
  resetTensorPeak,
  tensorPeakBytes,
} from "./onednn_backend.ts";
export { copyOfData, ownedTensor } from "./tensor_data.ts";
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from "./wasm_training_kernels.ts";
export type { OneDnn, Symbols } from "./onednn/library.ts";
export type { OneDnnHost } from "./onednn/memory.ts";
export {
  ONEDNN_KERNELS,
  registerOneDnnKernels,
  type RegisterOneDnnOptions,
  unregisterOneDnnKernels,
} from "./onednn/kernels.ts";

// For lib/ops only: the kernels and buffers the fused ops are built on (tests/layers_test.ts
// keeps every other layer off them).
export { adamUpdate } from "./onednn/adam.ts";
export {
  BATCH_NORM_GRAD_KERNEL,
  BATCH_NORM_KERNEL,
  RELU6_GRAD_KERNEL,
  RELU_GRAD_KERNEL,
  SUM_OF_SQUARES_KERNEL,
} from "./onednn/custom_kernels.ts";
export { dnn } from "./onednn/memory.ts";
export {
  hostedBackend,
  oneDnnActive,
  readableData,
  scratchTensor,
  writableData,
} from "./tensor_data.ts";
