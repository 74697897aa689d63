import assert from "node:assert/strict";
import { FeatureStore } from "../../lib/train/feature_store.ts";
import { tempDir } from "../helpers/temp.ts";

const key = (b: number) => new Uint8Array(32).fill(b);
const row = (i: number) => Float32Array.from({ length: 3 }, (_, k) => i * 10 + k + 0.5);

async function withDir(fn: (dir: string) => void | Promise<void>) {
  const dir = await tempDir({ prefix: "tl-store-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("feature store: rows past the memory budget spill; the complete file reads back", () =>
  withDir((dir) => {
    const path = `${dir}/f.f32`;
    const options = { rows: 5, rowFloats: 3, key: key(1), memoryBytes: 2 * 12, path };
    const { store, origin } = FeatureStore.open(options);
    assert.equal(origin, "new");
    assert.equal(store.memoryRows, 2);
    for (const i of [4, 0, 2, 1]) store.put(i, row(i));
    store.markBad(3);
    assert.ok(store.complete);
    const out = new Float32Array(3);
    store.read(4, out, 0); // from the spill file
    assert.deepEqual(out, row(4));
    assert.equal(store.finish(), true);
    store.close();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["f.f32"], "no temp left");
    const again = FeatureStore.open({ ...options, memoryBytes: 1000 });
    assert.equal(again.origin, "loaded");
    for (const i of [0, 1, 2, 4]) {
      again.store.read(i, out, 0);
      assert.deepEqual(out, row(i), `row ${i}`);
    }
    assert.ok(again.store.isBad(3));
    assert.throws(() => again.store.put(0, row(0)), /complete and read-only/);
    again.store.close();
    const other = FeatureStore.open({ ...options, key: key(2) });
    assert.match(JSON.stringify(other.origin), /key or shape differs/);
    other.store.close();
  }));

Deno.test("feature store: an unfinished store leaves no file; rows must fit without one", () =>
  withDir((dir) => {
    const { store } = FeatureStore.open({
      rows: 4,
      rowFloats: 3,
      key: key(1),
      memoryBytes: 12,
      path: `${dir}/g.f32`,
    });
    store.put(3, row(3)); // spills into a temporary file
    assert.equal([...Deno.readDirSync(dir)].length, 1);
    assert.equal(store.finish(), false, "incomplete: nothing written");
    store.close();
    assert.equal([...Deno.readDirSync(dir)].length, 0, "the temporary file is removed");
    assert.throws(
      () => FeatureStore.open({ rows: 4, rowFloats: 3, key: key(1), memoryBytes: 12 }),
      /more than the 12-byte memory budget, and no file to spill to/,
    );
    assert.throws(() => store.put(0, new Float32Array(2)), /feature row 0: 2 floats, expected 3/);
  }));
