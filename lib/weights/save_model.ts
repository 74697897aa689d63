/**
 * Saving a model's variables as a TF-Slim-named TensorFlow checkpoint.
 *
 * @module
 */
import { type NamedTensor, writeCheckpoint, type WriteCheckpointOptions } from "../io/mod.ts";
import { copyOfData } from "../backend/mod.ts";
import type { Model } from "../models/mod.ts";

/** Options of {@linkcode saveModel}. */
export interface SaveModelOptions extends WriteCheckpointOptions {
  /** Written as the int64 variable `global_step`, as TF-Slim training does. */
  globalStep?: number;
  /** More tensors written beside the variables (e.g. optimizer slots). */
  extra?: NamedTensor[];
}

/** The model's variables as tensors ready for {@linkcode writeCheckpoint}. */
export async function modelTensors(model: Model): Promise<NamedTensor[]> {
  const out: NamedTensor[] = [];
  for (const v of model.store.list()) {
    out.push({
      name: v.name,
      dtype: "float32",
      shape: v.variable.shape,
      data: await copyOfData(v.variable),
    });
  }
  return out;
}

/** Writes `model` to `prefix` (V2 by default, with the `checkpoint` state file). */
export async function saveModel(
  model: Model,
  prefix: string,
  options: SaveModelOptions = {},
): Promise<void> {
  const tensors = [...await modelTensors(model), ...(options.extra ?? [])];
  if (options.globalStep !== undefined) {
    tensors.push({
      name: "global_step",
      dtype: "int64",
      shape: [],
      data: BigInt64Array.from([BigInt(options.globalStep)]),
    });
  }
  await writeCheckpoint(prefix, tensors, options);
}
