/**
 * Adam that updates weights and slots in place on the `onednn` and `wasm`
 * backends. tfjs' AdamOptimizer runs ten element-wise ops per variable,
 * each allocating a full-size temporary (VGG-16's fc layers: 120 M floats,
 * ~4.8 GB allocated per step). With oneDNN the update is four fused,
 * multi-threaded passes (same formula, other rounding order: within a few
 * float32 ulps of tfjs'); without it, one JavaScript pass that computes
 * tfjs' float32 arithmetic op by op (`Math.fround`), bit-identical to it.
 * Both are deterministic. State, slot names and checkpoints are tfjs' (it
 * is an AdamOptimizer).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { adamUpdate } from "../backend/mod.ts";
import { SUM_OF_SQUARES_KERNEL } from "../backend/mod.ts";
import { dnn } from "../backend/mod.ts";
import {
  hostedBackend,
  oneDnnActive,
  readableData,
  scratchTensor,
  writableData,
} from "../backend/mod.ts";

const f = Math.fround;

/**
 * The wasm backend's XNNPACK convolutions and matmuls pack a weight once
 * and cache the packed copy by the tensor's data id: a weight updated in
 * place would be read stale by every later forward pass (the net would
 * train on its first weights). There, the updated values move to a fresh
 * buffer, which the next forward packs anew.
 */
function rebindOnWasm(value: tf.Variable): void {
  if (tf.getBackend() !== "wasm") return;
  const fresh = scratchTensor(value.size);
  // Views are taken after the allocation: the wasm heap may move when it grows.
  writableData(fresh)!.set(readableData(value)!);
  const shaped = tf.reshape(fresh, value.shape);
  value.assign(shaped);
  tf.dispose([shaped, fresh]);
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The private state of tfjs' AdamOptimizer this class works on. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

function slot(name: string, value: tf.Variable): Slot {
  return { originalName: name, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
}

/** One variable's update with tfjs ops (data shared elsewhere, other backends). */
function updateWithOps(
  s: AdamState,
  io: { value: tf.Variable; g: tf.Tensor; m: tf.Variable; v: tf.Variable },
  corrections: [tf.Scalar, tf.Scalar],
): void {
  tf.tidy(() => {
    const { value, g, m, v } = io;
    const m1 = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1));
    const v1 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
    const mh = tf.div(m1, corrections[0]), vh = tf.div(v1, corrections[1]);
    m.assign(m1);
    v.assign(v1);
    value.assign(
      tf.add(tf.mul(tf.div(mh, tf.add(tf.sqrt(vh), s.epsilon)), -s.learningRate), value),
    );
  });
}

/** Adam (tfjs' semantics and state) with in-place updates where the backend allows. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /**
   * Let an update use a gradient's own buffer as scratch space (its values
   * are garbage afterwards). Off by default, as tfjs never writes its
   * inputs; the train step, which disposes its gradients right after, turns
   * it on (VGG-16: 553 MB less to allocate per step).
   */
  consumesGradients = false;

  /** Same arguments as `tf.train.adam`. */
  constructor(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon ?? null as unknown as number);
  }

  override applyGradients(grads: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const s = this as unknown as AdamState;
    const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
    const gradientOf = (i: number, name: string) =>
      Array.isArray(grads) ? grads[i].tensor : grads[name];
    // Only the in-place paths use β^t, and they run only where tensors are in host memory
    // (elsewhere writableData is null and every update is tfjs ops): a GPU is never read.
    const [acc1, acc2] = hostedBackend()
      ? [s.accBeta1.dataSync()[0], s.accBeta2.dataSync()[0]]
      : [NaN, NaN];
    // The scalars tfjs would make: each a float32.
    const c1 = f(1 - acc1), c2 = f(1 - acc2);
    const b1 = f(s.beta1), b2 = f(s.beta2), ob1 = f(1 - s.beta1), ob2 = f(1 - s.beta2);
    const eps = f(s.epsilon), nlr = f(-s.learningRate);
    const corrections = tf.tidy(() => [tf.sub(1, s.accBeta1), tf.sub(1, s.accBeta2)]) as [
      tf.Scalar,
      tf.Scalar,
    ];
    const fast = oneDnnActive();
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      s.accumulatedFirstMoment[i] ??= slot(`${name}/m`, value);
      s.accumulatedSecondMoment[i] ??= slot(`${name}/v`, value);
      const g = gradientOf(i, name);
      if (g == null) return;
      const m = s.accumulatedFirstMoment[i].variable, v = s.accumulatedSecondMoment[i].variable;
      // The gradient's own buffer is the scratch space when nothing else reads it (it is
      // used up by then); else a pooled one, allocated before any view is taken (the wasm
      // heap may move on allocation).
      const reuse = fast && this.consumesGradients && writableData(g) !== null;
      const scratch = fast && !reuse ? scratchTensor(value.size) : undefined;
      const w = writableData(value), mm = writableData(m), vv = writableData(v);
      const gg = readableData(g);
      if (fast) {
        const t = scratch ? readableData(scratch) : writableData(g);
        if (w && mm && vv && gg && t) {
          const p = Deno.UnsafePointer.of;
          adamUpdate(dnn(), w.length, s, {
            w: p(w),
            m: p(mm),
            v: p(vv),
            g: p(gg),
            scratch: p(t),
            correction2: c2,
            stepScale: -s.learningRate / c1,
          });
          rebindOnWasm(value);
        } else updateWithOps(s, { value, g, m, v }, corrections);
        scratch?.dispose();
        return;
      }
      if (!w || !mm || !vv || !gg) {
        updateWithOps(s, { value, g, m, v }, corrections);
        return;
      }
      for (let j = 0; j < w.length; j++) {
        const gj = gg[j];
        const m1 = f(f(mm[j] * b1) + f(gj * ob1));
        const v1 = f(f(vv[j] * b2) + f(f(gj * gj) * ob2));
        mm[j] = m1;
        vv[j] = v1;
        const step = f(f(f(m1 / c1) / f(f(Math.sqrt(f(v1 / c2))) + eps)) * nlr);
        w[j] = f(step + w[j]);
      }
      rebindOnWasm(value);
    });
    tf.dispose(corrections);
    tf.tidy(() => {
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
}

/** Σw² as a scalar: one oneDNN reduction where available (no w² temporary), else tfjs ops. */
export function sumOfSquares(w: tf.Tensor): tf.Scalar {
  if (oneDnnActive() && w.dtype === "float32" && w.size > 0) {
    return tf.engine().runKernel(SUM_OF_SQUARES_KERNEL, { x: w }) as tf.Scalar;
  }
  return tf.tidy(() => tf.sum(tf.square(w)));
}

/**
 * `g + decay·w`, computed in `g`'s own data when it alone owns it (then `g`
 * itself is returned), else as a new tensor. Float32 arithmetic as tfjs'.
 */
export function addScaled(g: tf.Tensor, w: tf.Tensor, decay: number): tf.Tensor {
  const out = writableData(g), ws = readableData(w);
  if (!out || !ws || out.length !== ws.length) return tf.tidy(() => tf.add(g, tf.mul(w, decay)));
  const d = f(decay);
  for (let i = 0; i < out.length; i++) out[i] = f(out[i] + f(ws[i] * d));
  return g;
}
