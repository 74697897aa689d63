/**
 * Kernels of our own, with no tfjs counterpart, on oneDNN: batch
 * normalisation (optionally followed by ReLU) forward and backward
 * (`TLBatchNorm`, `TLBatchNormGrad`), the ReLU's gradient from its output
 * (`TLReluGrad`) and Σx² (`TLSumOfSquares`). The model layers and the train
 * step use them where they are registered (the `onednn` and `wasm`
 * backends with oneDNN) and tfjs' ops elsewhere.
 *
 * @module
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs";
import { unaryOp } from "./elementwise.ts";
import { DNNL } from "./library.ts";
import {
  allFloat,
  arrayOf,
  dnn,
  type KernelArgs,
  makeOutput,
  type OneDnnHost,
  output,
  outputs,
  pointerOf,
  product,
} from "./memory.ts";
import {
  batchNormBackward,
  batchNormForward,
  type NormGeometry,
  relu6Backward,
  reluBackward,
} from "./normalization.ts";

/** Kernel name: batch norm forward. Inputs x, gamma, beta (+ mean, variance unless training). */
export const BATCH_NORM_KERNEL = "TLBatchNorm";
/** Kernel name: batch norm backward. Inputs dy, x, mean, variance, gamma, beta (+ y with relu). */
export const BATCH_NORM_GRAD_KERNEL = "TLBatchNormGrad";

/** Kernel name: the ReLU's gradient from its output. Inputs dy, y; dx = dy where y > 0. */
export const RELU_GRAD_KERNEL = "TLReluGrad";

/** Kernel name: ReLU6's gradient from its input. Inputs dy, x; dx = dy where 0 < x ≤ 6. */
export const RELU6_GRAD_KERNEL = "TLRelu6Grad";

/** Kernel name: Σx² over all elements, a scalar. Input x. */
export const SUM_OF_SQUARES_KERNEL = "TLSumOfSquares";

/** Attributes of both kernels. */
export interface BatchNormAttrs {
  epsilon: number;
  /** ReLU after the normalisation. */
  relu: boolean;
  /** Batch statistics (outputs y, mean, variance) or given ones (output y). */
  training: boolean;
}

function geometry(x: TensorInfo, epsilon: number): NormGeometry {
  if (x.shape.length !== 4) throw new Error(`${BATCH_NORM_KERNEL} expects NHWC, got [${x.shape}]`);
  const [batch, height, width, channels] = x.shape;
  return { batch, height, width, channels, epsilon };
}

function forward(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, gamma, beta, mean, variance } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as BatchNormAttrs;
  if (!allFloat(x, gamma, beta, mean, variance)) {
    throw new Error(`${BATCH_NORM_KERNEL} takes float32 tensors`);
  }
  const g = geometry(x, a.epsilon);
  const backend = args.backend;
  const shapes = a.training ? [x.shape, [g.channels], [g.channels]] : [x.shape];
  const outs = outputs(backend, shapes, ([y, m, v]) => {
    const lib = dnn();
    batchNormForward(lib, g, {
      x: pointerOf(backend, x),
      gamma: pointerOf(backend, gamma),
      beta: pointerOf(backend, beta),
      mean: pointerOf(backend, a.training ? m : mean),
      variance: pointerOf(backend, a.training ? v : variance),
      y: pointerOf(backend, y),
    }, a.training);
    if (a.relu) {
      const p = pointerOf(backend, y);
      unaryOp(lib, { alg: DNNL.eltwiseRelu, size: product(x.shape) }, { x: p, out: p });
    }
  });
  // Inference has one output: a single tensor, as tfjs' one-output kernels return.
  return a.training ? outs : outs[0];
}

