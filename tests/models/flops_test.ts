import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { forwardFlops, kernelFlops } from "../../lib/models/flops.ts";
import { buildVgg } from "../../lib/models/vgg.ts";
import { buildModel } from "../../lib/models/zoo.ts";

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

Deno.test("depthwise FLOPs: 2·out·k·k (one input channel per output); MobileNets at 224 match their papers", async () => {
  const dw = {
    name: "DepthwiseConv2dNative",
    inputShapes: [[1, 8, 8, 16], [3, 3, 16, 2]],
    outputShapes: [[1, 8, 8, 32]],
  };
  assert.equal(kernelFlops([dw]), 2 * 8 * 8 * 32 * 9);
  const grads = [
    {
      name: "DepthwiseConv2dNativeBackpropInput",
      inputShapes: [[1, 8, 8, 32], [3, 3, 16, 2]],
      outputShapes: [[1, 8, 8, 16]],
    },
    {
      name: "DepthwiseConv2dNativeBackpropFilter",
      inputShapes: [[1, 8, 8, 16], [1, 8, 8, 32]],
      outputShapes: [[3, 3, 16, 2]],
    },
  ];
  for (const g of grads) assert.equal(kernelFlops([g]), kernelFlops([dw]), g.name);
  await useBackend("wasm");
  // MobileNet paper, Table 8: 569M mult-adds; MobileNetV2 paper, Table 4: 300M.
  for (const [name, millions] of [["mobilenet_v1", 569], ["mobilenet_v2", 300]] as const) {
    const model = buildModel(name, { numClasses: 1001, inputSize: 224 });
    const macs = (await forwardFlops(model)) / 2e6;
    assert.ok(
      Math.abs(macs - millions) / millions < 0.01,
      `${name}: ${macs.toFixed(1)}M mult-adds`,
    );
    model.store.dispose();
  }
});
