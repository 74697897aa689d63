/**
 * Optimizers by name, setting their learning rate per step, and their state
 * (slots) as TF-style named tensors for checkpoints: `<var>/Adam`,
 * `<var>/Adam_1`, `<var>/Momentum`, `<var>/RMSProp`, `<var>/RMSProp_1`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { copyOfData, ownedTensor } from "../backend/mod.ts";
import type { NamedTensor } from "../io/mod.ts";
import { FusedAdamOptimizer } from "../ops/mod.ts";

/** Optimizer names accepted by {@linkcode createOptimizer}. */
export const OPTIMIZERS = ["sgd", "momentum", "adam", "rmsprop"] as const;
/** One of {@linkcode OPTIMIZERS}. */
export type OptimizerName = typeof OPTIMIZERS[number];

const SLOTS: Record<OptimizerName, string[]> = {
  sgd: [],
  momentum: ["Momentum"],
  adam: ["Adam", "Adam_1"],
  rmsprop: ["RMSProp", "RMSProp_1"],
};

/** Slot tensors a checkpoint holds per trainable variable for this optimizer (Adam: 2). */
export function checkpointSlotCount(kind: OptimizerName): number {
  return SLOTS[kind].length;
}

/** Options of {@linkcode createOptimizer}. */
export interface OptimizerOptions {
  /** Momentum for `momentum` (default 0.9) and `rmsprop` (default 0). */
  momentum?: number;
}

/** An optimizer that remembers its kind (for slots in checkpoints). */
export interface NamedOptimizer {
  /** The optimizer's name (sets the slot names in checkpoints). */
  kind: OptimizerName;
  /** The tfjs optimizer. */
  optimizer: tf.Optimizer;
}

/** Creates an optimizer by name. */
export function createOptimizer(
  kind: OptimizerName,
  lr: number,
  options: OptimizerOptions = {},
): NamedOptimizer {
  switch (kind) {
    case "sgd":
      return { kind, optimizer: tf.train.sgd(lr) };
    case "momentum":
      return { kind, optimizer: tf.train.momentum(lr, options.momentum ?? 0.9) };
    case "adam":
      return { kind, optimizer: new FusedAdamOptimizer(lr) };
    case "rmsprop":
      return { kind, optimizer: tf.train.rmsprop(lr, 0.9, options.momentum ?? 0, 1e-10) };
    default:
      throw new Error(`unknown optimizer '${kind}': expected one of ${OPTIMIZERS.join(", ")}`);
  }
}

/** Sets the learning rate used by the next update. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as {
    setLearningRate?: (lr: number) => void;
    learningRate: number;
  };
  if (typeof o.setLearningRate === "function") o.setLearningRate(lr);
  else o.learningRate = lr;
}

/**
 * The optimizer's slots as named tensors for the trainable variables
 * `names` (in the order the train step passes them). Empty before the first
 * update.
 */
export async function optimizerSlots(opt: NamedOptimizer, names: string[]): Promise<NamedTensor[]> {
  const weights = await opt.optimizer.getWeights();
  // getWeights makes a fresh scalar for the iteration count: free it.
  for (const w of weights) if (w.name === "iter") w.tensor.dispose();
  const slots = SLOTS[opt.kind];
  const body = weights.filter((w) => w.name !== "iter");
  if (body.length === 0 || slots.length === 0) return [];
  if (body.length !== slots.length * names.length) {
    throw new Error(
      `optimizer ${opt.kind} holds ${body.length} slot tensors for ${names.length} variables`,
    );
  }
  const tensors: NamedTensor[] = [];
  for (const [i, w] of body.entries()) {
    tensors.push({
      name: `${names[i % names.length]}/${slots[Math.floor(i / names.length)]}`,
      dtype: "float32",
      shape: w.tensor.shape,
      data: await copyOfData(w.tensor),
    });
  }
  // Adam's bias corrections as TF1 saves them: the running products β^t, not t (recomputing
  // pow(β, t) on resume rounds differently from multiplying step by step).
  const powers = adamPowers(opt);
  if (powers) {
    for (const [name, v] of [["beta1_power", powers[0]], ["beta2_power", powers[1]]] as const) {
      tensors.push({ name, dtype: "float32", shape: [], data: await copyOfData(v) });
    }
  }
  return tensors;
}

/** Adam's running β1^t and β2^t variables (undefined for other optimizers). */
function adamPowers(opt: NamedOptimizer): [tf.Variable, tf.Variable] | undefined {
  if (opt.kind !== "adam") return undefined;
  const o = opt.optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  return o.accBeta1 && o.accBeta2 ? [o.accBeta1, o.accBeta2] : undefined;
}

/**
 * Restores slots written by {@linkcode optimizerSlots}; `read` returns a
 * saved slot by name (or undefined). `iterations` is the number of updates
 * already applied (the global step).
 */
export async function restoreOptimizerSlots(
  opt: NamedOptimizer,
  names: string[],
  iterations: number,
  read: (name: string) => Promise<Float32Array | undefined>,
  shapes: number[][],
): Promise<boolean> {
  const slots = SLOTS[opt.kind];
  const values: { name: string; tensor: tf.Tensor }[] = [{
    name: "iter",
    tensor: tf.scalar(iterations, "int32"),
  }];
  for (const slot of slots) {
    for (const [i, name] of names.entries()) {
      const data = await read(`${name}/${slot}`);
      if (!data) return false;
      values.push({ name: `${name}/${slot}`, tensor: ownedTensor(data, shapes[i]) });
    }
  }
  if (slots.length > 0) await opt.optimizer.setWeights(values);
  // setWeights copies into its own variables.
  tf.dispose(values.map((v) => v.tensor));
  // setWeights recomputes β^t with pow(); the saved running products make a resume bit-exact.
  const powers = adamPowers(opt);
  if (powers) {
    for (const [k, name] of ["beta1_power", "beta2_power"].entries()) {
      const saved = await read(name);
      if (saved) tf.tidy(() => powers[k].assign(tf.scalar(saved[0])));
    }
  }
  return true;
}
