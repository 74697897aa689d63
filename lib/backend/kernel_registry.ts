/**
 * Swapping a backend's kernels in and out while remembering the stock ones,
 * so our kernels can delegate to them and benchmarks can put them back.
 * Kernels are per backend (`wasm`, `onednn`): each keeps its own stock set.
 *
 * @module
 */
import {
  getKernel,
  type KernelConfig,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs";

/**
 * The parts of the wasm backend our kernels use (its class is not exported
 * in a form we can name without importing its internals).
 */
export interface WasmBackendLike {
  /** Adds a reference to a tensor's data (shared by another tensor). */
  incRef(dataId: object): void;
  /** Frees a tensor's data. */
  disposeData(dataId: object, force?: boolean): boolean;
  /** Allocates an output tensor on the wasm heap. */
  makeOutput(shape: number[], dtype: string): TensorInfo;
  /** A view of a tensor's data on the wasm heap (invalid after the heap grows). */
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** The stock kernels per `backend/name`, captured before we replace any of them. */
const stock = new Map<string, KernelConfig>();

function capture(name: string, backend: string): KernelConfig | undefined {
  const existing = getKernel(name, backend);
  const key = `${backend}/${name}`;
  if (existing && !stock.has(key)) stock.set(key, existing);
  return existing;
}

/** The stock kernel `name` of `backend` (as shipped by tfjs), even after replacement. */
export function stockKernel(name: string, backend = "wasm"): KernelConfig {
  const config = stock.get(`${backend}/${name}`) ?? getKernel(name, backend);
  if (!config) throw new Error(`${backend} backend has no '${name}' kernel to build on`);
  return config;
}

function swapIn(target: KernelConfig, existing: KernelConfig | undefined): void {
  if (existing?.kernelFunc === target.kernelFunc) return;
  if (existing) unregisterKernel(target.kernelName, target.backendName);
  registerKernel(target);
}

/**
 * Registers `config` in place of its backend's current kernel of that name.
 * The stock setup function is kept: the backend runs it at init, and the
 * stock kernels ours delegate to need it.
 */
export function installKernel(config: KernelConfig): void {
  const existing = capture(config.kernelName, config.backendName);
  const setupFunc = stock.get(`${config.backendName}/${config.kernelName}`)?.setupFunc;
  swapIn({ ...config, setupFunc }, existing);
}

/** Puts the stock kernel `name` of `backend` back (no-op when it was never replaced). */
export function restoreStockKernel(name: string, backend = "wasm"): void {
  const original = stock.get(`${backend}/${name}`);
  if (original) swapIn(original, getKernel(name, backend));
}

/** Unregisters a kernel of our own (one with no stock version), if registered. */
export function removeKernel(name: string, backend: string): void {
  if (getKernel(name, backend)) unregisterKernel(name, backend);
}
