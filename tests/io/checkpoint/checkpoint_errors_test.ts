import { tempSibling } from "../../../lib/util/atomic.ts";
import assert from "node:assert/strict";
import { openCheckpoint } from "../../../lib/io/checkpoint/checkpoint.ts";
import { TableBuilder } from "../../../lib/io/checkpoint/table_builder.ts";
import { encodeBundleEntry, encodeBundleHeader } from "../../../lib/io/checkpoint/tf_protos.ts";
import { removeStaleTemps, writeCheckpoint } from "../../../lib/io/checkpoint/writer.ts";
import { smallFsTest, withSmallFs } from "../../helpers/small_fs.ts";
import { restoreVariables } from "../../../lib/weights/restore.ts";
import { VariableStore } from "../../../lib/models/variables.ts";
import { tempDir } from "../../helpers/temp.ts";

const FIX = new URL("../../fixtures/tf-checkpoints/", import.meta.url).pathname;

async function copyV2(dir: string, name = "ckpt"): Promise<string> {
  await writeCheckpoint(`${dir}/${name}`, [
    { name: "w", dtype: "float32", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: "b", dtype: "float32", shape: [3], data: Float32Array.from([7, 8, 9]) },
  ]);
  return `${dir}/${name}`;
}

async function mutate(path: string, f: (b: Uint8Array) => Uint8Array) {
  await Deno.writeFile(path, f(await Deno.readFile(path)));
}

async function rejectsWith(fn: () => Promise<unknown>, ...res: RegExp[]) {
  await assert.rejects(fn, (err: Error) => {
    for (const re of res) assert.match(err.message, re);
    return true;
  });
}

async function readAll(path: string) {
  const c = await openCheckpoint(path);
  try {
    for (const t of c.list()) await c.read(t.name);
  } finally {
    c.close();
  }
}

