/**
 * Helpers for the lab's notebooks: quick mode and its stand-in files,
 * required downloads, architecture arithmetic.
 *
 * @module
 */
export { stackedReceptiveField, stackVsSingle, vggParameters } from "./architecture.ts";
export { imbalancedSubset, makeQuickCheckpoint, makeQuickCifar, quickMode } from "./quick.ts";
export { requireFile } from "./require_file.ts";
