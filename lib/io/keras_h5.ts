/**
 * Keras HDF5 weight files (`model.save` and `save_weights` layouts), read with
 * h5wasm: `layer_names` on the root or `/model_weights`, `weight_names` on each
 * layer group, datasets at `<layer>/<weight name>`.
 *
 * @module
 */
import h5wasm from "h5wasm/node";
import {
  elementCount,
  type WeightDtype,
  type WeightInfo,
  type WeightSource,
  type WeightValue,
} from "./weight_source.ts";
import { regularFile } from "../util/mod.ts";
import type { ZipReader } from "./zip.ts";

interface H5Attr {
  value: unknown;
}
interface H5Node {
  attrs: Record<string, H5Attr>;
  keys?: () => string[];
}
interface H5Dataset extends H5Node {
  shape: number[];
  dtype: string;
  value: unknown;
}
interface H5File extends H5Node {
  get(path: string): H5Node | H5Dataset | null;
  close(): void;
}

const DTYPES: Record<string, WeightDtype> = {
  "<f": "float32",
  "<d": "float64",
  "<e": "float16",
  "<i": "int32",
  "<q": "int64",
  "<h": "int16",
  "<b": "int8",
  "<B": "uint8",
  "<H": "uint16",
  "<I": "uint32",
  "<Q": "uint64",
};

/** h5wasm reads a rank-0 dataset as a bare number or bigint: one element of `dtype`. */
function scalarArray(dtype: WeightDtype, v: unknown): WeightValue["data"] {
  const n = () => Number(v);
  const big = () => BigInt(v as bigint | number);
  switch (dtype) {
    case "float64":
      return Float64Array.of(n());
    case "int64":
      return BigInt64Array.of(big());
    case "uint64":
      return BigUint64Array.of(big());
    case "int32":
      return Int32Array.of(n());
    case "uint32":
      return Uint32Array.of(n());
    case "int16":
      return Int16Array.of(n());
    case "uint16":
    case "float16":
      return Uint16Array.of(n());
    case "int8":
      return Int8Array.of(n());
    case "uint8":
      return Uint8Array.of(n());
    default:
      return Float32Array.of(n());
  }
}

/**
 * An attribute's value as a list of strings. Keras writes names as byte
 * strings (h5py `S` arrays) or str; a layer without weights gets an empty
 * list, which h5py stores as an empty float64 array: no names.
 */
function strings(v: unknown): string[] {
  if (ArrayBuffer.isView(v) && !(v instanceof Uint8Array)) {
    if ((v as unknown as ArrayLike<unknown>).length === 0) return [];
  }
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((s) => (s instanceof Uint8Array ? new TextDecoder().decode(s) : String(s)));
}

let quiet = false;

/**
 * h5wasm ready, with HDF5's error stack turned into exceptions instead of
 * `HDF5-DIAG` traces on stderr (60–250 lines for one damaged file).
 */
async function h5(): Promise<typeof h5wasm> {
  const module = await h5wasm.ready;
  if (!quiet) {
    (module as unknown as { activate_throwing_error_handler(): number })
      .activate_throwing_error_handler();
    quiet = true;
  }
  return h5wasm;
}

/**
 * The cause in an HDF5 error stack: its innermost entry's text (e.g.
 * "truncated file: eof = 1856, ... stored_eof = 3712"), without source paths.
 */
function hdf5Cause(message: string): string {
  const entries = [...message.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)/g)].map((m) => m[1]);
  return entries.length ? entries[entries.length - 1].trim() : message.split("\n")[0];
}

/** Runs one h5wasm call; an error names the file and what was being read. */
function read<T>(path: string, what: string, call: () => T): T {
  // Emscripten warns on stderr about invalid UTF-8 in damaged names: the
  // names and the error say enough.
  const warn = console.warn;
  console.warn = () => {};
  try {
    return call();
  } catch (err) {
    throw new Error(
      `${path}: damaged or not an HDF5 file: reading ${what} failed (${
        hdf5Cause((err as Error).message)
      })`,
    );
  } finally {
    console.warn = warn;
  }
}

