/**
 * The `webgpu` backend: tfjs-backend-webgpu over Deno's built-in WebGPU,
 * which runs on the GPU vendor's Vulkan driver (no CUDA toolkit, no version
 * pinning). One adapter and one device per process, requested by us rather
 * than by tfjs' own factory, and three guards tfjs lacks under Deno:
 *
 * - `XDG_RUNTIME_DIR`: Mesa's window-system probe prints "XDG_RUNTIME_DIR is
 *   invalid or not set" twice per process without it; a private temp folder
 *   is set before the adapter is requested.
 * - synchronous reads (`dataSync`, `arraySync`) go through a 2D canvas that
 *   Deno does not have (`TypeError: … reading 'clearRect'`): they now fail
 *   with a message that says to `await tensor.data()`.
 * - a tensor larger than the adapter can bind would fail validation
 *   asynchronously and leave zeros: it is refused when its buffer is made.
 * - any other command that fails validation is reported (once per message)
 *   on stderr: WebGPU says nothing otherwise, and the results are wrong.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { registerWebgpuKernels } from "./webgpu_kernels.ts";

/** The name tfjs knows the backend by. */
export const WEBGPU_BACKEND = "webgpu";

/** What the adapter says about itself (Deno's `GPUAdapterInfo`, plus what we derive). */
export interface AdapterDescription {
  /** Vendor as a name where the PCI id is known (`NVIDIA`, `AMD`, `Intel`, `Mesa`), else the id. */
  vendor: string;
  /** The device's name, e.g. `NVIDIA H200` or `llvmpipe (LLVM 15.0.6, 256 bits)`. */
  device: string;
  /** The kernel driver's version where the system exposes it (NVIDIA's /proc file). */
  driver?: string;
  /** A CPU implementation (llvmpipe, lavapipe, SwiftShader, WARP): correct but very slow. */
  software: boolean;
  /** The largest buffer a shader can bind, in bytes. */
  maxBindingBytes: number;
  /** Optional features the adapter offers (`shader-f16`, `subgroups`, `timestamp-query`, ...). */
  features: string[];
}

const PCI_VENDORS: Record<number, string> = {
  0x10de: "NVIDIA",
  0x1002: "AMD",
  0x1022: "AMD",
  0x8086: "Intel",
  0x10005: "Mesa",
  0x13b5: "ARM",
  0x5143: "Qualcomm",
  0x106b: "Apple",
  0x1414: "Microsoft",
};

const SOFTWARE_DEVICES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|warp/i;

/** True for adapters that run on the CPU (never picked by `auto`). */
export function isSoftwareAdapter(info: { description?: string; isFallbackAdapter?: boolean }) {
  return info.isFallbackAdapter === true || SOFTWARE_DEVICES.test(info.description ?? "");
}

function nvidiaDriver(): string | undefined {
  try {
    const text = Deno.readTextFileSync("/proc/driver/nvidia/version");
    return /Kernel Module\s+(?:for \S+\s+)?([\d.]+)/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

interface AdapterInfoLike {
  vendor?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** Describes an adapter from its `info`, limits and features. */
export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = (adapter as unknown as { info: AdapterInfoLike }).info ?? {};
  const id = Number(info.vendor);
  const vendor = PCI_VENDORS[id] ??
    (Number.isFinite(id) && info.vendor ? `0x${id.toString(16)}` : info.vendor || "unknown");
  return {
    vendor,
    device: info.description || `device ${info.device ?? "?"}`,
    driver: vendor === "NVIDIA" ? nvidiaDriver() : undefined,
    software: isSoftwareAdapter(info),
    maxBindingBytes: adapter.limits.maxStorageBufferBindingSize,
    features: [...adapter.features].sort(),
  };
}

/** One line for logs: `NVIDIA H200 (NVIDIA, driver 550.54.15)`. */
export function adapterLine(d: AdapterDescription): string {
  const parts = [d.vendor, d.driver ? `driver ${d.driver}` : undefined].filter(Boolean);
  return `${d.device} (${parts.join(", ")}${d.software ? ", software: slow, for testing" : ""})`;
}

/** Sets a private `XDG_RUNTIME_DIR` when none is set (see the module's notes). */
function ensureRuntimeDir(): void {
  if (Deno.env.get("XDG_RUNTIME_DIR")) return;
  try {
    Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync({ prefix: "tl-xdg-" }));
  } catch { /* no env or temp permission: the warning lines stay */ }
}

/**
 * With an adapter in the process, oneDNN's OpenMP threads still spinning at
 * exit crash the teardown (SIGSEGV after the last line, seen with llvmpipe):
 * threads that sleep at once (set before oneDNN loads), and a short pause
 * at exit for those that already spin, avoid it.
 */
function calmOpenMpAtExit(): void {
  try {
    if (!Deno.env.get("OMP_WAIT_POLICY")) Deno.env.set("OMP_WAIT_POLICY", "passive");
  } catch { /* no env permission */ }
  globalThis.addEventListener("unload", () => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  });
}

/** A GPU's device node exists (NVIDIA, AMD's compute node, or any DRM render node). */
export function gpuDeviceNodePresent(): boolean {
  for (const path of ["/dev/nvidia0", "/dev/kfd"]) {
    try {
      Deno.statSync(path);
      return true;
    } catch { /* look further */ }
  }
  try {
    for (const e of Deno.readDirSync("/dev/dri")) if (e.name.startsWith("renderD")) return true;
  } catch { /* no DRM */ }
  return Deno.build.os !== "linux"; // elsewhere we cannot tell: ask WebGPU
}

