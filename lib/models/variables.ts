/**
 * Named model variables: the TF-Slim variable name is the contract between a
 * model, its checkpoints and the scopes a user trains or restores.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { releaseMemory } from "../backend/mod.ts";

/** How a variable's initial value is drawn. */
export type Initializer =
  | { kind: "zeros" }
  | { kind: "ones" }
  | { kind: "constant"; value: number }
  | { kind: "glorot_uniform" }
  | { kind: "variance_scaling" }
  | { kind: "truncated_normal"; stddev: number };

/** One model variable with its TF-Slim name. */
export interface NamedVariable {
  /** Full name, e.g. `vgg_16/conv1/conv1_1/weights`. */
  name: string;
  /** The tfjs variable holding the value. */
  variable: tf.Variable;
  /** Statistics (BatchNorm moving mean/variance) are never trained by gradients. */
  isStatistic: boolean;
}

/** An ordered collection of named variables, created as a model is built. */
export class VariableStore {
  readonly #vars = new Map<string, NamedVariable>();
  #seed: number;

  /** `seed` makes initial values reproducible. */
  constructor(seed = 0) {
    this.#seed = seed;
  }

  /** Creates a variable; a duplicate name is a programming error. */
  create(
    name: string,
    shape: number[],
    init: Initializer,
    options: { isStatistic?: boolean } = {},
  ): tf.Variable {
    if (this.#vars.has(name)) throw new Error(`variable '${name}' defined twice`);
    const seed = this.#seed++;
    let value: tf.Tensor;
    try {
      value = tf.tidy(() => initialValue(shape, init, seed));
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // A JS buffer too large for the heap or the machine: say which variable and why.
      const gib = (shape.reduce((a, b) => a * b, 1) * 4 / 2 ** 30).toFixed(1);
      throw new Error(
        `variable '${name}' [${shape}] needs ${gib} GiB and cannot be allocated ` +
          `(${err.message}): the model is too large at this input size; use smaller images`,
      );
    }
    // tfjs names must be unique per process; two models may share TF-Slim names.
    const variable = tf.variable(value, !options.isStatistic);
    value.dispose();
    this.#vars.set(name, { name, variable, isStatistic: !!options.isStatistic });
    return variable;
  }

  /** Looks a variable up by full name. */
  get(name: string): tf.Variable {
    const found = this.#vars.get(name);
    if (!found) throw new Error(`no variable named '${name}'`);
    return found.variable;
  }

  /** All variables in creation order. */
  list(): NamedVariable[] {
    return [...this.#vars.values()];
  }

  /** Releases every variable's memory, and hands it back to the system. */
  dispose(): void {
    for (const v of this.#vars.values()) v.variable.dispose();
    this.#vars.clear();
    releaseMemory();
  }
}

function fans(shape: number[]): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function initialValue(shape: number[], init: Initializer, value: number): tf.Tensor {
  // tfjs' normal samplers take a seed of 0 for "none" (`seed ? seed : Math.random()`), so the
  // first variable came out different in every build; its string is what alea hashes for any
  // other seed, so nothing else changes.
  const seed = String(value) as unknown as number;
  switch (init.kind) {
    case "zeros":
      return tf.zeros(shape);
    case "ones":
      return tf.ones(shape);
    case "constant":
      return tf.fill(shape, init.value);
    case "glorot_uniform": {
      const [fanIn, fanOut] = fans(shape);
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return tf.randomUniform(shape, -limit, limit, "float32", seed);
    }
    case "variance_scaling": {
      // TF-Slim's ResNet default: He (fan-in, factor 2), truncated normal.
      const [fanIn] = fans(shape);
      return tf.truncatedNormal(
        shape,
        0,
        Math.sqrt(2 / fanIn) / 0.8796256610342398,
        "float32",
        seed,
      );
    }
    case "truncated_normal":
      return tf.truncatedNormal(shape, 0, init.stddev, "float32", seed);
  }
}

/**
 * True when `name` falls under `scope` exactly as TF-Slim decides it
 * (`get_variables_to_restore(exclude=...)` and `tf.get_collection(..., scope)`
 * both test a plain string prefix): `vgg_16/fc8` covers `vgg_16/fc8/weights`.
 */
export function inScope(name: string, scope: string): boolean {
  return name.startsWith(scope);
}
