/**
 * Kernel checks shared by every compute backend: each runs an op and its
 * gradients on the cpu backend and on the backend under test with the same
 * inputs and compares (conv at strides 1/2, SAME/VALID, 1×1 to 7×7,
 * depthwise, pooling, concat, fused conv, matmul in every transposition,
 * batch norm). Reads are asynchronous, so that GPU backends run them too.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { avgPoolGradInto } from "../../lib/backend/wasm_training_kernels.ts";
import { seededRandom } from "../../lib/util/random.ts";

const random = seededRandom(42);
export function values(shape: number[]): number[] {
  return Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() - 0.5);
}

export function assertClose(ref: Float32Array, got: Float32Array, what: string) {
  assert.equal(got.length, ref.length, `${what}: length`);
  let maxRef = 1e-6, maxErr = 0;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    maxErr = Math.max(maxErr, Math.abs(ref[i] - got[i]));
  }
  assert.ok(maxErr / maxRef < 1e-5, `${what}: max error ${maxErr} vs scale ${maxRef}`);
}

export const CONV_CASES: [number[], number[], number, "same" | "valid"][] = [
  [[2, 7, 7, 3], [3, 3, 3, 4], 1, "same"],
  [[2, 8, 8, 3], [3, 3, 3, 4], 2, "same"],
  [[2, 9, 8, 3], [3, 3, 3, 5], 2, "valid"],
  [[1, 6, 7, 2], [1, 1, 2, 3], 2, "same"],
  [[2, 11, 11, 3], [7, 7, 3, 4], 2, "same"],
  [[1, 5, 5, 2], [2, 2, 2, 3], 1, "valid"],
  // Filters that cover the whole input (VGG's fc6): one matrix product on oneDNN.
  [[3, 4, 4, 8], [4, 4, 8, 6], 1, "valid"],
  [[2, 3, 3, 5], [3, 3, 5, 4], 2, "valid"],
  [[2, 10, 9, 4], [3, 3, 4, 4], 1, "valid"],
  // Channel counts where oneDNN uses its blocked (jit) filter layouts.
  [[2, 9, 9, 16], [3, 3, 16, 32], 1, "same"],
  [[2, 10, 10, 32], [3, 3, 32, 16], 2, "same"],
  // 1×1 stride-1 convolutions run as plain matrix products on oneDNN.
  [[2, 5, 5, 16], [1, 1, 16, 32], 1, "same"],
  [[4, 1, 1, 64], [1, 1, 64, 8], 1, "valid"],
];

/** Depthwise (MobileNet) cases: x, filter [h, w, in, multiplier], stride, padding. */
export const DEPTHWISE_CASES: [number[], number[], number, "same" | "valid"][] = [
  [[2, 7, 7, 3], [3, 3, 3, 1], 1, "same"],
  [[2, 8, 8, 3], [3, 3, 3, 1], 2, "same"],
  [[2, 7, 7, 4], [3, 3, 4, 2], 1, "same"],
  [[2, 9, 8, 4], [3, 3, 4, 2], 2, "valid"],
  // Odd size, stride 2, SAME: TF's asymmetric padding (one more at the bottom/right).
  [[1, 11, 11, 16], [3, 3, 16, 1], 2, "same"],
  [[2, 10, 10, 32], [5, 5, 32, 2], 2, "same"],
  // Inception-V2's separable stem: 7×7, multiplier 8 on RGB, stride 2, odd size.
  [[2, 15, 15, 3], [7, 7, 3, 8], 2, "same"],
];

/** Runs `f` on cpu and on the backend under test with the same inputs. */
export type OnBoth = (
  inputs: { shape: number[]; data: number[] }[],
  f: (...xs: tf.Tensor[]) => tf.Tensor[],
) => Promise<[Float32Array[], Float32Array[]]>;

/** An {@linkcode OnBoth} whose second run starts the backend with `start`. */
export function onBothWith(start: () => Promise<unknown>): OnBoth {
  return async (inputs, f) => {
    const out: Float32Array[][] = [];
    for (const begin of [() => useBackend("cpu"), start]) {
      await begin();
      const results = tf.tidy(() => f(...inputs.map((i) => tf.tensor(i.data, i.shape))));
      out.push(await Promise.all(results.map(async (t) => (await t.data()) as Float32Array)));
      tf.dispose(results);
    }
    return [out[0], out[1]];
  };
}

