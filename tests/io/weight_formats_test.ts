import assert from "node:assert/strict";
import { KerasH5Reader } from "../../lib/io/keras_h5.ts";
import { openWeights } from "../../lib/io/open_weights.ts";
import { SafetensorsReader, writeSafetensors } from "../../lib/io/safetensors.ts";
import { python } from "../helpers/tools.ts";
import { tempDir } from "../helpers/temp.ts";

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
  const dir = await tempDir();
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
  const dir = await tempDir();
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
      /'a' has dtype "Q7": expected one of F32/,
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
    /keras_bad\.h5: no 'layer_names' attribute on \/model_weights and no Keras 3 'layers\/<name>\/vars' groups: not a Keras weights file/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("safetensors header fields of the wrong type: the tensor, the field and the expected form", async () => {
  const dir = await tempDir();
  const cases: [unknown, RegExp][] = [
    [{ a: null }, /tensor 'a' is null: expected \{dtype, shape, data_offsets\}/],
    [{ a: [1] }, /tensor 'a' is \[1\]: expected \{dtype, shape, data_offsets\}/],
    [
      { a: { dtype: "F32", shape: [1], data_offsets: 5 } },
      /'a' has data_offsets 5: expected \[begin, end\]/,
    ],
    [
      { a: { dtype: "F32", shape: [1], data_offsets: [0] } },
      /'a' has data_offsets \[0\]: expected/,
    ],
    [{ a: { dtype: "F32", shape: [1], data_offsets: ["0", "4"] } }, /data_offsets \["0","4"\]/],
    [
      { a: { dtype: "F32", shape: "1", data_offsets: [0, 4] } },
      /'a' has shape "1": expected a list of integers/,
    ],
    [{ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } }, /shape \[1\.5\]/],
    [
      { a: { dtype: 7, shape: [1], data_offsets: [0, 4] } },
      /'a' has dtype 7: expected one of F32,/,
    ],
    [{ a: { shape: [1], data_offsets: [0, 4] } }, /'a' has dtype undefined/],
    [{ __metadata__: "x" }, /__metadata__ is "x": expected an object of strings/],
    [{ __metadata__: { format: 1 } }, /__metadata__ 'format' is 1: expected a string/],
  ];
  for (const [i, [header, re]] of cases.entries()) {
    const path = `${dir}/case${i}.safetensors`;
    await Deno.writeFile(path, safetensorsBytes(header, 4));
    await assert.rejects(() => openWeights(path), (err: Error) => {
      assert.ok(!(err instanceof TypeError), `case ${i}: ${err.message}`);
      assert.match(err.message, new RegExp(`case${i}\\.safetensors: invalid safetensors header`));
      assert.match(err.message, re);
      return true;
    });
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a weight file that is a FIFO or a folder is refused by name (inspect used to hang)", async () => {
  const dir = await tempDir();
  for (const name of ["w.h5", "w.safetensors", "w.ckpt"]) {
    assert.ok(new Deno.Command("mkfifo", { args: [`${dir}/${name}`] }).outputSync().success);
    await assert.rejects(() => openWeights(`${dir}/${name}`), new RegExp(`${name}: is a FIFO`));
  }
  await Deno.mkdir(`${dir}/folder.safetensors`);
  await assert.rejects(
    () => openWeights(`${dir}/folder.safetensors`),
    /folder\.safetensors: is a directory/,
  );
  await assert.rejects(() => KerasH5Reader.open(`${dir}/w.h5`), /w\.h5: is a FIFO/);
  await Deno.remove(dir, { recursive: true });
});

/** Writes an HDF5 file with h5py (as Keras does) from a Python body using `f`. */
function h5py(path: string, body: string) {
  python(
    "-c",
    `import h5py, numpy as np\nwith h5py.File(${JSON.stringify(path)}, "w") as f:\n` +
      body.split("\n").map((l) => `    ${l}`).join("\n"),
  );
}