function backward(args: KernelArgs): TensorInfo[] {
  const { dy, x, mean, variance, gamma, beta, y } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as BatchNormAttrs;
  const g = geometry(x, a.epsilon);
  const backend = args.backend;
  // With ReLU the normalisation's own gradient is dy masked where y = 0.
  const masked = a.relu ? makeOutput(backend, x.shape) : undefined;
  try {
    return outputs(backend, [x.shape, [g.channels], [g.channels]], ([dx, dGamma, dBeta]) => {
      const lib = dnn();
      if (masked) {
        reluBackward(lib, product(x.shape), {
          dy: pointerOf(backend, dy),
          y: pointerOf(backend, y),
          dx: pointerOf(backend, masked),
        });
      }
      batchNormBackward(lib, g, {
        dy: pointerOf(backend, masked ?? dy),
        x: pointerOf(backend, x),
        mean: pointerOf(backend, mean),
        variance: pointerOf(backend, variance),
        gamma: pointerOf(backend, gamma),
        beta: pointerOf(backend, beta),
        dx: pointerOf(backend, dx),
        dGamma: pointerOf(backend, dGamma),
        dBeta: pointerOf(backend, dBeta),
      });
    });
  } finally {
    if (masked) (backend as { disposeData(id: object): void }).disposeData(masked.dataId);
  }
}

function reluGrad(args: KernelArgs): TensorInfo {
  const { dy, y } = args.inputs as Record<string, TensorInfo>;
  if (!allFloat(dy, y)) throw new Error(`${RELU_GRAD_KERNEL} takes float32 tensors`);
  const backend = args.backend;
  return output(backend, y.shape, (dx) => {
    reluBackward(dnn(), product(y.shape), {
      dy: pointerOf(backend, dy),
      y: pointerOf(backend, y),
      dx: pointerOf(backend, dx),
    });
  });
}

function relu6Grad(args: KernelArgs): TensorInfo {
  const { dy, x } = args.inputs as Record<string, TensorInfo>;
  if (!allFloat(dy, x)) throw new Error(`${RELU6_GRAD_KERNEL} takes float32 tensors`);
  const backend = args.backend;
  return output(backend, x.shape, (dx) => {
    relu6Backward(dnn(), product(x.shape), {
      dy: pointerOf(backend, dy),
      x: pointerOf(backend, x),
      dx: pointerOf(backend, dx),
    });
  });
}

/**
 * Σx² in one pass over x, four float64 accumulators (memory-bound: ~0.3 ns
 * an element here; oneDNN's p-norm reduction took 2.5 s for VGG-16's
 * weights, and Σ of a squared copy needs a 553 MB temporary).
 */
function sumOfSquaresOf(x: Float32Array): number {
  let a = 0, b = 0, c = 0, d = 0;
  const n = x.length - (x.length % 4);
  for (let i = 0; i < n; i += 4) {
    a += x[i] * x[i];
    b += x[i + 1] * x[i + 1];
    c += x[i + 2] * x[i + 2];
    d += x[i + 3] * x[i + 3];
  }
  for (let i = n; i < x.length; i++) a += x[i] * x[i];
  return a + b + c + d;
}

function sumOfSquares(args: KernelArgs): TensorInfo {
  const { x } = args.inputs as Record<string, TensorInfo>;
  if (!allFloat(x)) throw new Error(`${SUM_OF_SQUARES_KERNEL} takes a float32 tensor`);
  const backend = args.backend;
  return output(backend, [], (out) => {
    arrayOf(backend, out)[0] = sumOfSquaresOf(arrayOf(backend, x));
  });
}

/** The batch-norm, ReLU-gradient and sum-of-squares kernels for `host`. */
export function customKernels(host: OneDnnHost): KernelConfig[] {
  return [
    { kernelName: SUM_OF_SQUARES_KERNEL, backendName: host, kernelFunc: sumOfSquares },
    { kernelName: RELU_GRAD_KERNEL, backendName: host, kernelFunc: reluGrad },
    { kernelName: RELU6_GRAD_KERNEL, backendName: host, kernelFunc: relu6Grad },
    { kernelName: BATCH_NORM_KERNEL, backendName: host, kernelFunc: forward },
    { kernelName: BATCH_NORM_GRAD_KERNEL, backendName: host, kernelFunc: backward },
  ];
}
