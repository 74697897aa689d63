/**
 * Writes small CIFAR datasets in the official layouts for tests: the binary
 * version directly, the python version with real numpy pickles (Debian's
 * python3-numpy), archives with the system tar.
 */
import { encodeCifarBinary } from "../../lib/data/cifar_writer.ts";
import type { ImageDataset } from "../../lib/data/dataset.ts";
import { seededRandom } from "../../lib/util/random.ts";

export interface CifarRecords {
  /** Expected HWC pixels per image. */
  hwc: Uint8Array[];
  /** Official CHW rows (R plane, G plane, B plane). */
  chw: Uint8Array[];
  fine: number[];
  coarse: number[];
}

export function makeRecords(n: number, classes: number, seed: number): CifarRecords {
  const random = seededRandom(seed);
  const out: CifarRecords = { hwc: [], chw: [], fine: [], coarse: [] };
  for (let i = 0; i < n; i++) {
    const chw = new Uint8Array(3072);
    for (let k = 0; k < 3072; k++) chw[k] = Math.floor(random() * 256);
    const hwc = new Uint8Array(3072);
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) hwc[p * 3 + c] = chw[c * 1024 + p];
    }
    out.chw.push(chw);
    out.hwc.push(hwc);
    out.fine.push(Math.floor(random() * classes));
    out.coarse.push(Math.floor(random() * 20));
  }
  return out;
}

/** The records' HWC images as a dataset labelled by their fine labels. */
export function recordsDataset(r: CifarRecords): ImageDataset {
  const images = new Uint8Array(r.hwc.length * 3072);
  r.hwc.forEach((img, i) => images.set(img, i * 3072));
  return {
    images,
    labels: Int32Array.from(r.fine),
    height: 32,
    width: 32,
    channels: 3,
    classNames: [],
  };
}

/** The records in CIFAR's binary layout, through the toolkit's one writer. */
export function binaryBytes(r: CifarRecords, variant: "cifar10" | "cifar100"): Uint8Array {
  return encodeCifarBinary(recordsDataset(r), { variant, coarse: r.coarse });
}

const PY = `
import sys, pickle, numpy as np, json
raw, meta, out, proto = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
m = json.load(open(meta))
data = np.fromfile(raw, dtype=np.uint8).reshape(-1, 3072)
d = {b"batch_label": b"testing batch", b"data": data, b"filenames": [b"img_%d.png" % i for i in range(len(data))]}
for k, v in m.items():
    d[k.encode()] = v
with open(out, "wb") as f:
    pickle.dump(d, f, protocol=proto)
`;
import { toolPath } from "../../lib/util/tools.ts";

/** Writes a python-version pickle with numpy; `extra` are label lists etc. */
export async function writePythonPickle(
  path: string,
  r: CifarRecords,
  extra: Record<string, unknown>,
  protocol: number,
): Promise<void> {
  const raw = `${path}.raw`, meta = `${path}.json`;
  const flat = new Uint8Array(r.chw.length * 3072);
  r.chw.forEach((row, i) => flat.set(row, i * 3072));
  await Deno.writeFile(raw, flat);
  await Deno.writeTextFile(meta, JSON.stringify(extra));
  const res = await new Deno.Command(toolPath("python"), {
    args: ["-c", PY, raw, meta, path, String(protocol)],
  }).output();
  await Deno.remove(raw);
  await Deno.remove(meta);
  if (!res.success) {
    throw new Error(`python3 numpy pickle writer failed: ${new TextDecoder().decode(res.stderr)}`);
  }
}

/** Creates `<dir>/<name>.tar.gz` of `<dir>/<folder>` with the system tar. */
export async function tarGz(dir: string, folder: string, name: string): Promise<string> {
  const out = `${dir}/${name}.tar.gz`;
  // The archive is written inside `dir`: leave it out when packing `dir` itself.
  const res = await new Deno.Command("tar", {
    args: ["-czf", out, `--exclude=./${name}.tar.gz`, "-C", dir, folder],
  }).output();
  if (!res.success) throw new Error(new TextDecoder().decode(res.stderr));
  return out;
}
