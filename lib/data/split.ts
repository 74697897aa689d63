/**
 * Stratified train/validation splits by seed.
 *
 * @module
 */
import { permutation, seededRandom } from "../util/mod.ts";
import { type Dataset, subset } from "./dataset.ts";

/** Options of {@linkcode stratifiedSplit}. */
export interface SplitOptions {
  /** Fraction of each class that goes to validation, in (0, 1). */
  validationFraction: number;
  /** Default 0. */
  seed?: number;
}

/**
 * Splits each class separately so both parts keep the class proportions
 * (every class with at least 2 images gets at least one validation image).
 */
export function stratifiedSplit<T extends Dataset>(
  ds: T,
  options: SplitOptions,
): { train: T; validation: T } {
  const f = options.validationFraction;
  if (!(f > 0 && f < 1)) throw new Error(`validation fraction must be in (0, 1), got ${f}`);
  const random = seededRandom(options.seed ?? 0);
  const byClass: number[][] = ds.classNames.map(() => []);
  ds.labels.forEach((l, i) => byClass[l].push(i));
  const train: number[] = [], validation: number[] = [];
  for (const list of byClass) {
    const order = permutation(list.length, random);
    const k = list.length < 2 ? 0 : Math.max(1, Math.round(list.length * f));
    order.forEach((j, rank) => (rank < k ? validation : train).push(list[j]));
  }
  train.sort((a, b) => a - b);
  validation.sort((a, b) => a - b);
  return { train: subset(ds, train), validation: subset(ds, validation) };
}

/** The first `perClass` images of each class (a small-data regime), in dataset order. */
export function takePerClass<T extends Dataset>(ds: T, perClass: number): T {
  const taken = ds.classNames.map(() => 0);
  const keep: number[] = [];
  ds.labels.forEach((l, i) => {
    if (taken[l] < perClass) {
      taken[l]++;
      keep.push(i);
    }
  });
  return subset(ds, keep);
}
