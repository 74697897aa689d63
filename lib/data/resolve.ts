/**
 * Datasets named on a command line: `fashion-mnist`, `mnist[:dir]`,
 * `cifar10:<folder|archive>`, `cifar100:<folder|archive>`, `folder:<path>`.
 *
 * @module
 */
import { loadCifar } from "./cifar.ts";
import type { Dataset, ResizeMode } from "./dataset.ts";
import { loadFashionMnist, loadMnist } from "./fashion_mnist.ts";
import { cacheDecoded } from "./decoded_cache.ts";
import { indexImageFolder } from "./image_files.ts";
import { splitImageFiles } from "./split_file.ts";

/** The dataset kinds a spec can name. */
export const DATASET_KINDS = ["fashion-mnist", "mnist", "cifar10", "cifar100", "folder"];

/** Options of {@linkcode loadDatasetSpec} and {@linkcode loadDatasetSplits}. */
export interface DatasetSpecOptions {
  /** Which split to load. */
  split: "train" | "test";
  /** Image folders have no split: this fraction of each class (seeded) becomes `test`. Default 0.2. */
  testFraction?: number;
  /** Image folders stream at this square size (the model's input size); required for them. */
  size?: number;
  /** Image folders: how images reach the size; default `stretch`. */
  resize?: ResizeMode;
  /** Image folders: drop undecodable images (counted) instead of failing. */
  skipBadImages?: boolean;
  /** Image folders: decode every image once into the decoded cache (`cacheDecoded`). */
  cacheDecoded?: boolean;
  /** Image folders: save the split here, or reuse the one saved there. */
  splitFile?: string;
  /** Image folders: where indexing and split notes go; default console.error. */
  log?: (line: string) => void;
}

/** Loads the dataset a spec names (one split). */
export async function loadDatasetSpec(
  spec: string,
  options: DatasetSpecOptions,
): Promise<Dataset> {
  return (await loadDatasetSplits(spec, options))[options.split];
}

/**
 * Loads both splits of the dataset a spec names. An image folder is indexed
 * once and streamed (never decoded whole), split by file with a fixed seed
 * (saved to `splitFile` when given).
 */
export async function loadDatasetSplits(
  spec: string,
  options: Omit<DatasetSpecOptions, "split"> & { split?: "train" | "test" } = {},
): Promise<{ train: Dataset; test: Dataset }> {
  const at = spec.indexOf(":");
  const kind = at < 0 ? spec : spec.slice(0, at);
  const path = at < 0 ? undefined : spec.slice(at + 1);
  const both = async (load: (split: "train" | "test") => Promise<Dataset>) => {
    // Only the split asked for, when one is.
    const want = options.split;
    const [train, test] = await Promise.all(
      (["train", "test"] as const).map((s) => (want && want !== s ? undefined : load(s))),
    );
    return { train: train!, test: test! };
  };
  switch (kind) {
    case "fashion-mnist":
      return both(async (split) => (await loadFashionMnist({ dir: path, split })).dataset);
    case "mnist":
      return both(async (split) => (await loadMnist({ dir: path, split })).dataset);
    case "cifar10":
    case "cifar100":
      if (!path) throw new Error(`dataset '${spec}': expected ${kind}:<folder or .tar.gz>`);
      return both((split) => loadCifar(path, { variant: kind, split }));
    case "folder": {
      if (!path) throw new Error(`dataset '${spec}': expected folder:<path>`);
      if (!options.size) {
        throw new Error(
          `dataset '${spec}': image folders stream at the model's input size: pass size`,
        );
      }
      let all = await indexImageFolder(path, {
        size: options.size,
        resize: options.resize,
        skipBadImages: options.skipBadImages,
        log: options.log,
        progress: options.log ? false : undefined,
      });
      if (options.cacheDecoded) {
        all = await cacheDecoded(all, { progress: options.log ? false : undefined });
      }
      return await splitImageFiles(all, {
        testFraction: options.testFraction,
        seed: 0,
        file: options.splitFile,
        log: options.log,
      });
    }
    default:
      throw new Error(
        `unknown dataset '${spec}': expected one of ${
          DATASET_KINDS.join(", ")
        } (e.g. cifar10:~/data/cifar-10-binary.tar.gz)`,
      );
  }
}
