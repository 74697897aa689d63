/**
 * Weight files and restoring them into models by name.
 *
 * @module
 */
export * from "./restore.ts";
export * from "./source.ts";
export * from "./keras_h5.ts";
export * from "./open.ts";
export * from "./safetensors.ts";
export * from "./restore_model.ts";
export * from "./save_model.ts";
