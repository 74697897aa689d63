import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { BundleReader } from "../../../lib/io/checkpoint/bundle_reader.ts";
import { openCheckpoint } from "../../../lib/io/checkpoint/checkpoint.ts";
import { parseBlock, TableReader } from "../../../lib/io/checkpoint/table.ts";
import { writeCheckpoint } from "../../../lib/io/checkpoint/writer.ts";
import { tempDir } from "../../helpers/temp.ts";

// Real TensorFlow-written checkpoints from tensorflow/serving's test data
// (Apache-2.0); provenance in tests/fixtures/tf-checkpoints/README.md.
const ROOT = new URL("../../fixtures/tf-checkpoints/", import.meta.url).pathname;

interface Expected {
  format: string;
  tensors: {
    name: string;
    dtype_name: string;
    shape: number[];
    values?: number[];
    values_f32_bits_hex?: string[];
    sha256_of_bytes?: string;
    crc32c_masked_stored?: number;
    offset?: number;
    size?: number;
    string_lengths?: number[];
  }[];
  index_blocks?: { offset: number; size: number; type: number }[];
  blocks?: { offset: number; size: number; type: number }[];
}

const CASES: [string, string][] = [
  ["tfserving_half_plus_two_v1", "export"],
  ["tfserving_session_bundle_half_plus_two_v1", "export-00000-of-00001"],
  ["tfserving_half_plus_two_v2", "export"],
  ["tfserving_saved_model_counter", "variables"],
  ["tfserving_saved_model_half_plus_three", "variables"],
  ["tfserving_saved_model_half_plus_two_cpu", "variables"],
  ["tfserving_saved_model_half_plus_two_mkl", "variables"],
  ["tfserving_saved_model_half_plus_two_tf2_cpu", "variables"],
  ["tfserving_tf_text_regression", "variables"],
];

const DTYPE: Record<string, string> = { float: "float32", string: "string" };

for (const [dir, file] of CASES) {
  Deno.test(`reads TF-written ${dir} exactly as expected`, async () => {
    const expected: Expected = JSON.parse(await Deno.readTextFile(`${ROOT}${dir}/EXPECTED.json`));
    const ckpt = await openCheckpoint(`${ROOT}${dir}/${file}`);
    assert.equal(ckpt.format, expected.format.startsWith("tf-checkpoint-v1") ? "v1" : "v2");
    const listed = ckpt.list();
    assert.deepEqual(listed.map((t) => t.name).sort(), expected.tensors.map((t) => t.name).sort());
    for (const t of expected.tensors) {
      const info = listed.find((l) => l.name === t.name)!;
      assert.equal(info.dtype, DTYPE[t.dtype_name]);
      assert.deepEqual(info.shape, t.shape);
      const v = await ckpt.read(t.name);
      if (t.values_f32_bits_hex) {
        const bits = Array.from(
          new Uint32Array((v.data as Float32Array).slice().buffer),
          (b) => b.toString(16).padStart(8, "0"),
        );
        assert.deepEqual(bits, t.values_f32_bits_hex, t.name);
        assert.deepEqual(Array.from(v.data as Float32Array), t.values);
      }
      if (t.string_lengths) {
        assert.deepEqual((v.data as Uint8Array[]).map((s) => s.length), t.string_lengths);
      }
      if (ckpt instanceof BundleReader) {
        const e = ckpt.entries.get(t.name)!;
        assert.equal(e.offset, t.offset);
        assert.equal(e.size, t.size);
        assert.equal(e.crc32c, t.crc32c_masked_stored);
        const raw = (await Deno.readFile(`${ROOT}${dir}/${file}.data-00000-of-00001`)).subarray(
          e.offset,
          e.offset + e.size,
        );
        assert.equal(createHash("sha256").update(raw).digest("hex"), t.sha256_of_bytes);
      }
    }
    ckpt.close();
  });
}

Deno.test("the table reader sees TF's block layout, including a snappy-compressed block", async () => {
  for (
    const [dir, file] of [["tfserving_saved_model_half_plus_two_cpu", "variables.index"], [
      "tfserving_half_plus_two_v1",
      "export",
    ]]
  ) {
    const expected: Expected = JSON.parse(await Deno.readTextFile(`${ROOT}${dir}/EXPECTED.json`));
    const blocks = expected.index_blocks ?? expected.blocks!;
    const table = await TableReader.open(`${ROOT}${dir}/${file}`);
    // EXPECTED lists [index, metaindex, data...].
    assert.deepEqual(table.footer.index, { offset: blocks[0].offset, size: blocks[0].size });
    assert.deepEqual(table.footer.metaindex, { offset: blocks[1].offset, size: blocks[1].size });
    assert.deepEqual(
      table.index.map((i) => i.handle),
      blocks.slice(2).map((b) => ({ offset: b.offset, size: b.size })),
    );
    const types = await Deno.readFile(`${ROOT}${dir}/${file}`);
    assert.deepEqual(
      blocks.slice(2).map((b) => types[b.offset + b.size]),
      blocks.slice(2).map((b) => b.type),
    );
    const entries = [];
    for await (const e of table.entries()) entries.push(e);
    assert.equal(entries[0].key.length, 0, "header / metadata entry first");
    table.close();
  }
});

Deno.test("written checkpoints are byte-identical to TensorFlow's for the same tensors", async () => {
  const dir = await tempDir();
  const tensors = [
    { name: "Variable", dtype: "float32" as const, shape: [], data: new Float32Array([0.5]) },
    { name: "Variable_1", dtype: "float32" as const, shape: [], data: new Float32Array([2]) },
  ];
  await writeCheckpoint(`${dir}/v2/export`, tensors);
  await writeCheckpoint(`${dir}/v1/export`, tensors, { format: "v1" });
  const same = async (ours: string, theirs: string) =>
    assert.deepEqual(await Deno.readFile(ours), await Deno.readFile(`${ROOT}${theirs}`), ours);
  await same(`${dir}/v2/export.index`, "tfserving_half_plus_two_v2/export.index");
  await same(
    `${dir}/v2/export.data-00000-of-00001`,
    "tfserving_half_plus_two_v2/export.data-00000-of-00001",
  );
  await same(`${dir}/v1/export`, "tfserving_half_plus_two_v1/export");
  await writeCheckpoint(`${dir}/counter/variables`, [{
    name: "counter",
    dtype: "float32",
    shape: [],
    data: new Float32Array([0]),
  }]);
  await same(`${dir}/counter/variables.index`, "tfserving_saved_model_counter/variables.index");
  // A string tensor: same bytes and CRC layout as TF's DT_STRING.
  const graph = await (await openCheckpoint(`${ROOT}tfserving_tf_text_regression/variables`)).read(
    "_CHECKPOINTABLE_OBJECT_GRAPH",
  );
  await writeCheckpoint(`${dir}/text/variables`, [{
    name: "_CHECKPOINTABLE_OBJECT_GRAPH",
    ...graph,
  }]);
  await same(
    `${dir}/text/variables.data-00000-of-00001`,
    "tfserving_tf_text_regression/variables.data-00000-of-00001",
  );
  await same(`${dir}/text/variables.index`, "tfserving_tf_text_regression/variables.index");
  // The index structure: header entry, then one entry per tensor.
  const table = await TableReader.open(`${dir}/v2/export.index`);
  const block = await table.readBlock(table.index[0].handle, "data");
  assert.deepEqual(parseBlock(block, "x").map((e) => new TextDecoder().decode(e.key)), [
    "",
    "Variable",
    "Variable_1",
  ]);
  table.close();
  await Deno.remove(dir, { recursive: true });
});
