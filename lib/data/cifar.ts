/**
 * CIFAR-10 and CIFAR-100 in both official formats (binary and python
 * pickles), from an extracted folder or straight from the `.tar.gz`.
 *
 * @module
 */
import { concatDatasets, type ImageDataset, validateDataset } from "./dataset.ts";
import { type NdArray, type PickleValue, readPickle } from "../io/mod.ts";
import { readTar } from "./tar.ts";
import { readRegularFile } from "../util/mod.ts";

/** Which CIFAR. */
export type CifarVariant = "cifar10" | "cifar100";

/** Options of {@linkcode loadCifar}. */
export interface CifarOptions {
  /** Default `cifar10`. */
  variant?: CifarVariant;
  /** Default `train`. */
  split?: "train" | "test";
  /** CIFAR-100 labels: `fine` (100 classes, default) or `coarse` (20). */
  labels?: "fine" | "coarse";
}

/** CIFAR-10's class names, in label order. */
export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

const PIXELS = 3072;

interface FileSet {
  describe: string;
  get(name: string): Promise<{ path: string; bytes: Uint8Array } | undefined>;
}

function basename(p: string): string {
  return p.replace(/\/+$/, "").split("/").pop() ?? p;
}

async function folderFiles(dir: string): Promise<FileSet> {
  const found = new Map<string, string>();
  async function walk(d: string, depth: number) {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory && depth < 2) await walk(p, depth + 1);
      else if (e.isFile && !found.has(e.name)) found.set(e.name, p);
    }
  }
  await walk(dir.replace(/\/+$/, ""), 0);
  return {
    describe: dir,
    async get(name) {
      const path = found.get(name);
      return path ? { path, bytes: await readRegularFile(path, "CIFAR file") } : undefined;
    },
  };
}

async function archiveFiles(path: string): Promise<FileSet> {
  const entries = await readTar(await readRegularFile(path, "CIFAR archive"), path);
  const byName = new Map(entries.map((e) => [basename(e.name), e]));
  return {
    describe: path,
    get(name) {
      const e = byName.get(name);
      return Promise.resolve(e ? { path: `${path}:${e.name}`, bytes: e.data } : undefined);
    },
  };
}

