/**
 * Whether a WebGPU adapter answers here; in CI (`.ci/run` installs
 * `mesa-vulkan-drivers`, a software Vulkan adapter) it must.
 *
 * @module
 */
import { probeWebgpu } from "../../lib/backend/webgpu.ts";
import { useBackend } from "../../lib/backend/mod.ts";

const probe = await probeWebgpu();

/** True when a WebGPU adapter (software ones included) answers; throws in CI when none does. */
export function webgpuOr(): boolean {
  if (typeof probe !== "string") return true;
  if (Deno.env.get("CI")) {
    throw new Error(
      `a WebGPU adapter must answer in CI (.ci/run installs mesa-vulkan-drivers): ${probe}`,
    );
  }
  return false;
}

/** Starts the webgpu backend (any adapter). */
export function startWebgpu() {
  return useBackend("webgpu", { log: () => {} });
}
