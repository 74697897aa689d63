/**
 * Helpers for the lab's notebooks: quick mode and its stand-in files,
 * required downloads, architecture arithmetic.
 *
 * @module
 */
export { stackedReceptiveField, stackVsSingle, vggParameters } from "./architecture.ts";
export { imbalancedSubset, makeQuickCheckpoint, makeQuickCifar, quickMode } from "./quick.ts";
export { requireFile } from "./require_file.ts";
export { transferTableSections } from "./transfer_report.ts";
export {
  classRange,
  LECTURE_TABLE,
  STRATEGIES,
  type TransferTable,
  transferTable,
  type TransferTableOptions,
  transferTableText,
} from "./transfer_table.ts";
