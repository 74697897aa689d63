/**
 * Whether a WebGPU adapter answers here; in CI (`.ci/run` installs
 * `mesa-vulkan-drivers`, a software Vulkan adapter) it must.
 *
 * @module
 */
import { probeWebgpu } from "../../lib/backend/webgpu.ts";
import { useBackend } from "../../lib/backend/mod.ts";
import { requiredInCi } from "./ci.ts";

const probe = await probeWebgpu();

/** True when a WebGPU adapter (software ones included) answers; throws in CI when none does. */
export function webgpuOr(): boolean {
  if (typeof probe !== "string") return true;
  requiredInCi(false, `a WebGPU adapter (mesa-vulkan-drivers; here: ${probe})`);
  return false;
}

/** Starts the webgpu backend (any adapter). */
export function startWebgpu() {
  return useBackend("webgpu", { log: () => {} });
}
