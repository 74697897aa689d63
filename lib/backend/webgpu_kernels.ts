/**
 * Where tfjs-backend-webgpu's training kernels differ from TensorFlow, ours
 * replace them, built from its own kernels (the math stays on the GPU).
 *
 * - `AvgPoolGrad`: tfjs divides every window's gradient by the whole window,
 *   TF by the inputs inside it (padding not counted), as its forward pass
 *   does. Wrong at SAME borders, i.e. in every Inception branch pool. Ours
 *   scales dy by window / inside-count per output position (a small
 *   constant made once per shape), then runs tfjs' kernel.
 * - `AddN`: tfjs binds every input to one shader, past the device's
 *   `maxStorageBuffersPerShaderStage` (8 by default): the command fails
 *   validation and the sum is garbage, silently (ResNet-V1-50's weight-decay
 *   sum of 53 parts came out 8.18 instead of 53,065). Ours sums in chunks
 *   that fit.
 *
 * @module
 */
import type {
  backend_util,
  KernelBackend,
  KernelFunc,
  NamedAttrMap,
  TensorInfo,
} from "@tensorflow/tfjs";
import { installKernel, stockKernel } from "./kernel_registry.ts";
import { poolGradInfo } from "./wasm_training_kernels.ts";

const BACKEND = "webgpu";

interface WebGpuBackendLike extends KernelBackend {
  device: GPUDevice;
  makeTensorInfo(shape: number[], dtype: string, values?: Float32Array): TensorInfo;
  disposeData(dataId: object): boolean;
}

/** AddN as a tree of tfjs AddNs, each within the shader's storage-buffer limit. */
function addN({ inputs, backend }: { inputs: TensorInfo[]; backend: KernelBackend }): TensorInfo {
  const gpu = backend as WebGpuBackendLike;
  const stock = stockKernel("AddN", BACKEND).kernelFunc as KernelFunc;
  // One binding is the output's.
  const fit = Math.max(2, gpu.device.limits.maxStorageBuffersPerShaderStage - 1);
  const partial: TensorInfo[] = [];
  let level = [...inputs];
  while (level.length > fit) {
    const next: TensorInfo[] = [];
    for (let i = 0; i < level.length; i += fit) {
      const chunk = level.slice(i, i + fit);
      if (chunk.length === 1) {
        next.push(chunk[0]);
        continue;
      }
      const sum = stock({ inputs: chunk as never, backend }) as TensorInfo;
      partial.push(sum);
      next.push(sum);
    }
    level = next;
  }
  const out = stock({ inputs: level as never, backend }) as TensorInfo;
  for (const t of partial) gpu.disposeData(t.dataId);
  return out;
}

/** window size / inputs inside the window, per output position ([outH·outW]). */
export function avgPoolBorderScale(info: backend_util.Conv2DInfo): Float32Array {
  const { inHeight, inWidth, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const out = new Float32Array(outHeight * outWidth);
  for (let oy = 0; oy < outHeight; oy++) {
    const rows = Math.min(inHeight, oy * sh - top + fh) - Math.max(0, oy * sh - top);
    for (let ox = 0; ox < outWidth; ox++) {
      const cols = Math.min(inWidth, ox * sw - left + fw) - Math.max(0, ox * sw - left);
      out[oy * outWidth + ox] = rows > 0 && cols > 0 ? (fh * fw) / (rows * cols) : 0;
    }
  }
  return out;
}

function avgPoolGrad(
  { inputs, backend, attrs }: {
    inputs: Record<string, TensorInfo>;
    backend: KernelBackend;
    attrs?: NamedAttrMap;
  },
): TensorInfo {
  const { dy, input } = inputs;
  const info = poolGradInfo(input, attrs ?? {});
  const gpu = backend as WebGpuBackendLike;
  const scale = gpu.makeTensorInfo(
    [1, info.outHeight, info.outWidth, 1],
    "float32",
    avgPoolBorderScale(info),
  );
  const multiply = stockKernel("Multiply", BACKEND).kernelFunc as KernelFunc;
  const scaled = multiply({ inputs: { a: dy, b: scale }, backend }) as TensorInfo;
  const stock = stockKernel("AvgPoolGrad", BACKEND).kernelFunc as KernelFunc;
  const out = stock({ inputs: { dy: scaled, input }, backend, attrs }) as TensorInfo;
  // Freed once the queued work that reads them has been submitted (tfjs defers it).
  gpu.disposeData(scale.dataId);
  gpu.disposeData(scaled.dataId);
  return out;
}

/** Registers our webgpu kernels (after tfjs-backend-webgpu's own). */
export function registerWebgpuKernels(): void {
  installKernel({
    kernelName: "AddN",
    backendName: BACKEND,
    kernelFunc: addN as unknown as KernelFunc,
  });
  installKernel({
    kernelName: "AvgPoolGrad",
    backendName: BACKEND,
    kernelFunc: avgPoolGrad as unknown as KernelFunc,
  });
}
