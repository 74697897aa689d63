/**
 * Helpers for kernels that let oneDNN work on tensors in place on the wasm
 * heap: the loaded library, pointers to tensor data, outputs that are
 * freed again when oneDNN fails.
 *
 * @module
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import type { WasmBackendLike } from "../kernel_registry.ts";
import { loadOneDnn, type OneDnn } from "./library.ts";

/** The arguments tfjs passes a kernel function. */
export type KernelArgs = Parameters<KernelFunc>[0];

/** The loaded oneDNN (kernels are only registered once it has loaded). */
export function dnn(): OneDnn {
  const lib = loadOneDnn();
  if (typeof lib === "string") throw new Error(lib);
  return lib;
}

/** Pointer to a tensor's data on the wasm heap (valid until the heap grows). */
export function pointerOf(backend: WasmBackendLike, info: TensorInfo): Deno.PointerValue {
  return Deno.UnsafePointer.of(backend.typedArrayFromHeap(info));
}

/** True when every given tensor is float32 and non-empty. */
export function allFloat(...infos: (TensorInfo | undefined)[]): boolean {
  return infos.every((t) => !t || (t.dtype === "float32" && t.shape.every((d) => d > 0)));
}

/** The number of elements of a shape. */
export function product(values: number[]): number {
  return values.reduce((p, d) => p * d, 1);
}

/**
 * A float32 output tensor filled by `fill`; freed again if `fill` throws,
 * so a failing oneDNN call leaks nothing on the way to the fallback.
 */
export function output(
  backend: WasmBackendLike,
  shape: number[],
  fill: (out: TensorInfo) => void,
): TensorInfo {
  const out = backend.makeOutput(shape, "float32");
  try {
    fill(out);
  } catch (err) {
    backend.disposeData(out.dataId);
    throw err;
  }
  return out;
}
