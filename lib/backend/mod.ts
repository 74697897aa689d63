/**
 * Compute backends: selection with fallback, and the wasm training kernels.
 *
 * @module
 */
export * from "./select.ts";
export * from "./wasm_training_kernels.ts";
