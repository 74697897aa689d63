import assert from "node:assert/strict";
import { encodeCifarBinary } from "../../lib/data/cifar_writer.ts";
import { makeRecords, recordsDataset } from "../helpers/cifar_files.ts";

Deno.test("CIFAR-10 records: label byte, then the R, G and B planes (CHW)", () => {
  const r = makeRecords(3, 10, 5); // chw rows are built independently of the writer
  const bytes = encodeCifarBinary(recordsDataset(r));
  assert.equal(bytes.length, 3 * 3073);
  r.chw.forEach((row, i) => {
    assert.equal(bytes[i * 3073], r.fine[i]);
    assert.deepEqual(bytes.subarray(i * 3073 + 1, (i + 1) * 3073), row);
  });
});

Deno.test("CIFAR-100 records: coarse then fine label", () => {
  const r = makeRecords(2, 100, 6);
  const bytes = encodeCifarBinary(recordsDataset(r), { variant: "cifar100", coarse: r.coarse });
  assert.equal(bytes.length, 2 * 3074);
  assert.deepEqual([bytes[0], bytes[1], bytes[3074], bytes[3075]], [
    r.coarse[0],
    r.fine[0],
    r.coarse[1],
    r.fine[1],
  ]);
  assert.deepEqual(bytes.subarray(3076, 2 * 3074), r.chw[1]);
});

Deno.test("CIFAR writer refuses images that are not 32×32×3", () => {
  assert.throws(
    () =>
      encodeCifarBinary({
        images: new Uint8Array(784),
        labels: Int32Array.of(0),
        height: 28,
        width: 28,
        channels: 1,
        classNames: ["a"],
      }),
    /32×32×3 images, got 28×28×1/,
  );
});
