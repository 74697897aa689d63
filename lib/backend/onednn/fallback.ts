/**
 * oneDNN kernels that step aside: a failure becomes one warning and the
 * wasm kernel's result, never a failed training step.
 *
 * @module
 */
import type { KernelConfig, KernelFunc } from "@tensorflow/tfjs";
import { isWasmHeapFailure } from "../heap_limit.ts";

const warned = new Set<string>();

/**
 * A kernel that runs `fast` (the oneDNN one); if oneDNN fails (a geometry it has no
 * implementation for, a runtime error), says so once per kernel and runs
 * the wasm kernel instead, so training goes on at wasm speed.
 */
export function withFallback(
  name: string,
  fast: KernelFunc,
  fallback: () => KernelFunc,
): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    try {
      return fast(args);
    } catch (err) {
      // Out of wasm heap: the fallback would fail the same way.
      if (isWasmHeapFailure(err)) throw err;
      if (!warned.has(name)) {
        warned.add(name);
        console.error(
          `oneDNN ${name} failed (${(err as Error).message}); using the wasm kernel instead`,
        );
      }
      return fallback()(args);
    }
  };
  return { kernelName: name, backendName: "wasm", kernelFunc };
}
