/**
 * Keras HDF5 files as each generation writes them (built with h5py by
 * tests/reference/make_keras_files.py): Keras 1.2 (weights and full model),
 * 2.1, 2.3 (str attributes), tf.keras 2.2 (a nested model), Keras 3 legacy
 * h5, chunked layer_names, Keras 3 `.weights.h5` and `.keras` archives.
 */
import assert from "node:assert/strict";
import { openWeights } from "../../lib/io/open_weights.ts";
import { python, pythonHas } from "../helpers/tools.ts";
import { tempDir } from "../helpers/temp.ts";

const SCRIPT = new URL("../reference/make_keras_files.py", import.meta.url).pathname;
const haveH5py = pythonHas("h5py", "python3-h5py");

// Keras 3 after fit: the layers' variables, a Dropout's seed state, the optimizer's.
const KERAS3 = [
  "conv2d/0",
  "conv2d/1",
  "dense/0",
  "dense/1",
  "dropout/seed_generator/0",
  ...Array.from({ length: 10 }, (_, i) => `optimizer/${i}`),
];

const K = Array.from({ length: 18 }, (_, i) => i / 8);
const D = Array.from({ length: 24 }, (_, i) => -1 + (2 * i) / 23);

Deno.test({
  name:
    "every Keras generation's layout reads: names, shapes and values; weightless layers skipped",
  ignore: !haveH5py,
  async fn() {
    const dir = await tempDir();
    python(SCRIPT, dir);
    const layouts: [string, string[]][] = [
      ["keras1_weights.h5", ["conv2d_1_W", "conv2d_1_b", "dense_1_W", "dense_1_b"]],
      ["keras1_model.h5", ["conv2d_1_W", "conv2d_1_b", "dense_1_W", "dense_1_b"]],
      ["keras21_model.h5", ["conv2d_1/kernel", "conv2d_1/bias", "dense_1/kernel", "dense_1/bias"]],
      ["keras23_weights.h5", [
        "conv2d_1/kernel",
        "conv2d_1/bias",
        "dense_1/kernel",
        "dense_1/bias",
      ]],
      ["tfkeras22_nested.h5", ["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias"]],
      ["keras3_legacy.h5", ["conv2d_1/kernel", "conv2d_1/bias", "dense_1/kernel", "dense_1/bias"]],
      ["chunked.h5", ["conv2d_1/kernel", "conv2d_1/bias", "dense_1/kernel", "dense_1/bias"]],
      ["keras3.weights.h5", KERAS3],
      ["model.keras", KERAS3],
      ["deflated.keras", KERAS3],
    ];
    const tempsBefore = [...Deno.readDirSync(await Deno.realPath(Deno.env.get("TMPDIR") ?? "/tmp"))]
      .filter((e) => e.name.endsWith(".weights.h5")).length;
    for (const [file, names] of layouts) {
      const f = await openWeights(`${dir}/${file}`);
      assert.equal(f.format, "keras-h5", file);
      assert.deepEqual(f.list().map((w) => w.name), names, file);
      assert.deepEqual(f.list()[0].shape, [3, 3, 1, 2], file);
      const values = async (i: number) => Array.from((await f.read(names[i])).data as Float32Array);
      assert.deepEqual(await values(0), K, `${file}: kernel`);
      assert.deepEqual(await values(1), [0.5, -0.5], `${file}: bias`);
      (await values(2)).forEach((v, i) => assert.ok(Math.abs(v - D[i]) < 1e-6, `${file}: dense`));
      if (names === KERAS3) {
        // Every dtype and rank Keras 3 writes there: int64 and float32 scalars, uint32 state.
        const info = (n: string) => f.list().find((w) => w.name === n)!;
        assert.deepEqual([info("optimizer/0").dtype, info("optimizer/0").shape], ["int64", []]);
        assert.deepEqual((await f.read("optimizer/0")).data, BigInt64Array.of(7n), file);
        assert.deepEqual([info("optimizer/1").dtype, info("optimizer/1").shape], ["float32", []]);
        assert.deepEqual((await f.read("optimizer/1")).data, Float32Array.of(0.001), file);
        assert.deepEqual(info("dropout/seed_generator/0").dtype, "uint32");
        assert.deepEqual((await f.read("dropout/seed_generator/0")).data, Uint32Array.of(1337, 0));
        assert.deepEqual(info("optimizer/9").shape, [3]);
        for (const w of f.list()) await f.read(w.name); // every variable reads
      }
      f.close();
    }
    const tempsAfter = [...Deno.readDirSync(await Deno.realPath(Deno.env.get("TMPDIR") ?? "/tmp"))]
      .filter((e) => e.name.endsWith(".weights.h5")).length;
    assert.equal(tempsAfter, tempsBefore, "a .keras archive's temporary copy is removed on close");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("a zip that is neither torch.save nor .keras is named as such", async () => {
  const dir = await tempDir();
  python("-c", `import zipfile; zipfile.ZipFile("${dir}/x.zip", "w").writestr("a.txt", "hi")`);
  await assert.rejects(
    () => openWeights(`${dir}/x.zip`),
    /x\.zip: a zip archive that is neither a torch\.save file \(data\.pkl\) nor a Keras \.keras archive \(model\.weights\.h5\); it holds a\.txt/,
  );
  await Deno.remove(dir, { recursive: true });
});
