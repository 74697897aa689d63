/**
 * PyTorch state dicts saved by `torch.save` (a zip of `data.pkl` and one
 * file per storage, the format since torch 1.6), read without running
 * anything: the pickle reader admits only the data constructors a state dict
 * uses (`OrderedDict`, `_rebuild_tensor_v2`, `_rebuild_parameter`, storage
 * type tags); a pickled model object or any other callable is refused.
 *
 * @module
 */
import { typedView } from "./checkpoint/dtypes.ts";
import { type PickleCustom, type PickleValue, readPickle, readPickleAt } from "./pickle.ts";
import { readRegularFile } from "../util/mod.ts";
import {
  DTYPE_BYTES,
  elementCount,
  type WeightDtype,
  type WeightInfo,
  type WeightSource,
  type WeightValue,
} from "./weight_source.ts";
import { ZipReader } from "./zip.ts";

const STORAGES: Record<string, WeightDtype> = {
  "torch.FloatStorage": "float32",
  "torch.DoubleStorage": "float64",
  "torch.HalfStorage": "float16",
  "torch.BFloat16Storage": "bfloat16",
  "torch.LongStorage": "int64",
  "torch.IntStorage": "int32",
  "torch.ShortStorage": "int16",
  "torch.CharStorage": "int8",
  "torch.ByteStorage": "uint8",
  "torch.BoolStorage": "bool",
};

interface Storage {
  dtype: WeightDtype;
  key: string;
  numel: number;
}

interface TensorRef {
  storage: Storage;
  offset: number;
  shape: number[];
  stride: number[];
}

function custom(type: string, value: unknown): PickleCustom {
  return { kind: "custom", type, value };
}

function asCustom<T>(v: PickleValue, type: string): T | undefined {
  return typeof v === "object" && v !== null && (v as PickleCustom).kind === "custom" &&
      (v as PickleCustom).type === type
    ? (v as PickleCustom).value as T
    : undefined;
}

const ints = (v: PickleValue) =>
  Array.isArray(v) && v.every((x) => typeof x === "number") ? v as number[] : undefined;

const rebuildTensor = (args: PickleValue[], fail: (why: string) => never) => {
  const [storage, offset, size, stride] = args;
  const s = asCustom<Storage>(storage, "torch.storage");
  if (!s || typeof offset !== "number" || !ints(size) || !ints(stride)) {
    fail("a tensor whose storage, offset, size or stride is not data");
  }
  return custom("torch.tensor", { storage: s, offset, shape: size, stride });
};

/** torch's data constructors, and its persistent ids for storages (both formats). */
const TORCH_PICKLE = {
  tags: Object.keys(STORAGES),
  reducers: {
    "collections.OrderedDict": () => new Map(),
    "torch._utils._rebuild_tensor_v2": rebuildTensor,
    "torch._utils._rebuild_tensor": rebuildTensor, // torch ≤ 0.3
    "torch._utils._rebuild_parameter": (args, fail) => {
      if (!asCustom(args[0], "torch.tensor")) fail("a parameter that does not hold a tensor");
      return args[0];
    },
  },
  persistentLoad: (pid: PickleValue, fail: (why: string) => never) => {
    // ('storage', type, key, location, numel[, view metadata in the legacy format])
    const [tag, type, key, , numel] = Array.isArray(pid) ? pid : [];
    const name = typeof type === "object" && type !== null && "name" in type
      ? (type as { name: string }).name
      : "";
    if (tag !== "storage" || !(name in STORAGES) || typeof key !== "string") {
      fail(`an unsupported persistent id ${JSON.stringify(pid)}`);
    }
    return custom("torch.storage", { dtype: STORAGES[name], key, numel: Number(numel) });
  },
} satisfies Parameters<typeof readPickle>[2];

