/**
 * A train/test split of image files saved as a file, so that a rerun and a
 * resumed training see the same split: stratified by class with a fixed
 * seed the first time, read back (and checked against the folder) after.
 *
 * @module
 */
import { writeFileAtomic } from "../util/mod.ts";
import { exists, readRegularFile } from "../util/mod.ts";
import { classCounts, type ImageFiles, subset } from "./dataset.ts";
import { stratifiedSplit } from "./split.ts";

/** Options of {@linkcode splitImageFiles}. */
export interface SplitFileOptions {
  /** Share of each class held out for testing, in (0, 1); default 0.2. */
  testFraction?: number;
  /** Default 0. */
  seed?: number;
  /** Where the split is saved (JSON); without it nothing is saved. */
  file?: string;
  /** Where a note about the split goes; default console.log. */
  log?: (line: string) => void;
}

interface SplitRecord {
  version: 1;
  root: string;
  seed: number;
  testFraction: number;
  /** Test files, relative to the root. */
  test: string[];
  /** Train files, relative to the root. */
  train: string[];
}

/**
 * Splits `ds` into train and test by file. With `file`: reuses the split
 * saved there (files of the folder that it does not list are left out, with
 * a note; listed files that are gone are an error naming them), else makes
 * it and saves it. A split that leaves a class without test images is refused.
 */
export async function splitImageFiles(
  ds: ImageFiles,
  options: SplitFileOptions = {},
): Promise<{ train: ImageFiles; test: ImageFiles }> {
  const log = options.log ?? ((l: string) => console.log(l));
  const rel = (p: string) => p.slice(ds.root.length + 1);
  if (options.file && (await exists(options.file))) {
    let saved: SplitRecord;
    try {
      saved = JSON.parse(
        new TextDecoder().decode(await readRegularFile(options.file, "split file")),
      );
    } catch (err) {
      throw new Error(`${options.file}: not a split file (${(err as Error).message})`);
    }
    if (saved?.version !== 1 || !Array.isArray(saved.test) || !Array.isArray(saved.train)) {
      throw new Error(
        `${options.file}: not a split file: expected {version: 1, train: [...], test: [...]}`,
      );
    }
    const index = new Map(ds.files.map((f, i) => [rel(f), i]));
    const pick = (names: string[]) =>
      names.map((n) => {
        const i = index.get(n);
        if (i === undefined) {
          throw new Error(
            `${options.file}: lists ${ds.root}/${n}, which is not in the folder any more; ` +
              `delete the split file to split anew`,
          );
        }
        return i;
      });
    const train = pick(saved.train), test = pick(saved.test);
    const unlisted = ds.files.length - train.length - test.length;
    if (unlisted > 0) {
      log(`${options.file}: ${unlisted} files of ${ds.root} are new since the split and left out`);
    }
    return { train: subset(ds, train), test: subset(ds, test) };
  }
  const f = options.testFraction ?? 0.2;
  const { train, validation: test } = stratifiedSplit(ds, {
    validationFraction: f,
    seed: options.seed,
  });
  const empty = classCounts(test).flatMap((n, c) => (n === 0 ? [ds.classNames[c]] : []));
  if (empty.length > 0) {
    throw new Error(
      `${ds.root}: a test split of ${f} leaves no test image for ${empty.join(", ")} ` +
        `(a class needs at least 2 images)`,
    );
  }
  if (options.file) {
    const record: SplitRecord = {
      version: 1,
      root: ds.root,
      seed: options.seed ?? 0,
      testFraction: f,
      test: test.files.map(rel),
      train: train.files.map(rel),
    };
    await writeFileAtomic(options.file, JSON.stringify(record));
    log(
      `split ${train.files.length} train / ${test.files.length} test images; saved ${options.file}`,
    );
  }
  return { train, test };
}
