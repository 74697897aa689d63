/**
 * Interrupt callback: Ctrl-C (or any listed signal, or an AbortSignal) ends
 * the run after the current step; the checkpoint callback then saves.
 *
 * @module
 */
import type { Callback } from "../loop.ts";

/** Options of {@linkcode interruptCallback}. */
export interface InterruptOptions {
  /** Checked after every step. */
  signal?: AbortSignal;
  /** OS signals that stop the run; default none (`fit` listens to SIGINT when it checkpoints). */
  signals?: Deno.Signal[];
}

/** Stops the run with `stopReason = "interrupted"` once a signal arrives. */
export function interruptCallback(options: InterruptOptions = {}): Callback {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  const signals = Deno.build.os === "windows" ? [] : options.signals ?? [];
  return {
    name: "interrupt",
    order: 90,
    beforeFit() {
      for (const s of signals) Deno.addSignalListener(s, onSignal);
    },
    async afterStep(l) {
      // Let signal handlers run between steps.
      await new Promise((r) => setTimeout(r, 0));
      if (controller.signal.aborted || options.signal?.aborted) l.stopReason = "interrupted";
    },
    cleanup() {
      for (const s of signals) Deno.removeSignalListener(s, onSignal);
    },
  };
}