/** Names the callable a refused pickle held, in the reader's own words. */
function refusal(err: Error, path: string): Error {
  const m = /refers to '([^']+)'/.exec(err.message);
  return m
    ? new Error(
      `${path}: holds a pickled '${m[1]}', not only tensors: save model.state_dict() ` +
        `(nothing in a pickle is ever run here)`,
    )
    : err;
}

/** torch's legacy magic number, the first pickle of a pre-1.6 `torch.save` file. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/**
 * A legacy (torch < 1.6) file: pickles of the magic number, the protocol
 * version, system info, the state dict and the storage keys, then each
 * storage in key order as an int64 element count and its raw bytes.
 */
function readLegacy(bytes: Uint8Array, path: string) {
  let at = 0;
  const next = (extension = {}) => {
    const r = readPickleAt(bytes, path, { start: at, extension });
    at = r.end;
    return r.value;
  };
  if (next() !== LEGACY_MAGIC) { // a LONG1 past 2^53: the reader's bigint
    throw new Error(`${path}: not a torch.save file (no magic number)`);
  }
  next(); // protocol version
  const info = next();
  if (info instanceof Map && info.get("little_endian") === false) {
    throw new Error(`${path}: a big-endian torch.save file`);
  }
  // Every storage the state dict names, with its dtype: their bytes follow in key order.
  const dtypes = new Map<string, WeightDtype>();
  let root: PickleValue;
  try {
    root = next({
      ...TORCH_PICKLE,
      persistentLoad: (pid: PickleValue, fail: (why: string) => never) => {
        const s = TORCH_PICKLE.persistentLoad(pid, fail);
        const storage = asCustom<Storage>(s, "torch.storage")!;
        dtypes.set(storage.key, storage.dtype);
        return s;
      },
    });
  } catch (err) {
    throw refusal(err as Error, path);
  }
  const keys = next();
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
    throw new Error(`${path}: no list of storage keys after the state dict`);
  }
  const storages = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys as string[]) {
    if (at + 8 > bytes.length) throw new Error(`${path}: truncated before storage '${key}'`);
    const count = Number(view.getBigInt64(at, true));
    const dtype = dtypes.get(key);
    if (!dtype) {
      throw new Error(`${path}: storage '${key}' is listed but the state dict never named it`);
    }
    const n = count * DTYPE_BYTES[dtype];
    if (at + 8 + n > bytes.length) throw new Error(`${path}: storage '${key}' is truncated`);
    storages.set(key, bytes.subarray(at + 8, at + 8 + n));
    at += 8 + n;
  }
  return { tensors: tensorsOf(root, path), storages };
}

/** The name → tensor map of a state dict (or of its `state_dict` / `model` entry). */
function tensorsOf(root: PickleValue, source: string): Map<string, TensorRef> {
  const isTensor = (v: PickleValue) => asCustom<TensorRef>(v, "torch.tensor") !== undefined;
  let dict = root instanceof Map ? root : undefined;
  if (dict && ![...dict.values()].some(isTensor)) {
    const inner = ["state_dict", "model", "model_state_dict"].map((k) => dict!.get(k))
      .find((v) => v instanceof Map);
    if (inner instanceof Map) dict = inner;
  }
  if (!dict) throw new Error(`${source}: the pickle holds no dict of tensors (a state dict)`);
  const out = new Map<string, TensorRef>();
  for (const [name, v] of dict) {
    const t = asCustom<TensorRef>(v, "torch.tensor");
    if (t) out.set(name, t);
  }
  if (out.size === 0) throw new Error(`${source}: the state dict holds no tensors`);
  return out;
}

/** An opened PyTorch `.pth` / `.pt` state dict. */
export class TorchReader implements WeightSource {
  /** The format, as `openWeights` reports it. */
  readonly format = "torch" as const;
  readonly description: string;
  #storage: (key: string) => Promise<Uint8Array>;
  #close: () => void;
  #tensors: Map<string, TensorRef>;

