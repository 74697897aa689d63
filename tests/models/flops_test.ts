import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { forwardFlops, kernelFlops } from "../../lib/models/flops.ts";
import { buildVgg } from "../../lib/models/vgg.ts";

Deno.test("kernel FLOPs: 2·out·k·k·cin per convolution and per gradient, 2·out·k per matmul", () => {
  const conv = {
    name: "Conv2D",
    inputShapes: [[1, 8, 8, 3], [3, 3, 3, 16]],
    outputShapes: [[1, 8, 8, 16]],
  };
  assert.equal(kernelFlops([conv]), 2 * 8 * 8 * 16 * 9 * 3);
  const dx = {
    name: "Conv2DBackpropInput",
    inputShapes: [[1, 8, 8, 16], [3, 3, 3, 16]],
    outputShapes: [[1, 8, 8, 3]],
  };
  const dw = {
    name: "Conv2DBackpropFilter",
    inputShapes: [[1, 8, 8, 3], [1, 8, 8, 16]],
    outputShapes: [[3, 3, 3, 16]],
  };
  assert.equal(kernelFlops([dx]), kernelFlops([conv]));
  assert.equal(kernelFlops([dw]), kernelFlops([conv]));
  assert.equal(
    kernelFlops([{
      name: "BatchMatMul",
      inputShapes: [[1, 4, 5], [1, 5, 6]],
      outputShapes: [[1, 4, 6]],
    }]),
    2 * 24 * 5,
  );
  assert.equal(kernelFlops([{ name: "Relu", inputShapes: [[9]], outputShapes: [[9]] }]), 0);
});

Deno.test("forward FLOPs of a small VGG match its layer arithmetic", async () => {
  await useBackend("cpu");
  const m = buildVgg("small", { inputSize: 32, numClasses: 10 });
  // conv1 (32×32: 3→32, 32→32), conv2 (16×16: 32→64, 64→64), conv3 (8×8: 64→128), fc7 (4×4 window: 128→256), fc8 (256→10)
  const expected = 2 *
    (32 * 32 * 9 * (3 * 32 + 32 * 32) + 16 * 16 * 9 * (32 * 64 + 64 * 64) + 8 * 8 * 9 * 64 * 128 +
      16 * 128 * 256 + 256 * 10);
  assert.equal(await forwardFlops(m), expected);
  m.store.dispose();
});
