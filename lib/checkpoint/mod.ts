/**
 * TensorFlow checkpoints in TypeScript: read V1 and V2 (LevelDB tables,
 * snappy, CRC32C), write V2 and V1 byte-compatible with TensorFlow.
 *
 * @module
 */
export * from "./bundle_reader.ts";
export * from "./checkpoint.ts";
export * from "./slice_reader.ts";
export * from "./table.ts";
export * from "./writer.ts";
