import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend, WASM_TRAINING_KERNELS } from "../../lib/backend/mod.ts";
import { primitiveImplementations } from "../../lib/backend/onednn/primitive_cache.ts";
import { withFallback } from "../../lib/backend/onednn/fallback.ts";
import { assertClose, kernelChecks, onBothWith, values } from "../helpers/kernel_checks.ts";
import { oneDnnOr } from "../helpers/onednn.ts";

const haveOneDnn = oneDnnOr();

/**
 * Every kernel test runs on plain wasm, on wasm with oneDNN kernels and on
 * the onednn backend (tensors in RAM, oneDNN kernels).
 */
const VARIANTS = [
  { label: "wasm", backend: "wasm", onednn: false, ignore: false },
  { label: "wasm+oneDNN", backend: "wasm", onednn: true, ignore: !haveOneDnn },
  { label: "onednn", backend: "onednn", onednn: true, ignore: !haveOneDnn },
] as const;

for (const variant of VARIANTS) {
  const { label } = variant;
  const test = (name: string, fn: () => void | Promise<void>) =>
    Deno.test({ name: `[${label}] ${name}`, ignore: variant.ignore, fn });
  const useWasm = () => useBackend(variant.backend, { onednn: variant.onednn });
  const onBoth = onBothWith(useWasm);
  kernelChecks(test, onBoth);

  test("the training kernels the stock backend lacks are registered", async () => {
    await useWasm();
    for (
      const name of [
        "Conv2DBackpropFilter",
        "Conv2DBackpropInput",
        "BatchMatMul",
        "DepthwiseConv2dNativeBackpropInput",
        "DepthwiseConv2dNativeBackpropFilter",
      ]
    ) {
      assert.ok(WASM_TRAINING_KERNELS.includes(name), name);
      assert.ok(tf.getKernel(name, variant.backend), `${name} registered`);
    }
  });

  test("wasm training kernels free every intermediate tensor", async () => {
    await useWasm();
    const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const step = () =>
      tf.tidy(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same"))
        )([x, w])
      ).forEach((t) => t.dispose());
    step();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) step();
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numBytes, before.numBytes);
    x.dispose();
    w.dispose();
  });

  test("dilated conv, leaky-relu and linear fused convs match cpu", async () => {
    const x = [2, 9, 9, 8], w = [3, 3, 8, 16];
    const [ref, got] = await onBoth(
      [{ shape: x, data: values(x) }, { shape: w, data: values(w) }, {
        shape: [16],
        data: values([16]),
      }],
      (a, f, b) => [
        tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, "same", "NHWC", 2),
        tf.fused.conv2d({
          x: a as tf.Tensor4D,
          filter: f as tf.Tensor4D,
          bias: b,
          strides: 2,
          pad: "valid",
          activation: "leakyrelu",
          leakyreluAlpha: 0.1,
        }),
        tf.fused.conv2d({
          x: a as tf.Tensor4D,
          filter: f as tf.Tensor4D,
          bias: b,
          strides: 1,
          pad: "same",
        }),
      ],
    );
    for (let i = 0; i < 3; i++) assertClose(ref[i], got[i], `output ${i}`);
  });

  test("batched and broadcast matMul match cpu", async () => {
    const [ref, got] = await onBoth(
      [
        { shape: [3, 4, 5], data: values([3, 4, 5]) },
        { shape: [3, 6, 5], data: values([3, 6, 5]) },
        { shape: [1, 5, 2], data: values([1, 5, 2]) },
      ],
      (a, b, c) => [
        tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true),
        tf.matMul(a as tf.Tensor3D, c as tf.Tensor3D),
      ],
    );
    for (let i = 0; i < 2; i++) assertClose(ref[i], got[i], `output ${i}`);
  });

  test("useBackend names the convolution engine it runs", async () => {
    const { description } = await useWasm();
    assert.equal(description.includes("oneDNN"), variant.onednn, description);
  });

  test("element-wise ops on large tensors (all broadcast forms) match cpu", async () => {
    const big = [64, 32, 33], row = [33], col = [64, 1, 33];
    const [ref, got] = await onBoth(
      [
        { shape: big, data: values(big) },
        { shape: big, data: values(big) },
        { shape: row, data: values(row).map((v) => v + 1) },
        { shape: col, data: values(col) },
        { shape: [], data: [0.75] },
      ],
      (a, b, r, c, k) => [
        tf.add(a, b),
        tf.sub(a, b),
        tf.mul(k, a),
        tf.div(a, r),
        tf.div(k, a.abs().add(1)),
        tf.sub(r, a),
        tf.mul(a, r.reshape([1, 1, 33])),
        tf.add(a, c),
        tf.sqrt(tf.abs(a)),
        tf.square(a),
        tf.relu(a),
      ],
    );
    for (let i = 0; i < ref.length; i++) assertClose(ref[i], got[i], `op ${i}`);
  });

  test("slices, pads and step (every rank, NaN, edges) match cpu", async () => {
    const shape = [3, 7, 6, 5];
    const data = values(shape);
    data[11] = NaN;
    data[12] = 0;
    const [ref, got] = await onBoth([{ shape, data }], (x) => [
      tf.slice(x, [1, 2, 0, 0], [2, 3, 6, 5]),
      tf.slice(x, [0, 1, 2, 1], [3, 5, 3, 3]),
      tf.slice(x, [2, 6, 5, 4], [1, 1, 1, 1]),
      tf.slice(tf.reshape(x, [630]), [17], [400]),
      tf.slice(tf.reshape(x, [21, 30]), [3, 4], [10, 20]),
      tf.pad(x, [[0, 0], [1, 2], [3, 0], [0, 0]]),
      tf.pad(x, [[1, 0], [0, 0], [0, 0], [2, 1]], 0.5),
      tf.step(x),
      tf.step(x, 0.25),
      // int32 → float32, then float arithmetic on the cast (large: the oneDNN kernels).
      tf.sub(tf.cast(tf.cast(tf.mul(x, 100), "int32"), "float32"), 0.5),
      tf.add(
        tf.cast(tf.greater(tf.tile(x, [20, 1, 1, 1]), 0), "float32"),
        tf.tile(x, [20, 1, 1, 1]),
      ),
      tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.pad(a, [[0, 0], [1, 1], [0, 2], [0, 0]]))))(x),
    ]);
    ref.forEach((r, i) => {
      assert.equal(got[i].length, r.length, `output ${i}: length`);
      r.forEach((v, j) => {
        if (Number.isNaN(v)) assert.ok(Number.isNaN(got[i][j]), `output ${i}[${j}] NaN`);
        else assert.ok(Math.abs(v - got[i][j]) <= 1e-6, `output ${i}[${j}]: ${got[i][j]} vs ${v}`);
      });
    });
  });

  test("sums over leading, inner and all axes match cpu", async () => {
    const shape = [8, 16, 8, 12];
    const [ref, got] = await onBoth([{ shape, data: values(shape) }], (x) => [
      tf.sum(x, [0, 1, 2]),
      tf.sum(x, [0, 1, 2], true),
      tf.sum(x, 0),
      tf.sum(x, [1, 2]),
      tf.sum(x),
      tf.sum(x.cast("int32"), [0, 1]).cast("float32"),
    ]);
    for (let i = 0; i < 6; i++) assertClose(ref[i], got[i], `sum ${i}`);
    assert.deepEqual(got[1].length, 12);
  });

  test("clone and same-dtype cast share data safely: values survive the source", async () => {
    await useWasm();
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x), z = tf.cast(x, "float32"), w = tf.cast(x, "int32");
    x.dispose();
    assert.deepEqual([...y.dataSync()], [1, 2, 3]);
    assert.deepEqual([...z.dataSync()], [1, 2, 3]);
    assert.equal(w.dtype, "int32");
    assert.deepEqual([...w.dataSync()], [1, 2, 3]);
    tf.dispose([y, z, w]);
    assert.equal(tf.memory().numTensors, before);
  });

  if (variant.onednn) {
    // The stock wasm Conv2D gets "ceil" rounding wrong; oneDNN gets the
    // overhanging window as extra trailing padding.
    test("ceil-rounded conv and max-pool gradients match cpu", async () => {
      const x = [1, 5, 5, 2], f = [2, 2, 2, 3];
      const [ref, got] = await onBoth(
        [{ shape: x, data: values(x) }, { shape: f, data: values(f) }],
        (a, b) => [
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 0, "NHWC", 1, "ceil"),
          tf.grad((p: tf.Tensor) => tf.sum(tf.maxPool(p as tf.Tensor4D, 2, 2, 0, "ceil")))(a),
        ],
      );
      assert.deepEqual(got[0].length, 1 * 3 * 3 * 3);
      assertClose(ref[0], got[0], "conv");
      assertClose(ref[1], got[1], "max-pool gradient");
    });

    test("the oneDNN primitives ran, on a jit implementation where channels allow", () => {
      const impls = Object.entries(primitiveImplementations());
      for (
        const kind of [
          "conv forward",
          "conv backward data",
          "conv backward weights",
          "max pool grad",
          "pool forward 511", // max
          "pool forward 1023", // average, padding not counted
          "avg pool grad",
          "binary",
          "eltwise",
          "reduction",
        ]
      ) {
        assert.ok(impls.some(([key]) => key.startsWith(kind)), `${kind} ran`);
      }
      // Any JIT kernel (jit:avx2, jit:avx512_core, brgconv:avx512_core, ...), never
      // the reference or plain-gemm fallbacks; which one depends on the machine's ISA.
      const big = impls.find(([key]) => key.startsWith("conv forward|2,9,9,16,9,9,32"));
      assert.match(big?.[1] ?? "", /^(jit|brg)/);
      assert.doesNotMatch(big?.[1] ?? "", /ref|gemm/);
      // Depthwise convolutions ran as oneDNN grouped convolutions in all three directions.
      for (const kind of ["forward", "backward data", "backward weights"]) {
        const dw = impls.find(([key]) =>
          key.startsWith(`conv ${kind}|2,10,10,32,`) && key.includes("true")
        );
        assert.ok(dw, `depthwise ${kind} on oneDNN: ${impls.map(([k]) => k).join("; ")}`);
        assert.doesNotMatch(dw[1], /^ref/, `depthwise ${kind}: ${dw[1]}`);
      }
      return Promise.resolve();
    });
  }
}

Deno.test("a failing oneDNN kernel warns once and returns the fallback's result", () => {
  const warnings: string[] = [];
  const original = console.error;
  console.error = (line: string) => warnings.push(line);
  try {
    const [, kernelFunc] = withFallback(
      "TestKernel",
      () => {
        throw new Error("oneDNN convolution_forward_desc_init failed: unimplemented");
      },
      () => () => ({ dataId: {}, shape: [7], dtype: "float32" }),
    );
    const args = { inputs: {}, backend: {} as never, attrs: {} };
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((kernelFunc(args) as tf.TensorInfo).shape, [7]);
    }
  } finally {
    console.error = original;
  }
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /oneDNN TestKernel failed \(.*unimplemented\); using the backend's own kernel/,
  );
});