type Found = { paths: Map<string, string>; infos: WeightInfo[] };

/**
 * A list attribute, whole or in Keras' chunks (`layer_names0`,
 * `layer_names1`, ...: written when it exceeds HDF5's 64 KB object header).
 */
function attrList(path: string, node: H5Node, name: string): string[] | undefined {
  const whole = read(path, name, () => node.attrs[name]?.value);
  if (whole !== undefined) return strings(whole);
  const chunks: string[] = [];
  for (let i = 0;; i++) {
    const part = read(path, `${name}${i}`, () => node.attrs[`${name}${i}`]?.value);
    if (part === undefined) return i === 0 ? undefined : chunks;
    chunks.push(...strings(part));
  }
}

function dataset(path: string, file: H5File, dsPath: string, what: string) {
  const ds = read(path, what, () => file.get(dsPath)) as H5Dataset | null;
  if (!ds || !("shape" in ds)) return undefined;
  const [dtypeCode, shape] = read(path, what, () => [ds.dtype, ds.shape] as const);
  const dtype = DTYPES[dtypeCode];
  if (!dtype) throw new Error(`${path}: ${what} has unsupported HDF5 type '${dtypeCode}'`);
  return { dtype, shape: [...shape] };
}

/** Keras 1–2 / tf.keras: each listed layer's `weight_names`, datasets at `<layer>/<name>`. */
function layerWeights(path: string, file: H5File, rootName: string, layers: string[]): Found {
  const paths = new Map<string, string>();
  const infos: WeightInfo[] = [];
  for (const layer of layers) {
    const group = read(path, `layer '${layer}'`, () => file.get(`${rootName}${layer}`));
    if (!group) throw new Error(`${path}: layer '${layer}' listed in layer_names has no group`);
    for (const w of attrList(path, group, "weight_names") ?? []) {
      const info = dataset(path, file, `${rootName}${layer}/${w}`, `weight '${w}'`);
      if (!info) throw new Error(`${path}: weight '${w}' of layer '${layer}' has no dataset`);
      // Keras 3's legacy h5 names weights 'kernel', 'bias' in every layer: qualify them.
      const bare = w.replace(/:\d+$/, "");
      const name = bare.includes("/") || bare.startsWith(layer) ? bare : `${layer}/${bare}`;
      paths.set(name, `${rootName}${layer}/${w}`);
      infos.push({ name, ...info });
    }
  }
  return { paths, infos };
}

/**
 * Keras 3 `.weights.h5`: a `vars` group per object (`layers/conv2d/vars`,
 * `optimizer/vars`) holding datasets `0`, `1`, ... in the layer's variable
 * order. Names: the object path without `layers/` segments, then the index
 * (`conv2d/0` is conv2d's kernel, `conv2d/1` its bias).
 */
function keras3Weights(path: string, file: H5File): Found | undefined {
  const paths = new Map<string, string>();
  const infos: WeightInfo[] = [];
  const walk = (group: string) => {
    const node = read(path, group || "/", () => (group ? file.get(group) : file));
    const keys = node && typeof node.keys === "function"
      ? read(path, group || "/", () => node.keys!())
      : [];
    for (const key of keys) {
      const child = group ? `${group}/${key}` : key;
      if (key !== "vars") {
        walk(child);
        continue;
      }
      const owner = group.split("/").filter((p) => p && p !== "layers").join("/") || "model";
      const indices = read(path, child, () => file.get(child)?.keys?.() ?? [])
        .filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
      for (const i of indices) {
        const info = dataset(path, file, `${child}/${i}`, `variable '${child}/${i}'`);
        if (!info) continue;
        paths.set(`${owner}/${i}`, `${child}/${i}`);
        infos.push({ name: `${owner}/${i}`, ...info });
      }
    }
  };
  walk("");
  return infos.length ? { paths, infos } : undefined;
}