  private constructor(
    path: string,
    tensors: Map<string, TensorRef>,
    storage: (key: string) => Promise<Uint8Array>,
    close: () => void,
  ) {
    this.description = path;
    this.#tensors = tensors;
    this.#storage = storage;
    this.#close = close;
  }

  /** Opens a legacy (torch < 1.6) `torch.save` file: read whole, its storages in sequence. */
  static async openLegacy(path: string): Promise<TorchReader> {
    const { tensors, storages } = readLegacy(await readRegularFile(path, "PyTorch file"), path);
    // Copied out: a storage inside the file need not be aligned for its dtype.
    return new TorchReader(path, tensors, (key) => {
      const s = storages.get(key);
      return s
        ? Promise.resolve(s.slice())
        : Promise.reject(new Error(`${path}: storage '${key}' is not in the file`));
    }, () => storages.clear());
  }

  /** Opens a state dict saved by `torch.save` (torch ≥ 1.6, the zip format). */
  static async open(path: string): Promise<TorchReader> {
    const zip = await ZipReader.open(path, "PyTorch file (torch.save zip)");
    try {
      const pkl = [...zip.entries.keys()].find((n) => n.endsWith("data.pkl"));
      if (!pkl) throw new Error(`${path}: a zip without data.pkl: not a torch.save file`);
      const prefix = pkl.slice(0, -"data.pkl".length);
      let root: PickleValue;
      try {
        root = readPickle(await zip.read(pkl), `${path}: ${pkl}`, TORCH_PICKLE);
      } catch (err) {
        throw refusal(err as Error, path);
      }
      return new TorchReader(
        path,
        tensorsOf(root, path),
        (key) => zip.read(`${prefix}data/${key}`),
        () => zip.close(),
      );
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  /** Every tensor with dtype and shape. */
  list(): WeightInfo[] {
    return [...this.#tensors].map(([name, t]) => ({
      name,
      dtype: t.storage.dtype,
      shape: t.shape,
    }));
  }

  /** Reads one tensor (its storage, then the strided view of it, in C order). */
  async read(name: string): Promise<WeightValue> {
    const t = this.#tensors.get(name);
    if (!t) throw new Error(`${this.description}: no tensor named '${name}'`);
    const bytes = await this.#storage(t.storage.key);
    const size = DTYPE_BYTES[t.storage.dtype];
    const count = elementCount(t.shape);
    const need = t.shape.reduce((m, d, i) => m + (d - 1) * t.stride[i], t.offset + 1);
    if (count > 0 && need * size > bytes.length) {
      throw new Error(
        `${this.description}: tensor '${name}' reaches element ${need} of a ${
          bytes.length / size
        }-element storage`,
      );
    }
    const contiguous = t.shape.every((_, i) =>
      t.shape[i] === 1 || t.stride[i] === t.shape.slice(i + 1).reduce((a, b) => a * b, 1)
    );
    if (contiguous && t.offset === 0 && count * size === bytes.length) {
      // The usual case: the storage is the tensor (a fresh, aligned buffer: no copy).
      return { dtype: t.storage.dtype, shape: t.shape, data: typedView(t.storage.dtype, bytes) };
    }
    const out = new Uint8Array(count * size);
    if (contiguous) out.set(bytes.subarray(t.offset * size, (t.offset + count) * size));
    else {
      // Strided (a transposed or sliced tensor saved as a view): gather element by element.
      const index = new Array(t.shape.length).fill(0);
      for (let i = 0; i < count; i++) {
        const at = index.reduce((a, x, k) => a + x * t.stride[k], t.offset);
        out.set(bytes.subarray(at * size, (at + 1) * size), i * size);
        for (let k = index.length - 1; k >= 0 && ++index[k] === t.shape[k]; k--) index[k] = 0;
      }
    }
    return { dtype: t.storage.dtype, shape: t.shape, data: typedView(t.storage.dtype, out) };
  }

  /** Closes the file. */
  close(): void {
    this.#close();
  }
}
