/**
 * oneDNN kernels that step aside: a failure becomes one warning and the
 * backend's own kernel's result, never a failed training step.
 *
 * @module
 */
import type { KernelFunc } from "@tensorflow/tfjs";
import { isWasmHeapFailure } from "../heap_limit.ts";
import type { KernelArgs } from "./memory.ts";

const warned = new Set<string>();

/** A kernel by name, with the function it runs (registered per host backend). */
export type NamedKernel = readonly [name: string, kernelFunc: KernelFunc];

/**
 * A kernel that runs `fast` (the oneDNN one); if oneDNN fails (a geometry it
 * has no implementation for, a runtime error), says so once per kernel and
 * runs `fallback(args)` (the wasm or cpu kernel) instead, so training goes
 * on at that kernel's speed.
 */
export function withFallback(
  name: string,
  fast: KernelFunc,
  fallback: (args: KernelArgs) => KernelFunc,
): NamedKernel {
  const kernelFunc: KernelFunc = (args) => {
    try {
      return fast(args);
    } catch (err) {
      // Out of wasm heap: the fallback would fail the same way.
      if (isWasmHeapFailure(err)) throw err;
      if (!warned.has(name)) {
        warned.add(name);
        console.error(
          `oneDNN ${name} failed (${
            (err as Error).message
          }); using the backend's own kernel instead`,
        );
      }
      return fallback(args)(args);
    }
  };
  return [name, kernelFunc];
}
