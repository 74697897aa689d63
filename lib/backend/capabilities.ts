/**
 * What the active backend can do, as the layers above need it: whether its
 * reads are asynchronous only, whether it measures its tensor peak, how to
 * hand memory back, and which fused kernels it runs. Models, ops users and
 * training ask this instead of testing backend names or importing a
 * backend's files, so a new backend changes only `lib/backend` (and
 * `lib/ops` for a new fused op).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  BATCH_NORM_KERNEL,
  RELU_GRAD_KERNEL,
  SUM_OF_SQUARES_KERNEL,
} from "./onednn/custom_kernels.ts";
import { tensorPeakBytes } from "./onednn_backend.ts";
import { oneDnnActive } from "./tensor_data.ts";
import { asyncReadsBackend } from "./webgpu.ts";

/** The active backend's capabilities (see {@linkcode backendCapabilities}). */
export interface BackendCapabilities {
  /** tfjs' name of the active backend. */
  name: string;
  /** Reads are asynchronous only (a GPU under Deno): use `await t.data()`, batch the reads. */
  asyncReadsOnly: boolean;
  /** It measures its peak tensor bytes ({@linkcode tensorPeakBytes} is defined). */
  measuresTensorPeak: boolean;
  /** Kernels fused by this backend beyond tfjs' own. */
  fuses: {
    /** Batch normalisation (+ ReLU) forward and backward as one kernel each. */
    batchNorm: boolean;
    /** ReLU's gradient from its output in one pass. */
    reluGradFromOutput: boolean;
    /** Adam's update in place, in four fused passes (oneDNN). */
    adamInPlace: boolean;
    /** Σw² for weight decay as one reduction. */
    sumOfSquares: boolean;
  };
}

const has = (kernel: string) => tf.getKernel(kernel, tf.getBackend()) !== undefined;

/** The active backend's capabilities, read now (they follow `useBackend`). */
export function backendCapabilities(): BackendCapabilities {
  return {
    name: tf.getBackend(),
    asyncReadsOnly: asyncReadsBackend(),
    measuresTensorPeak: tensorPeakBytes() !== undefined,
    fuses: {
      batchNorm: has(BATCH_NORM_KERNEL),
      reluGradFromOutput: has(RELU_GRAD_KERNEL),
      adamInPlace: oneDnnActive(),
      sumOfSquares: has(SUM_OF_SQUARES_KERNEL),
    },
  };
}
