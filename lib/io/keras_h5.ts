/**
 * Keras HDF5 weight files (`model.save` and `save_weights` layouts), read with
 * h5wasm: `layer_names` on the root or `/model_weights`, `weight_names` on each
 * layer group, datasets at `<layer>/<weight name>`.
 *
 * @module
 */
import h5wasm from "h5wasm/node";
import type { WeightDtype, WeightInfo, WeightSource, WeightValue } from "./weight_source.ts";

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

function strings(v: unknown): string[] {
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((s) => (s instanceof Uint8Array ? new TextDecoder().decode(s) : String(s)));
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
    await h5wasm.ready;
    let file: H5File;
    try {
      await Deno.stat(path);
      file = new h5wasm.File(path, "r") as unknown as H5File;
    } catch (err) {
      throw new Error(`${path}: cannot open as HDF5 (${(err as Error).message})`);
    }
    try {
      const root = file.get("model_weights") ?? file;
      const rootName = file.get("model_weights") ? "model_weights/" : "";
      if (!root.attrs["layer_names"]) {
        throw new Error(
          `${path}: no 'layer_names' attribute on ${
            rootName ? "/model_weights" : "the root group"
          }: ` +
            `not a Keras weights file`,
        );
      }
      const paths = new Map<string, string>();
      const infos: WeightInfo[] = [];
      for (const layer of strings(root.attrs["layer_names"].value)) {
        const group = file.get(`${rootName}${layer}`);
        if (!group) throw new Error(`${path}: layer '${layer}' listed in layer_names has no group`);
        const names = group.attrs["weight_names"] ? strings(group.attrs["weight_names"].value) : [];
        for (const w of names) {
          const dsPath = `${rootName}${layer}/${w}`;
          const ds = file.get(dsPath) as H5Dataset | null;
          if (!ds || !("shape" in ds)) {
            throw new Error(`${path}: weight '${w}' of layer '${layer}' has no dataset`);
          }
          const dtype = DTYPES[ds.dtype];
          if (!dtype) {
            throw new Error(`${path}: weight '${w}' has unsupported HDF5 type '${ds.dtype}'`);
          }
          const name = w.replace(/:\d+$/, "");
          paths.set(name, dsPath);
          infos.push({ name, dtype, shape: ds.shape });
        }
      }
      return new KerasH5Reader(path, file, paths, infos);
    } catch (err) {
      file.close();
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
    const ds = this.#file.get(p) as H5Dataset;
    const info = this.#infos.find((i) => i.name === name)!;
    return Promise.resolve({
      dtype: info.dtype,
      shape: info.shape,
      data: ds.value as WeightValue["data"],
    });
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}
