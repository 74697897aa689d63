import assert from "node:assert/strict";
import {
  latestCheckpoint,
  openCheckpoint,
  resolveCheckpoint,
} from "../../../lib/io/checkpoint/checkpoint.ts";
import { TableReader } from "../../../lib/io/checkpoint/table.ts";
import { type NamedTensor, writeCheckpoint } from "../../../lib/io/checkpoint/writer.ts";
import { seededRandom } from "../../../lib/util/random.ts";
import { bfloat16ToFloat, halfToFloat } from "../../../lib/io/weight_source.ts";
import { tempDir } from "../../helpers/temp.ts";

const random = seededRandom(9);

function tensors(): NamedTensor[] {
  const floats = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  return [
    {
      name: "vgg_16/conv1/conv1_1/weights",
      dtype: "float32",
      shape: [3, 3, 3, 64],
      data: floats(1728),
    },
    { name: "vgg_16/conv1/conv1_1/biases", dtype: "float32", shape: [64], data: floats(64) },
    // > 256 KiB: forces several data blocks and an unaligned V1 payload.
    { name: "big/fc7/weights", dtype: "float32", shape: [1, 1, 300, 300], data: floats(90000) },
    { name: "global_step", dtype: "int64", shape: [], data: new BigInt64Array([123456789012n]) },
    {
      name: "f64",
      dtype: "float64",
      shape: [2, 2],
      data: Float64Array.from([1.5, -2.25, 1e300, -0]),
    },
    { name: "i32", dtype: "int32", shape: [3], data: Int32Array.from([-7, 0, 2147483647]) },
    { name: "u8", dtype: "uint8", shape: [4], data: Uint8Array.from([0, 1, 128, 255]) },
    { name: "flag", dtype: "bool", shape: [2], data: Uint8Array.from([1, 0]) },
    {
      name: "half",
      dtype: "float16",
      shape: [3],
      data: Uint16Array.from([0x3c00, 0xc000, 0x3555]),
    },
    { name: "bf16", dtype: "bfloat16", shape: [2], data: Uint16Array.from([0x3f80, 0xc040]) },
    {
      name: "names",
      dtype: "string",
      shape: [2],
      data: [new TextEncoder().encode("hello"), new Uint8Array(0)],
    },
  ];
}

function same(a: NamedTensor["data"], b: NamedTensor["data"], what: string) {
  if (Array.isArray(a)) {
    assert.deepEqual(
      (b as Uint8Array[]).map((x) => Array.from(x)),
      a.map((x) => Array.from(x)),
      what,
    );
  } else {
    assert.deepEqual(Array.from(b as ArrayLike<number>), Array.from(a as ArrayLike<number>), what);
  }
}