function fileNames(variant: CifarVariant, split: "train" | "test", format: "bin" | "py") {
  if (variant === "cifar10") {
    const train = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}`);
    const names = split === "train" ? train : ["test_batch"];
    return format === "bin" ? names.map((n) => `${n}.bin`) : names;
  }
  return [format === "bin" ? `${split}.bin` : split];
}

function chwToHwc(src: Uint8Array, out: Uint8Array): void {
  for (let p = 0; p < 1024; p++) {
    out[p * 3] = src[p];
    out[p * 3 + 1] = src[1024 + p];
    out[p * 3 + 2] = src[2048 + p];
  }
}

function parseBinary(
  bytes: Uint8Array,
  path: string,
  variant: CifarVariant,
  labelMode: "fine" | "coarse",
  classes: string[],
): ImageDataset {
  const labelBytes = variant === "cifar10" ? 1 : 2;
  const record = labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new Error(
      `${path}: size ${bytes.length} is not a whole number of ${record}-byte records ` +
        `(${labelBytes} label byte${
          labelBytes > 1 ? "s" : ""
        } + 3072 pixel bytes); truncated or wrong file?`,
    );
  }
  const n = bytes.length / record;
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  const which = variant === "cifar100" && labelMode === "fine" ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const r = bytes.subarray(i * record, (i + 1) * record);
    labels[i] = r[which];
    chwToHwc(r.subarray(labelBytes), images.subarray(i * PIXELS, (i + 1) * PIXELS));
  }
  return validateDataset(
    { images, labels, height: 32, width: 32, channels: 3, classNames: classes },
    path,
  );
}

function dictOf(v: PickleValue, path: string): Map<string, PickleValue> {
  if (!(v instanceof Map)) throw new Error(`${path}: expected a pickled dict`);
  return v;
}

function parsePython(
  bytes: Uint8Array,
  path: string,
  variant: CifarVariant,
  labelMode: "fine" | "coarse",
  classes: string[],
): ImageDataset {
  const dict = dictOf(readPickle(bytes, path), path);
  const data = dict.get("data") as NdArray | undefined;
  if (!data || (data as NdArray).kind !== "ndarray") {
    throw new Error(`${path}: no numpy 'data' array in the pickled dict`);
  }
  if (data.dtype !== "u1" || data.shape.length !== 2 || data.shape[1] !== PIXELS) {
    throw new Error(
      `${path}: 'data' is ${data.dtype}${JSON.stringify(data.shape)}; expected uint8 [N, 3072]`,
    );
  }
  const key = variant === "cifar10" ? "labels" : `${labelMode}_labels`;
  const list = dict.get(key);
  if (!Array.isArray(list)) throw new Error(`${path}: no '${key}' list in the pickled dict`);
  const n = data.shape[0];
  if (list.length !== n || data.data.length !== n * PIXELS) {
    throw new Error(
      `${path}: ${list.length} labels and ${data.data.length} pixel bytes for ${n} images`,
    );
  }
  const images = new Uint8Array(n * PIXELS);
  for (let i = 0; i < n; i++) {
    chwToHwc(data.data.subarray(i * PIXELS, (i + 1) * PIXELS), images.subarray(i * PIXELS));
  }
  const labels = new Int32Array(n);
  list.forEach((v, i) => {
    // Checked before conversion: Int32Array.from would turn 2.7 into 2, 'cat' or None into 0.
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= classes.length) {
      throw new Error(
        `${path}: '${key}'[${i}] is ${describeValue(v)}: expected an integer label in 0..${
          classes.length - 1
        }`,
      );
    }
    labels[i] = v;
  });
  return validateDataset(
    { images, labels, height: 32, width: 32, channels: 3, classNames: classes },
    path,
  );
}

function describeValue(v: PickleValue): string {
  if (v === null || v === undefined) return "None";
  if (v instanceof Uint8Array) return `the bytes '${new TextDecoder().decode(v.subarray(0, 20))}'`;
  if (typeof v === "string") return `the string '${v.slice(0, 20)}'`;
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return String(v);
  return typeof v === "object" && "kind" in v ? `a ${(v as { kind: string }).kind}` : typeof v;
}

async function classNames(
  files: FileSet,
  variant: CifarVariant,
  labelMode: "fine" | "coarse",
): Promise<string[]> {
  const text = async (name: string) => {
    const f = await files.get(name);
    return f
      ? new TextDecoder().decode(f.bytes).split(/\r?\n/).map((s) => s.trim()).filter(Boolean)
      : undefined;
  };
  if (variant === "cifar10") return (await text("batches.meta.txt")) ?? CIFAR10_CLASSES;
  const fromTxt = await text(`${labelMode}_label_names.txt`);
  if (fromTxt) return fromTxt;
  const meta = await files.get("meta");
  if (meta) {
    const names = dictOf(readPickle(meta.bytes, meta.path), meta.path).get(
      `${labelMode}_label_names`,
    );
    if (Array.isArray(names)) {
      return names.map((n) => n instanceof Uint8Array ? new TextDecoder().decode(n) : String(n));
    }
  }
  const count = labelMode === "fine" ? 100 : 20;
  return Array.from({ length: count }, (_, i) => `class_${i}`);
}

/**
 * Loads a CIFAR split from a folder (extracted archive, either format) or a
 * `.tar.gz` archive. Binary files are preferred when both formats are there.
 *
 * @example
 * ```ts
 * const train = await loadCifar("~/data/cifar-10-binary.tar.gz");
 * ```
 */
export async function loadCifar(source: string, options: CifarOptions = {}): Promise<ImageDataset> {
  const variant = options.variant ?? "cifar10";
  const split = options.split ?? "train";
  const labelMode = options.labels ?? "fine";
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(source);
  } catch {
    throw new Error(
      `${source}: not found; expected a CIFAR folder or archive (download with downloadDataset("${variant}"))`,
    );
  }
  const files = stat.isDirectory ? await folderFiles(source) : await archiveFiles(source);
  const classes = await classNames(files, variant, labelMode);
  for (const format of ["bin", "py"] as const) {
    const names = fileNames(variant, split, format);
    const first = await files.get(names[0]);
    if (!first) continue;
    const parts: ImageDataset[] = [];
    for (const name of names) {
      const f = name === names[0] ? first : await files.get(name);
      if (!f) {
        throw new Error(`${files.describe}: '${name}' is missing (found ${names[0]})`);
      }
      parts.push(
        format === "bin"
          ? parseBinary(f.bytes, f.path, variant, labelMode, classes)
          : parsePython(f.bytes, f.path, variant, labelMode, classes),
      );
    }
    return concatDatasets(parts);
  }
  throw new Error(
    `${files.describe}: no ${variant} ${split} files; expected ` +
      `${fileNames(variant, split, "bin").join(", ")} or ${
        fileNames(variant, split, "py").join(", ")
      }`,
  );
}
