/**
 * A tensor's float32 data in place, for updates that would otherwise
 * allocate a full-size temporary per arithmetic op (the optimizer, weight
 * decay). Works on the `onednn` and `wasm` backends; elsewhere (and for
 * data another tensor or a reader shares) it answers null and callers use
 * tfjs ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { SUM_OF_SQUARES_KERNEL } from "./onednn/custom_kernels.ts";
import { arrayOf, hostOf, makeOutput } from "./onednn/memory.ts";
import { ONEDNN_BACKEND, type OneDnnBackend } from "./onednn_backend.ts";

interface WasmStorage {
  dataIdMap: { get(dataId: object): { refCount: number } | undefined };
}

/** True when the active backend keeps tensors in host memory we can address (`wasm`, `onednn`). */
export function hostedBackend(): boolean {
  const name = tf.getBackend();
  return name === "wasm" || name === ONEDNN_BACKEND;
}

function hosted(t: tf.Tensor): boolean {
  return t.dtype === "float32" && !t.isDisposed && hostedBackend();
}

/** The tensor's data to read (valid until the next allocation), or null off our backends. */
export function readableData(t: tf.Tensor): Float32Array | null {
  if (!hosted(t)) return null;
  try {
    return arrayOf(tf.backend(), t);
  } catch {
    return null;
  }
}

/**
 * A copy of a float32 tensor's values that does not hand its storage out:
 * `dataSync()` on `onednn` marks the buffer as seen by a reader, after which
 * in-place updates (fused Adam) must fall back to ops, which round
 * differently and allocate. Checkpoint saves read with this.
 */
export async function copyOfData(t: tf.Tensor): Promise<Float32Array> {
  const data = readableData(t);
  // Asynchronous elsewhere: a GPU backend cannot be read synchronously.
  return data ? data.slice() : Float32Array.from(await t.data() as ArrayLike<number>);
}

/**
 * The tensor's data to overwrite, or null unless this tensor alone owns it
 * (no other tensor shares its data, no read has handed it out).
 */
export function writableData(t: tf.Tensor): Float32Array | null {
  if (!hosted(t)) return null;
  const backend = tf.backend();
  if (hostOf(backend) === "onednn") {
    return (backend as unknown as OneDnnBackend).exclusive(t.dataId);
  }
  const entry = (backend as unknown as WasmStorage).dataIdMap.get(t.dataId);
  return entry?.refCount === 1 ? arrayOf(backend, t) : null;
}

/** True when the active backend runs our oneDNN kernels (`onednn`, or `wasm` with oneDNN). */
export function oneDnnActive(): boolean {
  return tf.getKernel(SUM_OF_SQUARES_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * An uninitialised float32 tensor of `size` elements on the active backend
 * (pooled on `onednn`), for scratch space; only where {@linkcode oneDnnActive}.
 */
export function scratchTensor(size: number): tf.Tensor {
  const backend = tf.backend();
  return tf.engine().makeTensorFromTensorInfo(makeOutput(backend, [size]), backend);
}

/**
 * A float32 tensor holding a copy of `data` in the backend's own storage
 * (pooled and aligned on `onednn`, the heap on `wasm`), or `tf.tensor`
 * elsewhere. oneDNN's kernels treat the elements of an unaligned array's
 * edges with other instructions: values restored into arbitrary JS arrays
 * would then update differently, by an ulp, from the same values computed
 * in place, and a resumed run would drift from the uninterrupted one.
 */
export function ownedTensor(data: Float32Array, shape: number[]): tf.Tensor {
  const name = tf.getBackend();
  if (name === ONEDNN_BACKEND || name === "wasm") {
    const flat = scratchTensor(data.length);
    const dst = writableData(flat);
    if (dst) {
      dst.set(data);
      const t = tf.reshape(flat, shape);
      flat.dispose();
      return t;
    }
    flat.dispose();
  }
  // A copy: the cpu backend keeps the array it is given, and callers reuse theirs.
  return tf.tensor(data.slice(), shape, "float32");
}