Deno.test("Keras weightless layers: empty weight_names as Keras writes them (an empty float64 array)", async () => {
  const dir = await tempDir();
  const path = `${dir}/model.h5`;
  h5py(
    path,
    `f.attrs["keras_version"] = "2.3.1"
f.attrs["backend"] = "tensorflow"
f.attrs["layer_names"] = [b"conv2d_1", b"max_pooling2d_1", b"flatten_1", b"dense_1"]
for name, ws in [("conv2d_1", ["kernel:0", "bias:0"]), ("max_pooling2d_1", []), ("flatten_1", []), ("dense_1", ["kernel:0"])]:
    g = f.create_group(name)
    g.attrs["weight_names"] = [f"{name}/{w}".encode() for w in ws]
    for w in ws:
        g.create_dataset(f"{name}/{w}", data=np.ones((2, 3), "f4"))
assert f["max_pooling2d_1"].attrs["weight_names"].dtype == np.float64`,
  );
  const f = await openWeights(path);
  assert.deepEqual(f.list().map((w) => w.name), [
    "conv2d_1/kernel",
    "conv2d_1/bias",
    "dense_1/kernel",
  ]);
  assert.deepEqual(Array.from((await f.read("dense_1/kernel")).data as Float32Array), [
    1,
    1,
    1,
    1,
    1,
    1,
  ]);
  f.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("damaged Keras HDF5 files: one error naming the file and what was read, never a TypeError", async () => {
  const dir = await tempDir();
  const good = await Deno.readFile(`${KERAS}keras_layout.h5`);
  const tryAll = async (bytes: Uint8Array) => {
    const path = `${dir}/damaged.h5`;
    await Deno.writeFile(path, bytes);
    try {
      const f = await KerasH5Reader.open(path);
      for (const w of f.list()) await f.read(w.name);
      f.close();
      return undefined;
    } catch (err) {
      return err as Error;
    }
  };
  const truncated = await tryAll(good.subarray(0, good.length >> 1));
  assert.match(
    truncated!.message,
    /damaged\.h5: damaged or not an HDF5 file: reading the superblock failed \(truncated file: eof = \d+/,
  );
  let failures = 0;
  for (let i = 0; i < 2048; i += 5) { // flips across the metadata at the head of the file
    const bytes = good.slice();
    bytes[i] ^= 0xff;
    const err = await tryAll(bytes);
    if (!err) continue;
    failures++;
    assert.ok(!(err instanceof TypeError), `flip at ${i}: ${err.stack}`);
    assert.match(err.message, /^\S*damaged\.h5: /, `flip at ${i}: ${err.message}`);
    assert.ok(!err.message.includes("\n") && !err.message.includes("HDF5-DIAG"), err.message);
  }
  assert.ok(failures > 20, `${failures} flips failed`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a safetensors header whose tensor name is not UTF-8 is refused at its byte offset", async () => {
  const dir = await tempDir();
  try {
    const good = safetensorsBytes({ "ab": { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 4);
    const text = new TextDecoder().decode(good.subarray(8));
    const at = text.indexOf('"ab"') + 2; // the 'b' of the name
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80]]) { // stray byte, cut sequence, surrogate
      const bytes = new Uint8Array(good.length + bad.length - 1);
      bytes.set(good.subarray(0, 8 + at));
      bytes.set(bad, 8 + at);
      bytes.set(good.subarray(8 + at + 1), 8 + at + bad.length);
      new DataView(bytes.buffer).setBigUint64(
        0,
        BigInt(good.length - 8 - 4 + bad.length - 1),
        true,
      );
      const path = `${dir}/bad.safetensors`;
      await Deno.writeFile(path, bytes);
      await assert.rejects(
        () => openWeights(path),
        new RegExp(
          `bad\\.safetensors: invalid safetensors header: not valid UTF-8 at byte ${8 + at} `,
        ),
      );
    }
    // The same name in UTF-8 (é) opens.
    const ok = safetensorsBytes({ "aé": { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 4);
    await Deno.writeFile(`${dir}/ok.safetensors`, ok);
    const r = await openWeights(`${dir}/ok.safetensors`);
    assert.deepEqual(r.list().map((t) => t.name), ["aé"]);
    r.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
