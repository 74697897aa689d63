/**
 * The benches' one FLOP definition: the convolution and matmul FLOPs of the
 * kernels a profiled run really launched (forward and both gradients, 2 per
 * multiply-add; element-wise work not counted), so a training step counts
 * what it computes (a frozen layer has no gradients) instead of 3× its
 * forward.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { kernelFlops } from "../models/mod.ts";

/** Counted kernel FLOPs of one call of `fn` (profiled by tfjs, shapes only). */
export async function countedFlops(fn: () => unknown): Promise<number> {
  const profile = await tf.profile(async () => void (await fn()));
  return kernelFlops(profile.kernels);
}

/** GFLOP/s of a rate of `perSecond` items at `flopsPerItem` each. */
export function gflops(flopsPerItem: number, perSecond: number): number {
  return (flopsPerItem * perSecond) / 1e9;
}

/** Percent of the machine's fp32 peak (GFLOP/s) that `gflopsPerSecond` is. */
export function percentOfPeak(gflopsPerSecond: number, peakGflops: number): number {
  return (100 * gflopsPerSecond) / peakGflops;
}
