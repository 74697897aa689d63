import assert from "node:assert/strict";
import { resizeBilinear } from "../../lib/data/resize.ts";

Deno.test("bilinear resize: identity at scale 1, exact halves, windows, channels", () => {
  const img = Uint8Array.from({ length: 4 * 6 * 3 }, (_, i) => (i * 37) % 256);
  assert.deepEqual(resizeBilinear(img, [4, 6, 3], 4, 6), img, "same size: the same pixels");
  // 2× down with half-pixel centres: each output is the mean of a 2×2 block.
  const gray = Uint8Array.of(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150);
  assert.deepEqual(Array.from(resizeBilinear(gray, [4, 4, 1], 2, 2)), [25, 45, 105, 125]);
  // A window: the top-left 2×2 block at full resolution.
  assert.deepEqual(Array.from(resizeBilinear(gray, [4, 4, 1], 2, 2, [0, 0, 2, 2])), [
    0,
    10,
    40,
    50,
  ]);
  // Up: edges clamp, the middle interpolates.
  assert.deepEqual(Array.from(resizeBilinear(Uint8Array.of(0, 100), [1, 2, 1], 1, 4)), [
    0,
    25,
    75,
    100,
  ]);
});
