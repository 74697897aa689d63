/**
 * Test helpers for restore-and-fine-tune checks: a model's variables as a
 * TF-Slim-named V1 checkpoint, which variables a step changed, and a
 * random input batch.
 */
import * as tf from "@tensorflow/tfjs";
import { writeCheckpoint } from "../../lib/io/checkpoint/writer.ts";
import type { Model } from "../../lib/models/model.ts";
import { seededRandom } from "../../lib/util/random.ts";

/** Writes every variable of `model` to a V1 checkpoint at `path` (as a TF-Slim release would hold them). */
export async function writeModelCheckpoint(model: Model, path: string): Promise<void> {
  await writeCheckpoint(
    path,
    model.store.list().map((v) => ({
      name: v.name,
      dtype: "float32" as const,
      shape: v.variable.shape,
      data: v.variable.dataSync() as Float32Array,
    })),
    { format: "v1" },
  );
}

/** A copy of every variable's values, to compare after a step. */
export function snapshot(model: Model): Map<string, ArrayLike<number>> {
  return new Map(model.store.list().map((v) => [v.name, v.variable.dataSync().slice()]));
}

/** The variables whose values differ (in any bit) from `before`. */
export function changedSince(model: Model, before: Map<string, ArrayLike<number>>): string[] {
  return model.store.list().filter((v) => {
    const old = before.get(v.name)!;
    return !v.variable.dataSync().every((a, i) => Object.is(a, old[i]));
  }).map((v) => v.name);
}

/** A batch of images with values uniform in [-1, 1), from `seed`. */
export function randomImages(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const random = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(Float32Array.from({ length: n }, () => random() * 2 - 1), shape);
}
