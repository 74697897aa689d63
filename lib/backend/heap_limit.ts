/**
 * Turning the wasm backend's out-of-memory traps into an error that says
 * what happened and what to change. The wasm heap is capped at 4 GiB
 * (wasm32); when a step needs more, tfjs' wasm module aborts with
 * "memory access out of bounds" or "Aborted()", which names nothing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** True when `err` is the wasm module running out of heap (or trapping after it did). */
export function isWasmHeapFailure(err: unknown): boolean {
  if (err instanceof WebAssembly.RuntimeError) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /Aborted\(|memory access out of bounds|Invalid typed array length|Cannot enlarge memory/
    .test(message);
}

/** The wasm heap in MiB now (its size, not what is in use). */
function heapMiB(): number | undefined {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8 ? wasm.HEAPU8.length / 2 ** 20 : undefined;
}

/**
 * `err` unchanged, or, when it is the wasm heap running out, an error that
 * names the work (`what`), the memory in use and what to change.
 */
export function explainHeapFailure(err: unknown, what: string): unknown {
  if (tf.getBackend() !== "wasm" || !isWasmHeapFailure(err)) return err;
  const inUse = tf.memory().numBytes / 2 ** 20;
  const heap = heapMiB();
  return new Error(
    `${what}: the wasm heap ran out (wasm32 caps it at 4096 MiB; ${
      heap ? `heap ${heap.toFixed(0)} MiB, ` : ""
    }tensors in use ${inUse.toFixed(0)} MiB). Use a smaller batch, train fewer scopes ` +
      `(e.g. only the last layer) or a smaller image size; the wasm backend is unusable in ` +
      `this process after this error. (${err instanceof Error ? err.message : String(err)})`,
  );
}
