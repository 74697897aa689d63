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
import { regularFile } from "../util/fs.ts";

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
};

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

/** An opened Keras HDF5 weights file. Names are the `weight_names` without `:0`. */
export class KerasH5Reader implements WeightSource {
  /** The format, as `openWeights` reports it. */
  readonly format = "keras-h5" as const;
  readonly description: string;
  #file: H5File;
  #paths: Map<string, string>;
  #infos: WeightInfo[];

  private constructor(path: string, file: H5File, paths: Map<string, string>, infos: WeightInfo[]) {
    this.description = path;
    this.#file = file;
    this.#paths = paths;
    this.#infos = infos;
  }

  /** Opens a Keras weights file and lists its weights. */
  static async open(path: string): Promise<KerasH5Reader> {
    const lib = await h5();
    await regularFile(path, "Keras HDF5 file");
    const file = read(path, "the superblock", () => new lib.File(path, "r") as unknown as H5File);
    try {
      const modelWeights = read(path, "/model_weights", () => file.get("model_weights"));
      const root = modelWeights ?? file;
      const rootName = modelWeights ? "model_weights/" : "";
      const layerNames = read(path, "layer_names", () => root.attrs["layer_names"]?.value);
      if (layerNames === undefined) {
        throw new Error(
          `${path}: no 'layer_names' attribute on ${
            rootName ? "/model_weights" : "the root group"
          }: ` +
            `not a Keras weights file`,
        );
      }
      const paths = new Map<string, string>();
      const infos: WeightInfo[] = [];
      for (const layer of strings(layerNames)) {
        const group = read(path, `layer '${layer}'`, () => file.get(`${rootName}${layer}`));
        if (!group) throw new Error(`${path}: layer '${layer}' listed in layer_names has no group`);
        const names = strings(
          read(
            path,
            `weight_names of layer '${layer}'`,
            () => group.attrs["weight_names"]?.value,
          ) ??
            [],
        );
        for (const w of names) {
          const dsPath = `${rootName}${layer}/${w}`;
          const ds = read(path, `weight '${w}'`, () => file.get(dsPath)) as H5Dataset | null;
          if (!ds || !("shape" in ds)) {
            throw new Error(`${path}: weight '${w}' of layer '${layer}' has no dataset`);
          }
          const [dtypeCode, shape] = read(path, `weight '${w}'`, () => [ds.dtype, ds.shape]);
          const dtype = DTYPES[dtypeCode];
          if (!dtype) {
            throw new Error(`${path}: weight '${w}' has unsupported HDF5 type '${dtypeCode}'`);
          }
          const name = w.replace(/:\d+$/, "");
          paths.set(name, dsPath);
          infos.push({ name, dtype, shape });
        }
      }
      return new KerasH5Reader(path, file, paths, infos);
    } catch (err) {
      try {
        file.close();
      } catch { /* a damaged file may fail to close too */ }
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
      const data = read(this.description, `weight '${name}'`, () => {
        const ds = this.#file.get(p) as H5Dataset;
        return ds.value as WeightValue["data"];
      });
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

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}
