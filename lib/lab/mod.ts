/**
 * Helpers for the lab's notebooks: quick mode and its stand-in files,
 * required downloads, architecture arithmetic.
 *
 * @module
 */
export {
  stackedReceptiveField,
  stackVsSingle,
  vggParameters,
  type ZooRow,
  zooSummary,
} from "./architecture.ts";
export {
  imbalancedSubset,
  makeQuickCheckpoint,
  makeQuickCifar,
  makeQuickImageFolder,
  quickMode,
} from "./quick.ts";
export { QUICK_EXERCISES, quickExercise } from "./quick_exercise.ts";
export { requireFile } from "./require_file.ts";
export { fetchLabFile, LAB_FILES, type LabFile, labFilePath } from "./lab_files.ts";
export { runFolder } from "./run_folder.ts";
export { transferTableSections } from "./transfer_report.ts";
export {
  type CellSpec,
  classRange,
  LECTURE_TABLE,
  type MeasuredCell,
  STRATEGIES,
  type Strategy,
  type StrategyResult,
  type TransferTable,
  transferTable,
  type TransferTableOptions,
  transferTableText,
} from "./transfer_table.ts";
