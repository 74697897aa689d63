/**
 * Datasets named on a command line: `fashion-mnist`, `mnist[:dir]`,
 * `cifar10:<folder|archive>`, `cifar100:<folder|archive>`, `folder:<path>`.
 *
 * @module
 */
import { loadCifar } from "./cifar.ts";
import type { ImageDataset } from "./dataset.ts";
import { loadFashionMnist, loadMnist } from "./fashion_mnist.ts";
import { loadImageFolder } from "./image_folder.ts";
import { stratifiedSplit } from "./split.ts";

/** The dataset kinds a spec can name. */
export const DATASET_KINDS = ["fashion-mnist", "mnist", "cifar10", "cifar100", "folder"];

/** Options of {@linkcode loadDatasetSpec}. */
export interface DatasetSpecOptions {
  /** Which split to load. */
  split: "train" | "test";
  /** Image folders have no split: this fraction (seeded) becomes `test`. Default 0.2. */
  testFraction?: number;
}

/** Loads the dataset a spec names. */
export async function loadDatasetSpec(
  spec: string,
  options: DatasetSpecOptions,
): Promise<ImageDataset> {
  const at = spec.indexOf(":");
  const kind = at < 0 ? spec : spec.slice(0, at);
  const path = at < 0 ? undefined : spec.slice(at + 1);
  switch (kind) {
    case "fashion-mnist":
      return (await loadFashionMnist({ dir: path, split: options.split })).dataset;
    case "mnist":
      return (await loadMnist({ dir: path, split: options.split })).dataset;
    case "cifar10":
    case "cifar100":
      if (!path) throw new Error(`dataset '${spec}': expected ${kind}:<folder or .tar.gz>`);
      return await loadCifar(path, { variant: kind, split: options.split });
    case "folder": {
      if (!path) throw new Error(`dataset '${spec}': expected folder:<path>`);
      const all = await loadImageFolder(path);
      const parts = stratifiedSplit(all, {
        validationFraction: options.testFraction ?? 0.2,
        seed: 0,
      });
      return options.split === "train" ? parts.train : parts.validation;
    }
    default:
      throw new Error(
        `unknown dataset '${spec}': expected one of ${
          DATASET_KINDS.join(", ")
        } (e.g. cifar10:~/data/cifar-10-binary.tar.gz)`,
      );
  }
}
