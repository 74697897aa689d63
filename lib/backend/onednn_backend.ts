/**
 * The `onednn` tfjs backend: tfjs' cpu backend storage (one ArrayBuffer per
 * tensor, so tensor memory is bounded by RAM, not by wasm32's 4 GiB) with
 * every heavy op on oneDNN, in place on those buffers. The cpu backend's
 * own kernels cover the long tail of ops; the plain `cpu` backend stays
 * untouched (tests use it as the reference).
 *
 * Freed float32 buffers are pooled by size and handed to the next output of
 * that size: a training step frees and allocates the same few large shapes
 * over and over, and fresh buffers cost page faults and zeroing (at 224
 * with batch 8 that was more system time than compute) and wait for a
 * garbage collection before their memory goes back.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "./quiet.ts";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { registerOneDnnKernels } from "./onednn/kernels.ts";
import type { OneDnn } from "./onednn/library.ts";

/** The tfjs name of the backend. */
export const ONEDNN_BACKEND = "onednn";

/** Buffers under this size are left to the garbage collector. */
const MIN_POOLED_BYTES = 1 << 16;

type Values = tf.backend_util.BackendValues;

/** A size in MiB from the environment variable `name`, in bytes. */
function mib(name: string, fallback: number): number {
  let value = NaN;
  try {
    value = Number(Deno.env.get(name));
  } catch { /* no env permission: the default */ }
  return (Number.isFinite(value) && value >= 0 ? value : fallback) * 2 ** 20;
}

/** tfjs' cpu backend with reference-counted, pooled float32 buffers. */
export class OneDnnBackend extends MathBackendCPU {
  /** Live data entries per buffer (a slice may share its source's buffer). */
  #users = new Map<ArrayBufferLike, number>();
  /** Buffers whose data was handed out by a read: never reused or written in place. */
  #escaped = new WeakSet<ArrayBufferLike>();
  /** Buffers this backend allocated (only those are pooled). */
  #ours = new WeakSet<ArrayBufferLike>();
  #free = new Map<number, ArrayBuffer[]>();
  #freeBytes = 0;
  #liveBytes = 0;
  #peakBytes = 0;
  /**
   * The most bytes kept in the pool (beyond it, freed buffers go to the
   * garbage collector); `TL_POOL_MIB` sets it. 128 MiB kept the lab sizes'
   * speed (measured 128 / 256 / 512 MiB: within run-to-run noise) at the
   * lowest peak RSS; a larger pool trades resident memory for page faults.
   */
  poolLimit = mib("TL_POOL_MIB", 128);
  /**
   * Freed bytes left to the garbage collector after which it runs (where
   * the runtime exposes it): between collections they still count as
   * resident memory.
   */
  garbageLimit = mib("TL_GC_MIB", 64);
  #garbageBytes = 0;
  #lastGcEnd = 0;
  #lastGcMs = 0;

  #track(values: unknown, delta: number): void {
    if (ArrayBuffer.isView(values)) {
      this.#liveBytes += delta * values.byteLength;
      if (this.#liveBytes > this.#peakBytes) this.#peakBytes = this.#liveBytes;
    }
    if (!(values instanceof Float32Array) || values.byteLength < MIN_POOLED_BYTES) return;
    const buffer = values.buffer;
    const n = (this.#users.get(buffer) ?? 0) + delta;
    if (n > 0) {
      this.#users.set(buffer, n);
      return;
    }
    this.#users.delete(buffer);
    const bytes = buffer.byteLength;
    if (
      !this.#ours.has(buffer) || this.#escaped.has(buffer) ||
      this.#freeBytes + bytes > this.poolLimit
    ) {
      this.#garbage(bytes);
      return;
    }
    const list = this.#free.get(bytes) ?? [];
    list.push(buffer as ArrayBuffer);
    this.#free.set(bytes, list);
    this.#freeBytes += bytes;
  }

  #garbage(bytes: number): void {
    this.#garbageBytes += bytes;
    this.collectIfDue();
  }