for (const format of ["v2", "v1"] as const) {
  Deno.test(`${format}: every dtype round-trips through write and read`, async () => {
    const dir = await tempDir();
    const ts = tensors();
    const path = `${dir}/model.ckpt-100`;
    await writeCheckpoint(path, ts, { format });
    const ckpt = await openCheckpoint(format === "v2" ? dir : path);
    assert.equal(ckpt.format, format);
    assert.deepEqual(ckpt.list().map((t) => t.name), ts.map((t) => t.name).sort());
    for (const t of ts) {
      const v = await ckpt.read(t.name);
      assert.equal(v.dtype, t.dtype, t.name);
      assert.deepEqual(v.shape, t.shape, t.name);
      same(t.data, v.data, t.name);
    }
    ckpt.close();
    if (format === "v1") {
      const table = await TableReader.open(path);
      assert.ok(table.index.length >= 2, `several data blocks (${table.index.length})`);
      table.close();
    }
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("half and bfloat16 convert to float32", () => {
  assert.deepEqual(Array.from(halfToFloat(Uint16Array.from([0x3c00, 0xc000, 0x7c00, 0x0001]))), [
    1,
    -2,
    Infinity,
    2 ** -24,
  ]);
  assert.deepEqual(Array.from(bfloat16ToFloat(Uint16Array.from([0x3f80, 0xc040]))), [1, -3]);
});

Deno.test("the state file tracks the latest checkpoint and keeps the last K", async () => {
  const dir = await tempDir();
  const t = (
    v: number,
  ): NamedTensor[] => [{ name: "w", dtype: "float32", shape: [1], data: new Float32Array([v]) }];
  for (const step of [10, 20, 30]) {
    await writeCheckpoint(`${dir}/model.ckpt-${step}`, t(step), { keep: 2 });
  }
  assert.equal(await latestCheckpoint(dir), `${dir}/model.ckpt-30`);
  const state = await Deno.readTextFile(`${dir}/checkpoint`);
  assert.match(
    state,
    /^model_checkpoint_path: "model\.ckpt-30"\nall_model_checkpoint_paths: "model\.ckpt-20"\nall_model_checkpoint_paths: "model\.ckpt-30"\n$/,
  );
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.ok(!files.some((f) => f.startsWith("model.ckpt-10")), `old checkpoint deleted: ${files}`);
  assert.equal(((await (await openCheckpoint(dir)).read("w")).data as Float32Array)[0], 30);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a training run's --out folder opens as its latest checkpoint (in checkpoints/)", async () => {
  const outer = await tempDir();
  const run = `${outer}/run`;
  const w = (v: number): NamedTensor[] => [
    { name: "w", dtype: "float32", shape: [1], data: new Float32Array([v]) },
  ];
  await writeCheckpoint(`${run}/checkpoints/model.ckpt-4`, w(4));
  await writeCheckpoint(`${run}/checkpoints/model.ckpt-8`, w(8));
  assert.deepEqual(await resolveCheckpoint(run), {
    kind: "v2",
    path: `${run}/checkpoints/model.ckpt-8`,
  });
  const c = await openCheckpoint(`${run}/`);
  assert.equal(((await c.read("w")).data as Float32Array)[0], 8);
  c.close();
  // One level only: the folder above the run is still "no state file".
  await assert.rejects(() => openCheckpoint(outer), /folder has no 'checkpoint' state file/);
  await Deno.remove(outer, { recursive: true });
});

Deno.test("a write that fails midway leaves no checkpoint, no temp file, and the state unchanged", async () => {
  const dir = await tempDir();
  await writeCheckpoint(`${dir}/model.ckpt-1`, [{
    name: "w",
    dtype: "float32",
    shape: [1],
    data: new Float32Array([1]),
  }]);
  const before = await Deno.readTextFile(`${dir}/checkpoint`);
  // A tensor whose bytes cannot be read once the data file is half written.
  const broken = new Float32Array(4);
  Object.defineProperty(broken, "buffer", {
    get: () => {
      throw new Error("disk full (simulated)");
    },
  });
  await assert.rejects(
    () =>
      writeCheckpoint(`${dir}/model.ckpt-2`, [
        { name: "a", dtype: "float32", shape: [2], data: new Float32Array(2) },
        { name: "b", dtype: "float32", shape: [4], data: broken },
      ]),
    /disk full \(simulated\)/,
  );
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(files, ["checkpoint", "model.ckpt-1.data-00000-of-00001", "model.ckpt-1.index"]);
  assert.equal(await Deno.readTextFile(`${dir}/checkpoint`), before);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("concurrent reads of one checkpoint return the right tensors", async () => {
  const dir = await tempDir();
  const ts = tensors().filter((t) => t.dtype === "float32");
  await writeCheckpoint(`${dir}/m`, ts);
  const ckpt = await openCheckpoint(`${dir}/m`);
  const got = await Promise.all(ts.map((t) => ckpt.read(t.name)));
  got.forEach((v, i) => same(ts[i].data, v.data, ts[i].name));
  ckpt.close();
  await Deno.remove(dir, { recursive: true });
});
