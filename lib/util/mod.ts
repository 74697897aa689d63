/**
 * What every layer uses: atomic writes, the cache and data folders, command
 * lines, files and folder locks, gzip, HTML escaping, Jupyter detection,
 * progress bars and seeded randomness. The layers above import it from
 * here; the root API (mod.ts) picks its own.
 *
 * @module
 */
export { isOwnTemp, tempSibling, writeFileAtomic } from "./atomic.ts";
export { cacheDir, dataDir } from "./cache.ts";
export {
  choiceFlag,
  listFlag,
  numberFlag,
  optionalNumberFlag,
  parseFlags,
  UsageError,
} from "./cli.ts";
export type { FlagSpec } from "./cli.ts";
export { FileReader } from "./file_reader.ts";
export { lockFolder, waitForLock } from "./folder_lock.ts";
export {
  checkWritableFolder,
  exists,
  formatBytes,
  freeBytes,
  readRegularFile,
  regularFile,
} from "./fs.ts";
export { gunzip, isGzip, readMaybeGzip } from "./gzip.ts";
export { escapeHtml } from "./html.ts";
export { inNotebook, jupyter } from "./jupyter.ts";
export { peakRss } from "./memory.ts";
export { createProgress } from "./progress.ts";
export type { Progress, ProgressOptions } from "./progress.ts";
export { permutation, seededRandom } from "./random.ts";
export type { Random } from "./random.ts";
export { type Tool, toolPath } from "./tools.ts";
