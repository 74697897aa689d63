/**
 * Will a training step fit in this machine's memory? On the `onednn`
 * backend tensor memory is bounded by RAM; a step that needs more than is
 * free would be killed by the kernel's OOM killer mid-step, naming nothing.
 * The train step measures its own peaks at batch 1 and 2 (exact, on the
 * backend's allocator), one for the forward pass and one for the backward
 * pass and update (they grow at different rates: a frozen prefix's
 * activations peak in the forward pass, weights, gradients and optimizer
 * temporaries in the backward one), extrapolates each to its batch, and
 * refuses to start with a message that says how large a batch fits.
 *
 * @module
 */

/** What a memory plan is computed from (bytes). */
export interface MemoryProbe {
  /** Peak tensor bytes of the forward pass at batch 1 and at batch 2. */
  forward: [number, number];
  /** Peak tensor bytes of the backward pass and update at batch 1 and at batch 2. */
  backward: [number, number];
  /** The batch to run. */
  batch: number;
  /** Bytes the first update will add (optimizer slots). */
  extra: number;
  /** Tensor bytes alive now (weights, the batch itself...). */
  live: number;
  /** Bytes the machine can still give. */
  available: number;
}

/** The verdict of {@linkcode planMemory}. */
export interface MemoryPlan {
  /** Predicted peak tensor bytes of one step at the batch. */
  peak: number;
  /** Bytes per image of the batch. */
  perImage: number;
  /** Bytes beyond what is alive now. */
  needed: number;
  fits: boolean;
  /** The largest batch that fits (0 when not even one image does). */
  largestBatch: number;
}

/** Share of the available memory a step may plan to use (the rest: runtime, caches, pool). */
const HEADROOM = 0.85;

/** Extrapolates each phase's peak linearly in the batch size and compares the larger with what is free. */
export function planMemory(p: MemoryProbe): MemoryPlan {
  const lines = [p.forward, p.backward].map(([one, two]) => {
    const slope = Math.max(0, two - one);
    return { slope, fixed: one - slope + p.extra };
  });
  const at = (batch: number) => Math.max(...lines.map((l) => l.fixed + l.slope * batch));
  const peak = at(p.batch);
  const budget = p.available * HEADROOM + p.live;
  let largestBatch = 0;
  if (at(1) <= budget) {
    // The largest b with every line under the budget.
    largestBatch = Math.min(
      ...lines.map((l) => (l.slope > 0 ? Math.floor((budget - l.fixed) / l.slope) : Infinity)),
    );
    if (!Number.isFinite(largestBatch)) largestBatch = p.batch;
  }
  const perImage = Math.max(...lines.map((l) => l.slope));
  return { peak, perImage, needed: peak - p.live, fits: peak <= budget, largestBatch };
}

function size(bytes: number): string {
  return bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(1)} GiB`
    : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function perImageMiB(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return mib >= 10 ? mib.toFixed(0) : mib.toFixed(2);
}

/** The error a plan that does not fit raises; `what` names the step. */
export function memoryError(what: string, p: MemoryProbe, plan: MemoryPlan): Error {
  const advice = plan.largestBatch > 0
    ? `use a batch of at most ${plan.largestBatch} (each image needs ${
      perImageMiB(plan.perImage)
    } MiB)`
    : "not even batch 1 fits: use smaller images";
  return new Error(
    `${what}: needs about ${size(plan.peak)} of tensor memory (${size(plan.needed)} more than ` +
      `is in use) but this machine has ${size(p.available)} available; ${advice}, train fewer ` +
      `scopes, or free memory (close other notebooks and processes)`,
  );
}

function readNumber(path: string, pattern?: RegExp): number | undefined {
  try {
    const text = Deno.readTextFileSync(path);
    const m = pattern ? pattern.exec(text) : /^(\d+)/.exec(text.trim());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes this process can still allocate: MemAvailable, capped by a cgroup
 * (v2) memory limit when one is set. `TL_MEMORY_AVAILABLE_MIB` overrides it
 * (for tests, or to keep room for something else).
 */
export function availableMemory(): number {
  const override = Number(Deno.env.get("TL_MEMORY_AVAILABLE_MIB"));
  if (Number.isFinite(override) && override > 0) return override * 2 ** 20;
  const kib = readNumber("/proc/meminfo", /MemAvailable:\s+(\d+) kB/);
  let bytes = kib === undefined ? Infinity : kib * 1024;
  const max = readNumber("/sys/fs/cgroup/memory.max");
  const current = readNumber("/sys/fs/cgroup/memory.current");
  if (max !== undefined && current !== undefined) bytes = Math.min(bytes, max - current);
  return bytes;
}

/** Float input batches alive at once: the one training, the prefetched ones, the pool's spare. */
const BATCH_BUFFERS = 5;

/**
 * Refuses, before anything is allocated, a batch whose float32 input buffers
 * alone cannot fit in memory (`--image-size 4096` at batch 64 is 12 GiB
 * each): the allocation would otherwise fail deep in a loader with a message
 * that names nothing. The step's own peak is checked later, at the first step.
 */
export function checkBatchFits(
  batch: number,
  input: { size: number; channels: number },
  available: number = availableMemory(),
): void {
  const each = batch * input.size * input.size * input.channels * 4;
  if (each * BATCH_BUFFERS <= available * HEADROOM) return;
  const largest = Math.floor((available * HEADROOM) / BATCH_BUFFERS / (each / batch));
  throw new Error(
    `a batch of ${batch} images at ${input.size}×${input.size}×${input.channels} is ${
      size(each)
    } of float32 input (${BATCH_BUFFERS} such buffers are alive while batches are prefetched), ` +
      `but this machine has ${size(available)} available: ` +
      (largest > 0
        ? `use a batch of at most ${largest} at this size, or smaller images`
        : `even one image does not fit: use smaller images`),
  );
}