  /** Runs a garbage collection if enough freed bytes wait for one and the time budget allows. */
  collectIfDue(): void {
    if (this.#garbageBytes < this.garbageLimit) return;
    const gc = (globalThis as { gc?: () => void }).gc;
    // At most ~10 % of the time in collections: many small tensors (ResNet) would
    // otherwise collect a few times per layer.
    const now = performance.now();
    if (!gc || now - this.#lastGcEnd < 9 * this.#lastGcMs) return;
    this.#garbageBytes = 0;
    gc();
    this.#lastGcEnd = performance.now();
    this.#lastGcMs = this.#lastGcEnd - now;
  }

  /** A float32 array of `length` elements, from the pool when one fits (contents undefined). */
  allocate(length: number): Float32Array {
    const bytes = length * 4;
    const reused = this.#free.get(bytes)?.pop();
    if (reused) {
      this.#freeBytes -= bytes;
      return new Float32Array(reused);
    }
    const buffer = new ArrayBuffer(bytes);
    if (bytes >= MIN_POOLED_BYTES) this.#ours.add(buffer);
    return new Float32Array(buffer);
  }

  /**
   * The tensor's data to update in place, or null when another tensor or
   * a reader may see it (shared data, an escaped read).
   */
  exclusive(dataId: object): Float32Array | null {
    const entry = this.data.get(dataId) as { values?: unknown; refCount: number } | undefined;
    const values = entry?.values;
    if (!entry || entry.refCount !== 1 || !(values instanceof Float32Array)) return null;
    if (this.#escaped.has(values.buffer)) return null;
    if (values.byteLength >= MIN_POOLED_BYTES && this.#users.get(values.buffer) !== 1) return null;
    return values;
  }

  /** The most tensor bytes alive at once since the last {@linkcode resetPeak}. */
  peakBytes(): number {
    return this.#peakBytes;
  }

  /** Starts a new peak measurement from the bytes alive now. */
  resetPeak(): void {
    this.#peakBytes = this.#liveBytes;
  }

  /** Bytes held in the pool of free buffers. */
  pooledBytes(): number {
    return this.#freeBytes;
  }

  /** Drops the pool: its buffers go back to the system at the next garbage collection. */
  releasePool(): void {
    this.#free.clear();
    this.#freeBytes = 0;
  }

  override write(values: Values, shape: number[], dtype: tf.DataType): tf.DataId {
    const id = super.write(values, shape, dtype);
    this.#track(values, 1);
    return id;
  }

  override move(
    dataId: tf.DataId,
    values: Values,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.#track(values, 1);
  }

  override readSync(dataId: tf.DataId): Values {
    const values = super.readSync(dataId);
    if (ArrayBuffer.isView(values)) this.#escaped.add(values.buffer);
    return values;
  }

  override read(dataId: tf.DataId): Promise<Values> {
    return Promise.resolve(this.readSync(dataId));
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = (this.data.get(dataId) as { values?: unknown } | undefined)?.values;
    const had = this.data.has(dataId);
    const freed = super.disposeData(dataId, force);
    if (had && freed && !this.data.has(dataId)) this.#track(values, -1);
    return freed;
  }

  override dispose(): void {
    this.releasePool();
    super.dispose();
  }
}

let registered = false;

/**
 * Registers the `onednn` backend (once) and its oneDNN kernels. Returns the
 * loaded library, or why oneDNN is unavailable (the backend then keeps the
 * cpu backend's kernels and `useBackend` does not offer it).
 */
export function registerOneDnnBackend(): string | OneDnn {
  if (!registered) {
    // Priority below cpu's: tfjs must never pick it by itself.
    tf.registerBackend(ONEDNN_BACKEND, () => new OneDnnBackend(), -1);
    tf.copyRegisteredKernels("cpu", ONEDNN_BACKEND);
    registered = true;
  }
  return registerOneDnnKernels({ host: ONEDNN_BACKEND });
}

function active(): OneDnnBackend | undefined {
  return tf.getBackend() === ONEDNN_BACKEND ? tf.backend() as unknown as OneDnnBackend : undefined;
}

/**
 * Hands freed tensor memory back to the system: drops the `onednn` pool of
 * free buffers and, where the runtime exposes it (`--v8-flags=--expose-gc`,
 * as the tasks and the Jupyter kernel run), collects garbage now instead of
 * whenever V8 gets to it. Called when a model is disposed.
 */
export function releaseMemory(): void {
  active()?.releasePool();
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Collects garbage at the end of a training step on the `onednn` backend
 * when its freed buffers have piled up past the threshold and the time
 * budget allows (the collections' ≤ 10 % of the time): at 224×224 that is
 * every step, at 32×32 every few steps.
 */
export function collectGarbage(): void {
  active()?.collectIfDue();
}

/** Peak tensor bytes on the `onednn` backend since the last reset (undefined elsewhere). */
export function tensorPeakBytes(): number | undefined {
  return active()?.peakBytes();
}

/** Starts a new tensor-peak measurement on the `onednn` backend. */
export function resetTensorPeak(): void {
  active()?.resetPeak();
}
