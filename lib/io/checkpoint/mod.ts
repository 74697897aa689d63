/**
 * TensorFlow checkpoints in TypeScript: read V1 and V2 (LevelDB tables,
 * snappy, CRC32C), write V2 and V1 byte-compatible with TensorFlow. The
 * table, protobuf and CRC layers are internal: import their files directly.
 *
 * @module
 */
export { BundleReader } from "./bundle_reader.ts";
export {
  type Checkpoint,
  latestCheckpoint,
  openCheckpoint,
  parseCheckpointState,
  resolveCheckpoint,
} from "./checkpoint.ts";
export { SliceReader } from "./slice_reader.ts";
export type { BundleEntry, BundleHeader, SliceMeta } from "./tf_protos.ts";
export type { Extent } from "./ordered_code.ts";
export {
  formatCheckpointState,
  type NamedTensor,
  removeStaleTemps,
  writeCheckpoint,
  type WriteCheckpointOptions,
} from "./writer.ts";
