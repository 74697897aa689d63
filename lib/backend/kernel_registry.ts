/**
 * Swapping wasm kernels in and out while remembering the stock ones, so our
 * kernels can delegate to them and benchmarks can put them back.
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

/** The stock kernels, captured before we replace any of them. */
const stock = new Map<string, KernelConfig>();

function capture(name: string): KernelConfig | undefined {
  const existing = getKernel(name, "wasm");
  if (existing && !stock.has(name)) stock.set(name, existing);
  return existing;
}

/** The stock wasm kernel `name` (as shipped by tfjs), even after replacement. */
export function stockKernel(name: string): KernelConfig {
  const config = stock.get(name) ?? getKernel(name, "wasm");
  if (!config) throw new Error(`wasm backend has no '${name}' kernel to build on`);
  return config;
}

function swapIn(target: KernelConfig, existing: KernelConfig | undefined): void {
  if (existing?.kernelFunc === target.kernelFunc) return;
  if (existing) unregisterKernel(target.kernelName, "wasm");
  registerKernel(target);
}

/**
 * Registers `config` in place of the current wasm kernel of that name. The
 * stock setup function is kept: the backend runs it at init, and the stock
 * kernels ours delegate to need it.
 */
export function installKernel(config: KernelConfig): void {
  const existing = capture(config.kernelName);
  swapIn({ ...config, setupFunc: stock.get(config.kernelName)?.setupFunc }, existing);
}

/** Puts the stock wasm kernel `name` back (no-op when it was never replaced). */
export function restoreStockKernel(name: string): void {
  const original = stock.get(name);
  if (original) swapIn(original, getKernel(name, "wasm"));
}
