/**
 * Helpers for kernels that let oneDNN work on tensors in place, wherever a
 * backend keeps them: on the wasm heap (`wasm`, capped at 4 GiB) or in one
 * ArrayBuffer per tensor (`onednn`, tfjs' cpu storage, bounded by RAM).
 * The loaded library, pointers to tensor data, outputs that are freed again
 * when oneDNN fails.
 *
 * @module
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import { stockKernel, type WasmBackendLike } from "../kernel_registry.ts";
import { loadOneDnn, type OneDnn } from "./library.ts";

/** The arguments tfjs passes a kernel function. */
export type KernelArgs = Parameters<KernelFunc>[0];

/** The tfjs backends our oneDNN kernels are registered for. */
export type OneDnnHost = "wasm" | "onednn";

/** The part of tfjs' cpu backend (the `onednn` backend's storage) kernels use. */
interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  /** A float32 array from the backend's pool (the `onednn` backend has one). */
  allocate?(length: number): Float32Array;
}

/** The loaded oneDNN (kernels are only registered once it has loaded). */
export function dnn(): OneDnn {
  const lib = loadOneDnn();
  if (typeof lib === "string") throw new Error(lib);
  return lib;
}

/** Which of our hosts a backend instance is. */
export function hostOf(backend: unknown): OneDnnHost {
  return typeof (backend as WasmBackendLike).typedArrayFromHeap === "function" ? "wasm" : "onednn";
}

/** The stock (or, on wasm, our wasm) kernel `name` of the backend running `args`. */
export function stockFor(args: KernelArgs, name: string): KernelFunc {
  return stockKernel(name, hostOf(args.backend)).kernelFunc;
}

/**
 * A tensor's float32 data in place: a view of the wasm heap (invalid after
 * the heap grows) or the cpu storage's own array.
 */
export function arrayOf(backend: unknown, info: TensorInfo): Float32Array {
  if (hostOf(backend) === "wasm") return (backend as WasmBackendLike).typedArrayFromHeap(info);
  const values = (backend as CpuBackendLike).data.get(info.dataId)?.values;
  if (!(values instanceof Float32Array)) {
    throw new Error(`tensor of shape [${info.shape}] has no float32 data on this backend`);
  }
  return values;
}

/**
 * Pointer to a tensor's data, valid until the next allocation on the wasm
 * heap. Reading `.buffer` first moves a small array V8 keeps inside its own
 * heap (where a garbage collection could move it) to a fixed backing store.
 */
export function pointerOf(backend: unknown, info: TensorInfo): Deno.PointerValue {
  const values = arrayOf(backend, info);
  void values.buffer;
  return Deno.UnsafePointer.of(values);
}

/** True when every given tensor is float32 and non-empty. */
export function allFloat(...infos: (TensorInfo | undefined)[]): boolean {
  return infos.every((t) => !t || (t.dtype === "float32" && t.shape.every((d) => d > 0)));
}

/** The number of elements of a shape. */
export function product(values: number[]): number {
  return values.reduce((p, d) => p * d, 1);
}

/** A new float32 tensor of `shape` on `backend`; its contents are undefined. */
export function makeOutput(backend: unknown, shape: number[]): TensorInfo {
  if (hostOf(backend) === "wasm") return (backend as WasmBackendLike).makeOutput(shape, "float32");
  const cpu = backend as CpuBackendLike;
  // An ArrayBuffer of its own (pooled), never inside V8's heap: oneDNN may
  // write it from several threads while JavaScript allocates.
  const values = cpu.allocate?.(product(shape)) ??
    new Float32Array(new ArrayBuffer(product(shape) * 4));
  return cpu.makeTensorInfo(shape, "float32", values);
}

/**
 * A float32 output tensor filled by `fill`; freed again if `fill` throws,
 * so a failing oneDNN call leaks nothing on the way to the fallback.
 */
export function output(
  backend: unknown,
  shape: number[],
  fill: (out: TensorInfo) => void,
): TensorInfo {
  const out = makeOutput(backend, shape);
  try {
    fill(out);
  } catch (err) {
    (backend as WasmBackendLike).disposeData(out.dataId);
    throw err;
  }
  return out;
}

/**
 * Several float32 outputs filled by `fill`, all allocated before any
 * pointer is taken (a later allocation may move the wasm heap); all freed
 * again if `fill` throws.
 */
export function outputs(
  backend: unknown,
  shapes: number[][],
  fill: (outs: TensorInfo[]) => void,
): TensorInfo[] {
  const outs = shapes.map((shape) => makeOutput(backend, shape));
  try {
    fill(outs);
  } catch (err) {
    for (const out of outs) (backend as WasmBackendLike).disposeData(out.dataId);
    throw err;
  }
  return outs;
}