Deno.test("corrupt V2 checkpoints: each failure names the file and what is wrong", async () => {
  const dir = await tempDir();
  const p = await copyV2(dir);
  const index = `${p}.index`, data = `${p}.data-00000-of-00001`;
  const good = { index: await Deno.readFile(index), data: await Deno.readFile(data) };
  const restore = async () => {
    await Deno.writeFile(index, good.index);
    await Deno.writeFile(data, good.data);
  };
  // 1. truncated index (footer cut)
  await mutate(index, (b) => b.subarray(0, b.length - 10));
  await rejectsWith(() => openCheckpoint(p), /ckpt\.index/, /magic|truncated/);
  await restore();
  // 2. index shorter than a footer
  await Deno.writeFile(index, new Uint8Array(20));
  await rejectsWith(() => openCheckpoint(p), /ckpt\.index: truncated: 20 bytes/);
  await restore();
  // 3. wrong magic
  await mutate(index, (b) => {
    const c = b.slice();
    c[c.length - 1] ^= 0xff;
    return c;
  });
  await rejectsWith(
    () => openCheckpoint(p),
    /ckpt\.index: not a TensorFlow checkpoint table \(footer magic/,
  );
  await restore();
  // 4. bad block CRC (a byte of the data block flipped)
  await mutate(index, (b) => {
    const c = b.slice();
    c[5] ^= 0x01;
    return c;
  });
  await rejectsWith(
    () => openCheckpoint(p),
    /ckpt\.index: CRC mismatch in data block 0/,
    /corrupted/,
  );
  await restore();
  // 5. bad tensor CRC
  await mutate(data, (b) => {
    const c = b.slice();
    c[2] ^= 0x40;
    return c;
  });
  await rejectsWith(() => readAll(p), /data-00000-of-00001: CRC mismatch in tensor 'b'/);
  await restore();
  // 6. truncated data shard
  await mutate(data, (b) => b.subarray(0, 15));
  await rejectsWith(
    () => readAll(p),
    /data-00000-of-00001: tensor 'w' claims 24 bytes at offset 12, but the data shard has 15 bytes/,
  );
  await restore();
  // 7. missing data shard
  await Deno.remove(data);
  await rejectsWith(() => readAll(p), /data-00000-of-00001: missing data shard 0 of 1/);
  await restore();
  // 8. a prefix that does not exist
  await rejectsWith(
    () => openCheckpoint(`${dir}/nope`),
    /nope: no checkpoint there: expected a V2 prefix/,
  );
  // 9. a folder whose state file points nowhere
  await Deno.writeTextFile(`${dir}/checkpoint`, 'model_checkpoint_path: "gone.ckpt-5"\n');
  await rejectsWith(() => openCheckpoint(dir), /gone\.ckpt-5: no checkpoint there/);
  // 10. a folder without a state file
  const empty = await tempDir();
  await rejectsWith(() => openCheckpoint(empty), /folder has no 'checkpoint' state file/);
  // 11. a name that is not in the checkpoint
  const c = await openCheckpoint(p);
  await rejectsWith(
    () => c.read("vgg_16/fc9/weights"),
    /ckpt\.index: no tensor named 'vgg_16\/fc9\/weights'/,
  );
  c.close();
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(empty, { recursive: true });
});

async function craftIndex(
  path: string,
  entry: Parameters<typeof encodeBundleEntry>[0],
  header = { numShards: 1, endianness: 0, producer: 1 },
) {
  const chunks: Uint8Array[] = [];
  const t = new TableBuilder({ write: (b) => (chunks.push(b.slice()), Promise.resolve()) });
  await t.add(new Uint8Array(0), encodeBundleHeader(header));
  await t.add(new TextEncoder().encode("x"), encodeBundleEntry(entry));
  await t.finish();
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  await Deno.writeFile(`${path}.index`, out);
  await Deno.writeFile(`${path}.data-00000-of-00001`, new Uint8Array(16));
}

Deno.test("crafted V2 indexes: unknown dtype, size mismatch, big-endian, bad shard id, sliced variables", async () => {
  const dir = await tempDir();
  const p = `${dir}/x`;
  const base = { dtype: 1, shape: [2], shardId: 0, offset: 0, size: 8, crc32c: 1, slices: [] };
  // 12. unknown dtype
  await craftIndex(p, { ...base, dtype: 99 });
  await rejectsWith(
    async () => (await openCheckpoint(p)).list(),
    /x\.index: tensor 'x': unknown or unsupported dtype 99/,
  );
  // 13. size that does not match dtype × shape
  await craftIndex(p, { ...base, size: 12 });
  await rejectsWith(() => readAll(p), /tensor 'x' has 12 bytes for float32\[2\]: expected 8/);
  // 14. big-endian header
  await craftIndex(p, base, { numShards: 1, endianness: 1, producer: 1 });
  await rejectsWith(() => openCheckpoint(p), /x\.index: big-endian checkpoints are not supported/);
  // 15. shard id beyond num_shards
  await craftIndex(p, { ...base, shardId: 3 });
  await rejectsWith(() => openCheckpoint(p), /tensor 'x' is in shard 3 of 1/);
  // 16. partitioned variable
  await craftIndex(p, { ...base, slices: [[{ start: 0, length: 1 }]] });
  await rejectsWith(
    () => readAll(p),
    /tensor 'x' is partitioned into 1 slices; sliced variables are not supported/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("corrupt V1 files and a corrupt snappy block", async () => {
  const dir = await tempDir();
  const v1 = `${dir}/model.ckpt`;
  await Deno.copyFile(`${FIX}tfserving_half_plus_two_v1/export`, v1);
  // 17. V1 file truncated in the middle
  await mutate(v1, (b) => b.subarray(0, 100));
  await rejectsWith(() => openCheckpoint(v1), /model\.ckpt/, /magic|truncated/);
  // 18. V1 data block corrupted
  await Deno.copyFile(`${FIX}tfserving_half_plus_two_v1/export`, v1);
  await mutate(v1, (b) => {
    const c = b.slice();
    c[30] ^= 0x10;
    return c;
  });
  await rejectsWith(() => openCheckpoint(v1), /model\.ckpt: CRC mismatch in data block 0/);
  // 19. a snappy block whose bytes are wrong (with a matching CRC, so snappy itself must notice)
  const snappy = `${dir}/variables`;
  await Deno.copyFile(
    `${FIX}tfserving_saved_model_half_plus_two_cpu/variables.data-00000-of-00001`,
    `${snappy}.data-00000-of-00001`,
  );
  const idx = await Deno.readFile(`${FIX}tfserving_saved_model_half_plus_two_cpu/variables.index`);
  const bad = idx.slice();
  bad[0] = 0xff; // the uncompressed-length varint now claims far more bytes
  const { crc32c, maskCrc } = await import("../../../lib/io/checkpoint/crc32c.ts");
  new DataView(bad.buffer).setUint32(88, maskCrc(crc32c(bad.subarray(0, 88))), true);
  await Deno.writeFile(`${snappy}.index`, bad);
  await rejectsWith(
    () => openCheckpoint(snappy),
    /variables\.index: data block 0: corrupt snappy block/,
  );
  // 20. a file that is not a checkpoint at all
  await Deno.writeTextFile(`${dir}/notes.txt`, "hello ".repeat(20));
  await rejectsWith(
    () => openCheckpoint(`${dir}/notes.txt`),
    /notes\.txt: not a TensorFlow checkpoint table/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("restoring reports shape mismatches and missing variables by name", async () => {
  const dir = await tempDir();
  const p = await copyV2(dir);
  const store = new VariableStore();
  store.create("w", [3, 2], { kind: "zeros" });
  store.create("b", [3], { kind: "zeros" });
  store.create("extra", [1], { kind: "ones" });
  const ckpt = await openCheckpoint(p);
  // 21. shape mismatch
  await rejectsWith(
    () => restoreVariables(store.list(), ckpt),
    /shape mismatch restoring from .*ckpt\.index/,
    /w: model \[3,2\] vs w \[2,3\]/,
  );
  // 22. missing variable
  await rejectsWith(
    () => restoreVariables(store.list(), ckpt, { exclude: ["w"] }),
    /lacks 1 variable\(s\): extra/,
  );
  const report = await restoreVariables(store.list(), ckpt, {
    exclude: ["w"],
    ignoreMissing: true,
  });
  assert.deepEqual(report.restored, ["b"]);
  assert.deepEqual(report.skipped, ["w"]);
  assert.deepEqual(report.missing, ["extra"]);
  assert.deepEqual(Array.from(store.get("b").dataSync()), [7, 8, 9]);
  assert.deepEqual(Array.from(store.get("extra").dataSync()), [1]);
  // A name mapping: model scope "net/" onto the checkpoint's bare names.
  const mapped = new VariableStore();
  mapped.create("net/b", [3], { kind: "zeros" });
  const r2 = await restoreVariables(mapped.list(), ckpt, {
    mapName: (n) => n.replace(/^net\//, ""),
  });
  assert.deepEqual(r2.restored, ["net/b"]);
  assert.deepEqual(Array.from(mapped.get("net/b").dataSync()), [7, 8, 9]);
  mapped.dispose();
  ckpt.close();
  store.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("V2 with two data shards, and a V1 tensor saved as two slices, read correctly", async () => {
  const { crc32c, maskCrc } = await import("../../../lib/io/checkpoint/crc32c.ts");
  const { encodeTensorNameSlice } = await import("../../../lib/io/checkpoint/ordered_code.ts");
  const { encodeSlice, encodeSliceMeta } = await import("../../../lib/io/checkpoint/tf_protos.ts");
  const { ProtoWriter } = await import("../../../lib/io/checkpoint/protobuf.ts");
  const dir = await tempDir();
  // Two shards: 'a' in shard 0, 'b' in shard 1 at an odd offset.
  const a = new Float32Array([1, 2]), b = new Float64Array([3.5]);
  const shard1 = new Uint8Array(9);
  shard1.set(new Uint8Array(b.buffer), 1);
  await Deno.writeFile(`${dir}/m.data-00000-of-00002`, new Uint8Array(a.buffer));
  await Deno.writeFile(`${dir}/m.data-00001-of-00002`, shard1);
  const chunks: Uint8Array[] = [];
  const t = new TableBuilder({ write: (x) => (chunks.push(x.slice()), Promise.resolve()) });
  await t.add(new Uint8Array(0), encodeBundleHeader({ numShards: 2, endianness: 0, producer: 1 }));
  const enc = new TextEncoder();
  await t.add(
    enc.encode("a"),
    encodeBundleEntry({
      dtype: 1,
      shape: [2],
      shardId: 0,
      offset: 0,
      size: 8,
      crc32c: maskCrc(crc32c(new Uint8Array(a.buffer))),
      slices: [],
    }),
  );
  await t.add(
    enc.encode("b"),
    encodeBundleEntry({
      dtype: 2,
      shape: [1],
      shardId: 1,
      offset: 1,
      size: 8,
      crc32c: maskCrc(crc32c(new Uint8Array(b.buffer))),
      slices: [],
    }),
  );
  await t.finish();
  const index = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (index.set(c, at), at + c.length), 0);
  await Deno.writeFile(`${dir}/m.index`, index);
  const c = await openCheckpoint(`${dir}/m`);
  assert.deepEqual(Array.from((await c.read("a")).data as Float32Array), [1, 2]);
  assert.deepEqual(Array.from((await c.read("b")).data as Float64Array), [3.5]);
  c.close();

  // V1: a [4, 2] tensor saved as rows 0..1 and rows 2..3 (a partitioned variable).
  const full = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const slices = [[{ start: 0, length: 2 }, { start: 0 }], [{ start: 2, length: 2 }, { start: 0 }]];
  const t1chunks: Uint8Array[] = [];
  const t1 = new TableBuilder({ write: (x) => (t1chunks.push(x.slice()), Promise.resolve()) });
  await t1.add(
    new Uint8Array(0),
    encodeSliceMeta([{ name: "w", shape: [4, 2], dtype: 1, slices }], 1),
  );
  const entries = slices.map((s, i) => {
    const values = new ProtoWriter().bytes(5, new Uint8Array(full.slice(i * 4, i * 4 + 4).buffer))
      .finish();
    const saved = new ProtoWriter().bytes(1, enc.encode("w")).bytes(2, encodeSlice(s)).bytes(
      3,
      values,
    ).finish();
    return {
      key: encodeTensorNameSlice("w", s),
      value: new ProtoWriter().bytes(2, saved).finish(),
    };
  });
  for (const e of entries) await t1.add(e.key, e.value);
  await t1.finish();
  const v1 = new Uint8Array(t1chunks.reduce((n, x) => n + x.length, 0));
  t1chunks.reduce((at, x) => (v1.set(x, at), at + x.length), 0);
  await Deno.writeFile(`${dir}/sliced.ckpt`, v1);
  const s = await openCheckpoint(`${dir}/sliced.ckpt`);
  assert.deepEqual(s.list(), [{ name: "w", dtype: "float32", shape: [4, 2] }]);
  assert.deepEqual(Array.from((await s.read("w")).data as Float32Array), Array.from(full));
  s.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an index claiming a huge tensor is refused before any buffer is allocated, naming it and both sizes", async () => {
  const dir = await tempDir();
  const p = `${dir}/x`;
  for (const shape of [[2 ** 38], [2 ** 31]]) { // 2^40 and 8 GiB of float32
    const size = shape[0] * 4;
    await craftIndex(p, { dtype: 1, shape, shardId: 0, offset: 0, size, crc32c: 1, slices: [] });
    await rejectsWith(
      () => readAll(p),
      new RegExp(
        `x\\.data-00000-of-00001: tensor 'x' claims ${size} bytes at offset 0, but the data shard has 16 bytes`,
      ),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a data shard or index that is a FIFO or a folder is refused by name, never opened", async () => {
  const dir = await tempDir();
  const p = await copyV2(dir);
  const shard = `${p}.data-00000-of-00001`;
  await Deno.remove(shard);
  assert.ok(new Deno.Command("mkfifo", { args: [shard] }).outputSync().success);
  await rejectsWith(
    () => readAll(p),
    new RegExp(`${shard}: is a FIFO \\(named pipe\\), expected a data shard`),
  );
  await Deno.remove(shard);
  await Deno.mkdir(shard);
  await rejectsWith(
    () => readAll(p),
    new RegExp(`${shard}: is a directory, expected a data shard`),
  );
  await Deno.remove(`${p}.index`);
  assert.ok(new Deno.Command("mkfifo", { args: [`${p}.index`] }).outputSync().success);
  await rejectsWith(() => readAll(p), /ckpt\.index: is a FIFO/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("state files that form a cycle are reported as one, with the chain", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/checkpoint`, 'model_checkpoint_path: "."\n');
  await rejectsWith(
    () => openCheckpoint(dir),
    /'checkpoint' state files form a cycle/,
    new RegExp(`${dir}/checkpoint → ${dir}/checkpoint`),
  );
  await Deno.mkdir(`${dir}/a`);
  await Deno.mkdir(`${dir}/b`);
  await Deno.writeTextFile(`${dir}/a/checkpoint`, 'model_checkpoint_path: "../b"\n');
  await Deno.writeTextFile(`${dir}/b/checkpoint`, `model_checkpoint_path: "${dir}/a"\n`);
  await rejectsWith(
    () => openCheckpoint(`${dir}/a`),
    new RegExp(`${dir}/a/checkpoint → ${dir}/b/checkpoint → ${dir}/a/checkpoint`),
  );
  // A state file naming a missing checkpoint says which state file named it.
  await Deno.writeTextFile(`${dir}/b/checkpoint`, 'model_checkpoint_path: "model.ckpt-9"\n');
  await rejectsWith(
    () => openCheckpoint(`${dir}/a`),
    new RegExp(`model\\.ckpt-9: no checkpoint there \\(named by ${dir}/b/checkpoint\\)`),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test(
  smallFsTest(
    import.meta.url,
    "disk full while saving: the error names the file and the space needed; no temp files stay",
    async () => {
      await withSmallFs(64, async (dir) => {
        const big = {
          name: "w",
          dtype: "float32" as const,
          shape: [50_000],
          data: new Float32Array(50_000),
        };
        await rejectsWith(
          () => writeCheckpoint(`${dir}/model.ckpt-1`, [big]),
          new RegExp(`${dir}/model\\.ckpt-1\\.data-00000-of-00001: no space left on the device`),
          /it needs about 200\.0 kB, .* free in/,
        );
        assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing half-written stays");
        // The state file's own write failing: named, and its temp removed.
        await writeCheckpoint(`${dir}/small`, [{
          ...big,
          shape: [10],
          data: new Float32Array(10),
        }]);
        const filler = new Uint8Array(1 << 20);
        await Deno.writeFile(`${dir}/filler`, filler).catch(() => {}); // fills the rest
        const names = () =>
          [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes(".tmp-"));
        await assert.rejects(() =>
          writeCheckpoint(`${dir}/small2`, [{ ...big, shape: [4], data: new Float32Array(4) }])
        );
        assert.deepEqual(names(), [], "no temp file stays after a failed save");
      });
    },
  ),
);

Deno.test("removeStaleTemps removes temp files of dead writers only (our PID on a temp we did not make too)", async () => {
  const dir = await tempDir();
  // A container gives every run the same PIDs: a temp with our PID that we did not make is a
  // dead run's (the checkpoint state file's temp stayed through later runs that way).
  const ours = tempSibling(`${dir}/model.ckpt-6.index`).slice(dir.length + 1);
  const dead = new Deno.Command("true").spawn();
  const deadPid = dead.pid;
  await dead.status;
  const live = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const files = [
    `model.ckpt-3.data-00000-of-00001.tmp-${deadPid}-abc`,
    `checkpoint.tmp-${deadPid}-x1`,
    `checkpoint.tmp-${Deno.pid}-q`,
    `model.ckpt-4.index.tmp-${live.pid}-zz`,
    ours,
    "model.ckpt-3.index",
  ];
  for (const f of files) await Deno.writeTextFile(`${dir}/${f}`, "x");
  const removed = await removeStaleTemps(dir);
  assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)).sort(), files.slice(0, 3).sort());
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), files.slice(3).sort());
  live.kill();
  await live.status;
  assert.deepEqual(await removeStaleTemps(`${dir}/missing`), []);
  await Deno.remove(dir, { recursive: true });
});
