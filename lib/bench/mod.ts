/**
 * The bench harness: one timing loop, one FLOP definition (counted kernel
 * FLOPs), typed records from measuring processes. `deno task bench`,
 * `bench:gpu`, `bench:kernels` and `bench:features` are built on it.
 *
 * @module
 */
export { countedFlops, gflops, percentOfPeak } from "./flops.ts";
export { LAB_CASES, type LabCase, measureLabCase, type TorchLabRecord } from "./lab_cases.ts";
export { isMeasured, runRecord, trainRecord } from "./records.ts";
export type {
  CheckpointBench,
  FolderBench,
  FolderStreamRecord,
  Measured,
  TrainRecord,
} from "./records.ts";
export { perSecond, timeRuns } from "./timing.ts";
export type { Timing, TimingOptions } from "./timing.ts";
