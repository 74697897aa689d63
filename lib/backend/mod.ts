/**
 * Compute backends: selection with fallback, the wasm training kernels and
 * the oneDNN kernels.
 *
 * @module
 */
export * from "./select.ts";
export * from "./wasm_training_kernels.ts";
export * from "./onednn/kernels.ts";
export * from "./heap_limit.ts";
export { releaseMemory, resetTensorPeak, tensorPeakBytes } from "./onednn_backend.ts";
