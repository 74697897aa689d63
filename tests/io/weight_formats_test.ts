import assert from "node:assert/strict";
import { KerasH5Reader } from "../../lib/io/keras_h5.ts";
import { openWeights } from "../../lib/io/open_weights.ts";
import { SafetensorsReader, writeSafetensors } from "../../lib/io/safetensors.ts";

const KERAS = new URL("../fixtures/keras/", import.meta.url).pathname;

Deno.test("Keras HDF5 (written by h5py): layer_names / weight_names, values and dtypes", async () => {
  const f = await openWeights(`${KERAS}keras_layout.h5`);
  assert.equal(f.format, "keras-h5");
  assert.deepEqual(f.list(), [
    { name: "conv2d/kernel", dtype: "float32", shape: [2, 2, 1, 3] },
    { name: "conv2d/bias", dtype: "float32", shape: [3] },
    { name: "dense/kernel", dtype: "float64", shape: [3, 2] },
  ]);
  assert.deepEqual(
    Array.from((await f.read("conv2d/kernel")).data as Float32Array),
    Array.from({ length: 12 }, (_, i) => i / 4),
  );
  assert.deepEqual(Array.from((await f.read("conv2d/bias")).data as Float32Array), [0.5, -1.5, 2]);
  const dense = Array.from((await f.read("dense/kernel")).data as Float64Array);
  [-1, -0.6, -0.2, 0.2, 0.6, 1].forEach((v, i) =>
    assert.ok(Math.abs(dense[i] - v) < 1e-12, `dense[${i}]`)
  );
  f.close();
});

Deno.test("safetensors round trip, lazily read", async () => {
  const dir = await Deno.makeTempDir();
  await writeSafetensors(`${dir}/m.safetensors`, [
    { name: "a", dtype: "float32", shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
    { name: "b", dtype: "int64", shape: [1], data: BigInt64Array.from([7n]) },
    { name: "c", dtype: "bfloat16", shape: [1], data: Uint16Array.from([0x3f80]) },
  ]);
  const f = await openWeights(`${dir}/m.safetensors`);
  assert.equal(f.format, "safetensors");
  assert.deepEqual(f.list().map((t) => [t.name, t.dtype, t.shape]), [["a", "float32", [2, 2]], [
    "b",
    "int64",
    [1],
  ], ["c", "bfloat16", [1]]]);
  assert.deepEqual(Array.from((await f.read("a")).data as Float32Array), [1, 2, 3, 4]);
  assert.deepEqual(Array.from((await f.read("b")).data as BigInt64Array), [7n]);
  f.close();
  await Deno.remove(dir, { recursive: true });
});

function safetensorsBytes(header: unknown, dataBytes: number, lengthOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? json.length), true);
  out.set(json, 8);
  return out;
}

Deno.test("bad safetensors and HDF5 files give clear errors", async () => {
  const dir = await Deno.makeTempDir();
  const cases: [string, Uint8Array, RegExp][] = [
    [
      "overlap",
      safetensorsBytes({
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
      }, 12),
      /tensors 'a' and 'b' overlap/,
    ],
    [
      "outside",
      safetensorsBytes({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, 8),
      /'a' has data_offsets \[0,16\] outside the 8-byte data section/,
    ],
    [
      "sizemismatch",
      safetensorsBytes({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, 8),
      /'a' spans 8 bytes for F32\[3\]: expected 12/,
    ],
    [
      "dtype",
      safetensorsBytes({ a: { dtype: "Q7", shape: [1], data_offsets: [0, 1] } }, 1),
      /unknown dtype 'Q7'/,
    ],
    ["headerlen", safetensorsBytes({}, 0, 9999), /header length 9999 exceeds the file/],
    ["json", new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b]), /not JSON/],
  ];
  for (const [name, bytes, re] of cases) {
    const path = `${dir}/${name}.safetensors`;
    await Deno.writeFile(path, bytes);
    await assert.rejects(() => SafetensorsReader.open(path), (err: Error) => {
      assert.match(err.message, new RegExp(`${name}\\.safetensors: invalid safetensors header`));
      assert.match(err.message, re);
      return true;
    });
  }
  await assert.rejects(
    () => KerasH5Reader.open(`${KERAS}keras_bad.h5`),
    /keras_bad\.h5: no 'layer_names' attribute on \/model_weights: not a Keras weights file/,
  );
  await Deno.remove(dir, { recursive: true });
});
