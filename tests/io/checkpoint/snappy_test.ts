import assert from "node:assert/strict";
import { snappyDecompress } from "../../../lib/io/checkpoint/snappy.ts";

Deno.test("snappy: literals and back-references (copies that overlap their output) decode", () => {
  // "abcabcabcabcX": varint length 13, literal "abc", copy-1 (len 9, offset 3), literal "X".
  const stream = Uint8Array.of(
    13,
    (3 - 1) << 2,
    0x61,
    0x62,
    0x63,
    0x01 | ((9 - 4) << 2),
    3,
    0,
    0x58,
  );
  assert.equal(new TextDecoder().decode(snappyDecompress(stream, "t")), "abcabcabcabcX");
});

Deno.test("snappy: a bad stream names what was being read", () => {
  // Claims 13 bytes but holds a copy reaching before the start.
  assert.throws(
    () => snappyDecompress(Uint8Array.of(13, 0x01 | (5 << 2), 9), "table block 7"),
    /table block 7/,
  );
});
