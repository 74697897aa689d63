/**
 * Picks and initialises the tfjs compute backend.
 *
 * Preference for `auto`: tfjs-node-gpu (when installed and a GPU is present),
 * then `webgpu` on a hardware adapter (Deno's WebGPU over the vendor's Vulkan
 * driver), then tfjs-node, then `onednn` (tensors in RAM, heavy ops on
 * oneDNN, when `libdnnl2` loads), then wasm (with our training kernels;
 * capped at 4 GiB), then cpu. `TL_BACKEND` names the choice `auto` makes.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "./quiet.ts";
import "@tensorflow/tfjs-backend-cpu";
import { registerOneDnnKernels, unregisterOneDnnKernels } from "./onednn/kernels.ts";
import { ONEDNN_BACKEND, registerOneDnnBackend } from "./onednn_backend.ts";
import { type AdapterDescription, tryWebgpu } from "./webgpu.ts";

/**
 * What a caller may ask for. `tensorflow` means tfjs-node-gpu or tfjs-node;
 * `webgpu` is Deno's WebGPU (any adapter, software ones included, when asked
 * for by name); `onednn` is tensors in RAM with the heavy ops on oneDNN
 * (needs `libdnnl2`).
 */
export type BackendChoice = "auto" | "tensorflow" | "webgpu" | "onednn" | "wasm" | "cpu";

/** The accepted values of {@linkcode BackendChoice}, for flag validation. */
export const BACKEND_CHOICES: readonly BackendChoice[] = [
  "auto",
  "tensorflow",
  "webgpu",
  "onednn",
  "wasm",
  "cpu",
];

/** What {@linkcode useBackend} ended up with. */
export interface BackendInfo {
  /** The tfjs backend name now active: `tensorflow`, `webgpu`, `onednn`, `wasm` or `cpu`. */
  name: string;
  /** A human description, e.g. `wasm (SIMD, 1 thread)`. */
  description: string;
  /** On `webgpu`: the adapter (vendor, device, driver, limits, features). */
  adapter?: AdapterDescription;
}

/** Options of {@linkcode useBackend}. */
export interface UseBackendOptions {
  /** Where the one-line fallback notice goes; default `console.log` (information, not an error). */
  log?: (line: string) => void;
  /**
   * Run the wasm backend's convolutions and matmuls on oneDNN when it loads
   * (default true; the environment variable `TL_ONEDNN=0` turns it off).
   */
  onednn?: boolean;
}

const TFJS_VERSION = "4.22.0";
const NODE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];
const INSTALL_HINT = `install it with \`deno install --allow-scripts ` +
  `npm:@tensorflow/tfjs-node@${TFJS_VERSION}\` (or tfjs-node-gpu) on a ` +
  `machine with internet access: its install script downloads libtensorflow`;

let noticeShown = false;

function projectNodeModules(): string {
  return new URL("../../node_modules/", import.meta.url).pathname;
}

/** True when the package's native binding was built (its install script ran). */
function nativeBindingPresent(pkg: string): boolean {
  const lib = `${projectNodeModules()}${pkg}/lib`;
  try {
    for (const entry of Deno.readDirSync(lib)) {
      if (!entry.name.startsWith("napi-v")) continue;
      try {
        Deno.statSync(`${lib}/${entry.name}/tfjs_binding.node`);
        return true;
      } catch { /* look at the next napi folder */ }
    }
  } catch { /* package not installed */ }
  return false;
}

function gpuPresent(): boolean {
  try {
    Deno.statSync("/dev/nvidia0");
    return true;
  } catch {
    return false;
  }
}

async function tryTensorflow(packages = NODE_PACKAGES): Promise<BackendInfo | string> {
  const candidates = gpuPresent() ? packages : packages.filter((p) => !p.endsWith("-gpu"));
  if (candidates.length === 0) return "no NVIDIA GPU (/dev/nvidia0) for tfjs-node-gpu";
  const installed = candidates.filter(nativeBindingPresent);
  if (installed.length === 0) {
    const what = candidates.length === 1 ? candidates[0].replace("@tensorflow/", "") : "tfjs-node";
    return `${what} is not installed: ${INSTALL_HINT}`;
  }
  const pkg = installed[0];
  try {
    // A computed specifier keeps Deno from fetching the package eagerly.
    await import(`npm:${pkg}@${TFJS_VERSION}`);
  } catch (err) {
    return `${pkg} is installed but failed to load ` +
      `(${(err as Error).message.split("\n")[0]}); ${INSTALL_HINT}`;
  }
  if (!(await tf.setBackend("tensorflow"))) {
    return `${pkg} loaded but the 'tensorflow' backend did not initialise`;
  }
  return { name: "tensorflow", description: pkg.replace("@tensorflow/", "") };
}