/** Registers the shared checks through `test` (which names and ignores them). */
export function kernelChecks(
  test: (name: string, fn: () => void | Promise<void>) => void,
  onBoth: OnBoth,
): void {
  for (const [xShape, wShape, stride, pad] of CONV_CASES) {
    test(`conv2d gradients match cpu: x${xShape} w${wShape} s${stride} ${pad}`, async () => {
      const [ref, got] = await onBoth(
        [{ shape: xShape, data: values(xShape) }, { shape: wShape, data: values(wShape) }],
        (x, w) => {
          const loss = (a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)));
          return tf.grads(loss)([x, w]);
        },
      );
      assertClose(ref[0], got[0], "input gradient");
      assertClose(ref[1], got[1], "filter gradient");
    });
  }

  for (const [xShape, wShape, stride, pad] of DEPTHWISE_CASES) {
    test(`depthwise conv and its gradients match cpu: x${xShape} w${wShape} s${stride} ${pad}`, async () => {
      const [ref, got] = await onBoth(
        [{ shape: xShape, data: values(xShape) }, { shape: wShape, data: values(wShape) }],
        (x, w) => {
          const conv = (a: tf.Tensor, b: tf.Tensor) =>
            tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad);
          const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv(a, b)));
          return [conv(x, w), ...tf.grads(loss)([x, w])];
        },
      );
      assertClose(ref[0], got[0], "output");
      assertClose(ref[1], got[1], "input gradient");
      assertClose(ref[2], got[2], "filter gradient");
    });
  }

  for (
    const [shape, size, stride, pad] of [
      [[2, 9, 9, 16], 3, 1, "same"], // Inception's branch pools: padding not counted
      [[2, 17, 17, 8], 5, 3, "valid"], // Inception-V3's AuxLogits pool
      [[2, 8, 8, 4], 2, 2, "valid"],
      [[1, 7, 7, 32], 7, 1, "valid"], // a global pool
    ] as [number[], number, number, "same" | "valid"][]
  ) {
    test(`avg pool matches cpu, its gradient TF's (padding not counted): ${shape} ${size}/${stride} ${pad}`, async () => {
      const [ref, got] = await onBoth([{ shape, data: values(shape) }], (x) => {
        const pool = (t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, size, stride, pad);
        return [pool(x), tf.grad((t: tf.Tensor) => tf.sum(tf.square(pool(t))))(x)];
      });
      assertClose(ref[0], got[0], "avg pool");
      // d/dx Σ pool(x)² = AvgPoolGrad(2·pool(x)), each window's share divided by the inputs
      // inside it (tfjs' cpu kernel divides by the whole window: wrong at SAME borders).
      const info = tf.backend_util.computePool2DInfo(
        shape as [number, number, number, number],
        size,
        stride,
        1,
        pad,
      );
      const expected = new Float32Array(ref[1].length);
      avgPoolGradInto(info, ref[0].map((v) => 2 * v), expected);
      assertClose(expected, got[1], "avg pool gradient");
    });
  }

  test("channel concat's gradient (SplitV) matches cpu", async () => {
    const shapes = [[2, 6, 5, 3], [2, 6, 5, 7], [2, 6, 5, 2]];
    const [ref, got] = await onBoth(
      shapes.map((shape) => ({ shape, data: values(shape) })),
      (a, b, c) =>
        tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
          tf.sum(tf.square(tf.concat([p, q, r], 3)))
        )([a, b, c]),
    );
    for (let i = 0; i < 3; i++) assertClose(ref[i], got[i], `gradient ${i}`);
  });

  test("fused conv+bias+relu gradients match cpu", async () => {
    const [ref, got] = await onBoth(
      [
        { shape: [2, 6, 6, 3], data: values([2, 6, 6, 3]) },
        { shape: [3, 3, 3, 5], data: values([3, 3, 3, 5]) },
        { shape: [5], data: values([5]) },
      ],
      (x, w, b) =>
        tf.grads((a: tf.Tensor, f: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.fused.conv2d({
            x: a as tf.Tensor4D,
            filter: f as tf.Tensor4D,
            bias: c,
            strides: 1,
            pad: "same",
            activation: "relu",
          }))
        )([x, w, b]),
    );
    for (let i = 0; i < 3; i++) assertClose(ref[i], got[i], `gradient ${i}`);
  });

  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    test(`matMul transposeA=${ta} transposeB=${tb} and its gradients match cpu`, async () => {
      const a = ta ? [7, 5] : [5, 7], b = tb ? [3, 7] : [7, 3];
      const [ref, got] = await onBoth(
        [{ shape: a, data: values(a) }, { shape: b, data: values(b) }],
        (x, y) => [
          tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb),
          ...tf.grads((p: tf.Tensor, q: tf.Tensor) =>
            tf.sum(tf.square(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D, ta, tb)))
          )([x, y]),
        ],
      );
      for (let i = 0; i < 3; i++) assertClose(ref[i], got[i], `output ${i}`);
    });
  }

  for (const [pool, stride, pad] of [[2, 2, "valid"], [3, 2, "same"], [3, 1, "same"]] as const) {
    test(`maxPool and its gradient match cpu: ${pool}x${pool} s${stride} ${pad}`, async () => {
      const shape = [2, 9, 9, 3];
      const [ref, got] = await onBoth([{ shape, data: values(shape) }], (x) => [
        tf.grad((a: tf.Tensor) =>
          tf.sum(tf.square(tf.maxPool(a as tf.Tensor4D, pool, stride, pad)))
        )(
          x,
        ),
        tf.maxPool(x as tf.Tensor4D, pool, stride, pad),
        // 18 channels: oneDNN's vectorised pooling path.
        tf.maxPool(tf.tile(x, [1, 1, 1, 6]) as tf.Tensor4D, pool, stride, pad),
      ]);
      assertClose(ref[0], got[0], "MaxPoolGrad");
      assertClose(ref[1], got[1], "MaxPool");
      assertClose(ref[2], got[2], "MaxPool (18 channels)");
    });
  }

  test("batch-norm (training statistics) gradients match cpu", async () => {
    const shape = [4, 5, 5, 6];
    const [ref, got] = await onBoth(
      [
        { shape, data: values(shape) },
        { shape: [6], data: values([6]).map((v) => v + 1) },
        { shape: [6], data: values([6]) },
      ],
      (x, gamma, beta) =>
        tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          const y = tf.batchNorm(a as tf.Tensor4D, mean, variance, b, g, 1e-5);
          return tf.sum(tf.square(tf.relu(y)));
        })([x, gamma, beta]),
    );
    for (let i = 0; i < 3; i++) assertClose(ref[i], got[i], `gradient ${i}`);
  });

  test("1×1 fused conv (bias, relu) and its gradients match cpu", async () => {
    const x = [3, 4, 4, 8], w = [1, 1, 8, 12];
    const [ref, got] = await onBoth(
      [{ shape: x, data: values(x) }, { shape: w, data: values(w) }, {
        shape: [12],
        data: values([12]),
      }],
      (a, f, b) => {
        const fused = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
          tf.fused.conv2d({
            x: p as tf.Tensor4D,
            filter: q as tf.Tensor4D,
            bias: r,
            strides: 1,
            pad: "valid",
            activation: "relu",
          });
        return [
          fused(a, f, b),
          ...tf.grads((p, q, r) => tf.sum(tf.square(fused(p, q, r))))([a, f, b]),
        ];
      },
    );
    for (let i = 0; i < 4; i++) assertClose(ref[i], got[i], `output ${i}`);
  });

  test("maxPool gradient with tied maxima (ReLU zeros) matches cpu", async () => {
    const shape = [2, 8, 8, 4];
    const [ref, got] = await onBoth(
      [{ shape, data: values(shape) }],
      (x) =>
        ([[2, 2, "valid"], [3, 2, "same"]] as const).map(([size, stride, pad]) =>
          tf.grad((a: tf.Tensor) =>
            tf.sum(tf.maxPool(tf.relu(a) as tf.Tensor4D, size, stride, pad))
          )(x)
        ),
    );
    assertClose(ref[0], got[0], "2×2 valid");
    assertClose(ref[1], got[1], "3×3 same");
  });
}