/** An opened Keras HDF5 weights file. Names are the `weight_names` without `:0`. */
export class KerasH5Reader implements WeightSource {
  /** The format, as `openWeights` reports it. */
  readonly format = "keras-h5" as const;
  description: string;
  #file: H5File;
  #paths: Map<string, string>;
  #infos: WeightInfo[];

  private constructor(path: string, file: H5File, paths: Map<string, string>, infos: WeightInfo[]) {
    this.description = path;
    this.#file = file;
    this.#paths = paths;
    this.#infos = infos;
  }

  /**
   * Opens a Keras weights file and lists its weights: Keras 1–2 and tf.keras
   * (`layer_names` / `weight_names`, full models under `/model_weights`),
   * and Keras 3's `.weights.h5` (`layers/<layer>/vars/<i>`).
   */
  static async open(path: string, options: { cleanup?: string } = {}): Promise<KerasH5Reader> {
    const lib = await h5();
    await regularFile(path, "Keras HDF5 file");
    const file = read(path, "the superblock", () => new lib.File(path, "r") as unknown as H5File);
    try {
      const modelWeights = read(path, "/model_weights", () => file.get("model_weights"));
      const root = modelWeights ?? file;
      const rootName = modelWeights ? "model_weights/" : "";
      const layerNames = attrList(path, root, "layer_names");
      const found = layerNames
        ? layerWeights(path, file, rootName, layerNames)
        : keras3Weights(path, file);
      if (!found) {
        throw new Error(
          `${path}: no 'layer_names' attribute on ${
            rootName ? "/model_weights" : "the root group"
          } and no Keras 3 'layers/<name>/vars' groups: not a Keras weights file`,
        );
      }
      const reader = new KerasH5Reader(path, file, found.paths, found.infos);
      reader.#cleanup = options.cleanup;
      return reader;
    } catch (err) {
      try {
        file.close();
      } catch { /* a damaged file may fail to close too */ }
      throw err;
    }
  }

  #cleanup?: string;

  /**
   * Opens the weights of a Keras 3 `.keras` archive (a zip holding
   * `model.weights.h5`), copied out to a temporary file for HDF5.
   */
  static async openArchive(path: string, zip: ZipReader): Promise<KerasH5Reader> {
    if (!zip.entries.has("model.weights.h5")) {
      throw new Error(`${path}: a zip without model.weights.h5: not a .keras archive`);
    }
    const tmp = await Deno.makeTempFile({ suffix: ".weights.h5" });
    try {
      await Deno.writeFile(tmp, await zip.read("model.weights.h5"));
      const reader = await KerasH5Reader.open(tmp, { cleanup: tmp });
      reader.description = `${path}: model.weights.h5`;
      return reader;
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
  }

  /** Every weight with dtype and shape. */
  list(): WeightInfo[] {
    return this.#infos;
  }

  /** Reads one weight. */
  read(name: string): Promise<WeightValue> {
    const p = this.#paths.get(name);
    if (!p) return Promise.reject(new Error(`${this.description}: no weight named '${name}'`));
    const info = this.#infos.find((i) => i.name === name)!;
    try {
      const raw = read(this.description, `weight '${name}'`, () => {
        const ds = this.#file.get(p) as H5Dataset;
        return ds.value as unknown;
      });
      // Keras 3 writes scalars: the optimizer's iteration count (int64) and learning rate.
      const data = info.shape.length === 0 && (typeof raw === "number" || typeof raw === "bigint")
        ? scalarArray(info.dtype, raw)
        : raw as WeightValue["data"];
      const expected = elementCount(info.shape);
      if ((data as ArrayLike<unknown>).length !== expected) {
        throw new Error(
          `${this.description}: weight '${name}' holds ${
            (data as ArrayLike<unknown>).length
          } values for shape [${info.shape}] (${expected})`,
        );
      }
      return Promise.resolve({ dtype: info.dtype, shape: info.shape, data });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Closes the file (and removes an archive's temporary copy). */
  close(): void {
    this.#file.close();
    if (this.#cleanup) Deno.removeSync(this.#cleanup);
  }
}
