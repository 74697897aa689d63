import assert from "node:assert/strict";
import { CIFAR10_CLASSES, loadCifar } from "../../lib/data/cifar.ts";
import { readPickle } from "../../lib/io/pickle.ts";
import { binaryBytes, makeRecords, tarGz } from "../helpers/cifar_files.ts";
import { PICKLE_CASES } from "../helpers/cifar_pickle_cases.ts";
import { python } from "../helpers/tools.ts";
import { tempDir } from "../helpers/temp.ts";

function assertMatches(
  ds: Awaited<ReturnType<typeof loadCifar>>,
  r: ReturnType<typeof makeRecords>,
  labels: number[],
) {
  assert.equal(ds.labels.length, r.hwc.length);
  assert.deepEqual([ds.height, ds.width, ds.channels], [32, 32, 3]);
  assert.deepEqual(Array.from(ds.labels), labels);
  r.hwc.forEach((img, i) => {
    assert.deepEqual(ds.images.subarray(i * 3072, (i + 1) * 3072), img, `image ${i}`);
  });
}

async function cifar10Binary(dir: string) {
  const root = `${dir}/cifar-10-batches-bin`;
  await Deno.mkdir(root, { recursive: true });
  const batches = [1, 2, 3, 4, 5].map((i) => makeRecords(3, 10, i));
  for (const [i, r] of batches.entries()) {
    await Deno.writeFile(`${root}/data_batch_${i + 1}.bin`, binaryBytes(r, "cifar10"));
  }
  const test = makeRecords(4, 10, 99);
  await Deno.writeFile(`${root}/test_batch.bin`, binaryBytes(test, "cifar10"));
  await Deno.writeTextFile(`${root}/batches.meta.txt`, CIFAR10_CLASSES.join("\n") + "\n\n");
  const all = {
    hwc: batches.flatMap((b) => b.hwc),
    chw: [],
    fine: batches.flatMap((b) => b.fine),
    coarse: [],
  };
  return { root, train: all, test };
}

Deno.test("CIFAR-10 binary: folder and .tar.gz give the same HWC pixels and labels", async () => {
  const dir = await tempDir();
  const { train, test } = await cifar10Binary(dir);
  const fromDir = await loadCifar(dir);
  assertMatches(fromDir, train, train.fine);
  assert.deepEqual(fromDir.classNames, CIFAR10_CLASSES);
  const archive = await tarGz(dir, "cifar-10-batches-bin", "cifar-10-binary");
  const fromTar = await loadCifar(archive, { split: "test" });
  assertMatches(fromTar, test, test.fine);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CIFAR-100 binary: coarse and fine labels", async () => {
  const dir = await tempDir();
  const root = `${dir}/cifar-100-binary`;
  await Deno.mkdir(root);
  const r = makeRecords(5, 100, 7);
  await Deno.writeFile(`${root}/train.bin`, binaryBytes(r, "cifar100"));
  const fine = await loadCifar(dir, { variant: "cifar100" });
  assertMatches(fine, r, r.fine);
  assert.equal(fine.classNames.length, 100);
  const coarse = await loadCifar(dir, { variant: "cifar100", labels: "coarse" });
  assert.deepEqual(Array.from(coarse.labels), r.coarse);
  assert.equal(coarse.classNames.length, 20);
  await Deno.remove(dir, { recursive: true });
});

const FIXTURES = new URL("../fixtures/cifar_pickles/", import.meta.url).pathname;