function oneDnnWanted(options: UseBackendOptions): boolean {
  if (options.onednn !== undefined) return options.onednn;
  return Deno.env.get("TL_ONEDNN") !== "0";
}

function threadCount(): number {
  const omp = Number(Deno.env.get("OMP_NUM_THREADS"));
  return Number.isInteger(omp) && omp > 0 ? omp : navigator.hardwareConcurrency;
}

async function tryWasm(options: UseBackendOptions): Promise<BackendInfo | string> {
  // Registered only when asked for: a registered but uninitialised wasm backend outranks cpu, and
  // every layer that imports this module would otherwise find tfjs without a usable default.
  await import("@tensorflow/tfjs-backend-wasm");
  let accelerator = "";
  // Both paths (re)register the wasm training kernels.
  if (oneDnnWanted(options)) {
    const dnn = registerOneDnnKernels();
    if (typeof dnn === "string") {
      accelerator = ` (convolutions on wasm: ${dnn})`;
    } else {
      const n = threadCount();
      accelerator = ` + oneDNN ${dnn.version} convolutions (${n} thread${n === 1 ? "" : "s"})`;
    }
  } else {
    unregisterOneDnnKernels();
  }
  let ok = false;
  try {
    ok = await tf.setBackend("wasm");
  } catch (err) {
    return `wasm backend failed to start: ${(err as Error).message}`;
  }
  if (!ok) return "wasm backend failed to start (is read access allowed?)";
  return { name: "wasm", description: `wasm (SIMD, 1 thread)${accelerator}` };
}

async function tryOneDnn(options: UseBackendOptions): Promise<BackendInfo | string> {
  if (!oneDnnWanted(options)) return "oneDNN is turned off (TL_ONEDNN=0)";
  const dnn = registerOneDnnBackend();
  if (typeof dnn === "string") return dnn;
  if (!(await tf.setBackend(ONEDNN_BACKEND))) return "onednn backend failed to start";
  const n = threadCount();
  return {
    name: ONEDNN_BACKEND,
    description: `onednn (tensors in RAM, no 4 GiB cap; oneDNN ${dnn.version} on ${n} ` +
      `thread${n === 1 ? "" : "s"})`,
  };
}

async function tryCpu(): Promise<BackendInfo | string> {
  if (!(await tf.setBackend("cpu"))) return "cpu backend failed to start";
  return { name: "cpu", description: "cpu (plain JavaScript, slow to train)" };
}

const ATTEMPTS: Record<
  Exclude<BackendChoice, "auto">,
  (options: UseBackendOptions) => Promise<BackendInfo | string>
> = {
  tensorflow: () => tryTensorflow(),
  webgpu: () => tryWebgpu({ allowSoftware: true }),
  onednn: tryOneDnn,
  wasm: tryWasm,
  cpu: tryCpu,
};

/** `auto`'s order: a GPU first (tfjs-node-gpu, then webgpu on hardware), then the CPU paths. */
const AUTO_ORDER: ((options: UseBackendOptions) => Promise<BackendInfo | string>)[] = [
  () => tryTensorflow(NODE_PACKAGES.slice(0, 1)),
  () => tryWebgpu({ allowSoftware: false }),
  () => tryTensorflow(NODE_PACKAGES.slice(1)),
  tryOneDnn,
  tryWasm,
  tryCpu,
];

/**
 * Activates a backend and returns what is active. An explicit choice that
 * cannot start throws; `auto` falls back and says so once, in one line.
 *
 * @example
 * ```ts
 * const { name } = await useBackend("auto");
 * ```
 */
export async function useBackend(
  choice: BackendChoice = "auto",
  options: UseBackendOptions = {},
): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new Error(
      `unknown backend '${choice}': expected one of ${BACKEND_CHOICES.join(", ")}`,
    );
  }
  const log = options.log ?? ((line: string) => console.log(line));

  if (choice !== "auto") {
    const result = await ATTEMPTS[choice](options);
    if (typeof result === "string") {
      throw new Error(`backend '${choice}' unavailable: ${result}`);
    }
    await tf.ready();
    return result;
  }
  const named = Deno.env.get("TL_BACKEND");
  if (named && named !== "auto") {
    if (!BACKEND_CHOICES.includes(named as BackendChoice)) {
      throw new Error(
        `TL_BACKEND=${named}: expected one of ${BACKEND_CHOICES.join(", ")}`,
      );
    }
    return await useBackend(named as BackendChoice, options);
  }
  const reasons: string[] = [];
  for (const attempt of AUTO_ORDER) {
    const result = await attempt(options);
    if (typeof result !== "string") {
      await tf.ready();
      if (reasons.length > 0 && !noticeShown) {
        noticeShown = true;
        log(`backend: using ${result.description}; ${reasons.join("; ")}`);
      }
      return result;
    }
    reasons.push(result);
  }
  throw new Error(`no tfjs backend could start: ${reasons.join("; ")}`);
}
