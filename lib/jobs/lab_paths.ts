/**
 * Lab files named on a command line: `--dataset cifar10` and
 * `--checkpoint vgg_16` resolve through the shared data folder
 * (`TL_DATA_DIR`), fetched and checked by `fetchLabFile`.
 *
 * @module
 */
import { fetchLabFile, LAB_FILES } from "../lab/mod.ts";
import { exists } from "../util/mod.ts";

/** `cifar10` / `cifar100` alone → `cifar10:<data folder>/datasets/...`; other specs unchanged. */
export async function resolveLabDataset(spec: string): Promise<string> {
  if (spec === "cifar10" || spec === "cifar100") return `${spec}:${await fetchLabFile(spec)}`;
  return spec;
}

/** A zoo name with a TF-Slim checkpoint (`vgg_16`) → its file in the data folder; paths unchanged. */
export async function resolveLabCheckpoint(path: string): Promise<string> {
  if (LAB_FILES[path]?.kind === "checkpoint" && !(await exists(path))) {
    return await fetchLabFile(path);
  }
  return path;
}