for (const c of PICKLE_CASES.filter((c) => c.variant === "cifar10")) {
  Deno.test(`CIFAR python version (numpy pickle protocol ${c.protocol}), folder and .tar.gz`, async () => {
    const all = {
      hwc: c.files.flatMap((f) => f.records.hwc),
      chw: [],
      fine: c.files.flatMap((f) => f.records.fine),
      coarse: [],
    };
    assertMatches(await loadCifar(`${FIXTURES}${c.dir}`), all, all.fine);
    const dir = await tempDir();
    await Deno.mkdir(`${dir}/cifar-10-batches-py`);
    for (const f of c.files) {
      await Deno.copyFile(`${FIXTURES}${c.dir}/${f.name}`, `${dir}/cifar-10-batches-py/${f.name}`);
    }
    const archive = await tarGz(dir, "cifar-10-batches-py", "cifar-10-python");
    assertMatches(await loadCifar(archive), all, all.fine);
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("CIFAR-100 python version with fine_labels / coarse_labels", async () => {
  const c = PICKLE_CASES.find((c) => c.variant === "cifar100")!;
  const r = c.files[0].records;
  const ds = await loadCifar(`${FIXTURES}${c.dir}`, { variant: "cifar100", labels: "coarse" });
  assertMatches(ds, r, r.coarse);
  const fine = await loadCifar(`${FIXTURES}${c.dir}`, { variant: "cifar100" });
  assert.deepEqual(Array.from(fine.labels), r.fine);
});

Deno.test("bad CIFAR input gives errors naming the file and what was expected", async () => {
  const dir = await tempDir();
  const { root } = await cifar10Binary(dir);
  // Truncated batch.
  const full = await Deno.readFile(`${root}/data_batch_3.bin`);
  await Deno.writeFile(`${root}/data_batch_3.bin`, full.subarray(0, full.length - 100));
  await assert.rejects(
    () => loadCifar(dir),
    /data_batch_3\.bin: size \d+ is not a whole number of 3073-byte records/,
  );
  await Deno.writeFile(`${root}/data_batch_3.bin`, full);
  // Label out of range.
  const bad = full.slice();
  bad[3073] = 12;
  await Deno.writeFile(`${root}/data_batch_3.bin`, bad);
  await assert.rejects(
    () => loadCifar(dir),
    /data_batch_3\.bin: label 12 of record 1 is out of range: expected 0\.\.9/,
  );
  await Deno.writeFile(`${root}/data_batch_3.bin`, full);
  // Missing batch.
  await Deno.remove(`${root}/data_batch_4.bin`);
  await assert.rejects(() => loadCifar(dir), /'data_batch_4\.bin' is missing/);
  // Nothing there at all.
  await assert.rejects(() => loadCifar(`${dir}/nope`), /nope: not found/);
  const empty = await tempDir();
  await assert.rejects(
    () => loadCifar(empty),
    /no cifar10 train files; expected data_batch_1\.bin/,
  );
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(empty, { recursive: true });
});

Deno.test("the pickle reader refuses code: os.system and friends are never reached", () => {
  // protocol 2: GLOBAL 'os system', a string argument, REDUCE.
  const evil = new Uint8Array([
    0x80,
    0x02,
    0x63,
    ...new TextEncoder().encode("os\nsystem\n"),
    0x55,
    0x05,
    ...new TextEncoder().encode("touch"),
    0x85,
    0x52,
    0x2e,
  ]);
  assert.throws(
    () => readPickle(evil, "evil.pkl"),
    /evil\.pkl: pickle refers to 'os\.system', which a data-only reader does not allow/,
  );
  // An opcode outside the data subset (INST).
  const inst = new Uint8Array([0x80, 0x02, 0x69, 0x0a, 0x2e]);
  assert.throws(() => readPickle(inst, "x.pkl"), /x\.pkl: unsupported pickle opcode 0x69/);
  // Truncated.
  assert.throws(
    () => readPickle(new Uint8Array([0x80, 0x02, 0x7d]), "t.pkl"),
    /t\.pkl: truncated pickle/,
  );
});

Deno.test("CIFAR pickles with labels that are not integers in range are refused, never coerced", async () => {
  const dir = await tempDir();
  const root = `${dir}/cifar-10-batches-py`;
  await Deno.mkdir(root);
  // Written by Python's own pickle with numpy, as the real files are.
  const cases: [string, RegExp][] = [
    ["[0, 2.7]", /'labels'\[1\] is 2\.7: expected an integer label in 0\.\.9/],
    ["[0, 'cat']", /'labels'\[1\] is the string 'cat'/],
    ["[b'cat', 0]", /'labels'\[0\] is the bytes 'cat'/],
    ["[0, None]", /'labels'\[1\] is None/],
    ["[2**32 + 3, 0]", /'labels'\[0\] is 4294967299/],
    ["[0, -1]", /'labels'\[1\] is -1/],
    ["[0, 10]", /'labels'\[1\] is 10/],
    ["[0, True]", /'labels'\[1\] is true/],
  ];
  for (const [labels, re] of cases) {
    const script = `import pickle, numpy as np
d = {b"batch_label": b"testing batch 1 of 1", b"labels": ${labels},
     b"data": np.zeros((2, 3072), np.uint8), b"filenames": [b"a.png", b"b.png"]}
pickle.dump(d, open(${JSON.stringify(`${root}/test_batch`)}, "wb"), protocol=2)`;
    python("-c", script);
    await assert.rejects(() => loadCifar(dir, { split: "test" }), (err: Error) => {
      assert.match(err.message, /test_batch: /, labels);
      assert.match(err.message, re, labels);
      return true;
    });
  }
  await Deno.remove(dir, { recursive: true });
});