let adapterRequest: Promise<GPUAdapter | null> | undefined;

/**
 * The process's one adapter. tfjs' factory asks for a fresh adapter each
 * time the backend is (re)created, which Deno 2.x may refuse ("adapter
 * cannot be reused", tfjs #8518 / deno #28135); we ask once and keep it.
 */
function requestAdapter(): Promise<GPUAdapter | null> {
  if (!adapterRequest) {
    ensureRuntimeDir();
    calmOpenMpAtExit();
    const gpu = (navigator as { gpu?: GPU }).gpu;
    adapterRequest = gpu
      ? gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null)
      : Promise.resolve(null);
  }
  return adapterRequest;
}

/** The adapter `webgpu` would run on, or why there is none. Starts nothing. */
export async function probeWebgpu(): Promise<AdapterDescription | string> {
  if (!("gpu" in navigator)) return "this runtime has no WebGPU (navigator.gpu)";
  const adapter = await requestAdapter();
  if (!adapter) {
    return "no WebGPU adapter (install libvulkan1 and the GPU vendor's Vulkan driver, its ICD " +
      "file in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d)";
  }
  return describeAdapter(adapter);
}

interface WebGpuBackendLike {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { values?: unknown; dtype: string } | undefined };
  readSync(dataId: object): unknown;
  bufferManager: {
    acquireBuffer(size: number, usage: number, mapped?: boolean, reuse?: boolean): GPUBuffer;
  };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const reported = new Set<string>();

/** Writes a GPU validation error once per message (WebGPU drops them silently otherwise). */
function reportGpuError(message: string): void {
  if (reported.has(message)) return;
  reported.add(message);
  console.error(`webgpu: a GPU command failed, its results are wrong: ${message}`);
}

/** The guards of the module's notes, on one backend instance. */
function guard(backend: WebGpuBackendLike): void {
  backend.device.addEventListener("uncapturederror", (e) => {
    reportGpuError((e as GPUUncapturedErrorEvent).error.message);
  });
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId) => {
    const data = backend.tensorMap.get(dataId);
    if (data && (data.values != null || data.dtype === "string")) return readSync(dataId);
    throw new Error(
      "webgpu: a synchronous read (dataSync, arraySync, bufferSync) of a tensor on the GPU " +
        "cannot run under Deno (tfjs reads through a 2D canvas, which Deno has not): " +
        "use `await tensor.data()` or `await tensor.array()`",
    );
  };
  const manager = backend.bufferManager;
  const acquire = manager.acquireBuffer.bind(manager);
  const limit = backend.device.limits.maxStorageBufferBindingSize;
  manager.acquireBuffer = (size, usage, mapped, reuse) => {
    if ((usage & GPUBufferUsage.STORAGE) !== 0 && size > limit) {
      throw new Error(
        `webgpu: a tensor of ${mib(size)} is larger than this adapter can bind ` +
          `(maxStorageBufferBindingSize ${mib(limit)}): use a smaller batch or image size`,
      );
    }
    return acquire(size, usage, mapped, reuse);
  };
}

let registered = false;

/** Loads tfjs-backend-webgpu's kernels and registers our factory for `webgpu`. */
async function register(adapter: GPUAdapter): Promise<void> {
  if (registered) return;
  // Importing registers the kernels and tfjs' own factory (priority 3); ours replaces it.
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  registered = true;
  registerWebgpuKernels();
  tf.removeBackend(WEBGPU_BACKEND);
  tf.registerBackend(WEBGPU_BACKEND, async () => {
    const limits = adapter.limits;
    const wanted = (["timestamp-query"] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({
      requiredFeatures: wanted,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    const info = (adapter as unknown as { info: object }).info;
    const backend = new WebGPUBackend(device, info as never);
    guard(backend as unknown as WebGpuBackendLike);
    return backend;
  }, 1);
}

/** Options of {@linkcode tryWebgpu}. */
export interface TryWebgpuOptions {
  /**
   * Accept a software adapter (an explicit `webgpu` does; `auto` does not,
   * and on Linux asks WebGPU only where a GPU device node exists).
   */
  allowSoftware: boolean;
}

/** Starts `webgpu`; returns its description, or why it cannot run. */
export async function tryWebgpu(
  options: TryWebgpuOptions,
): Promise<{ name: string; description: string; adapter: AdapterDescription } | string> {
  if (!options.allowSoftware && !gpuDeviceNodePresent()) {
    return "no GPU device (/dev/nvidia0, /dev/kfd or /dev/dri/renderD*) for webgpu";
  }
  const probe = await probeWebgpu();
  if (typeof probe === "string") return probe;
  if (probe.software && !options.allowSoftware) {
    return `the WebGPU adapter is a software one (${probe.device}), about 1000× slower than ` +
      `oneDNN: ask for the 'webgpu' backend explicitly to use it`;
  }
  await register((await requestAdapter())!);
  let ok = false;
  try {
    ok = await tf.setBackend(WEBGPU_BACKEND);
  } catch (err) {
    return `webgpu backend failed to start: ${(err as Error).message}`;
  }
  if (!ok) return "webgpu backend failed to start";
  return { name: WEBGPU_BACKEND, description: `webgpu on ${adapterLine(probe)}`, adapter: probe };
}

/** True when tensors live on a GPU whose reads are asynchronous (webgpu, webgl). */
export function asyncReadsBackend(): boolean {
  const name = tf.getBackend();
  return name === WEBGPU_BACKEND || name === "webgl";
}
