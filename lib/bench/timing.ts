/**
 * The benches' one timing loop: warm-up runs, then runs until the time is
 * spent and at least `minRuns` ran, with each run's time kept.
 *
 * @module
 */

/** Options of {@linkcode timeRuns}. */
export interface TimingOptions {
  /** Seconds to keep running after the warm-up. */
  seconds: number;
  /** Runs at least this many (default 2). */
  minRuns?: number;
  /** Untimed runs first: primitives, pooled buffers, optimizer slots (default 1). */
  warmup?: number;
  /**
   * Awaited after the last run, inside the timed span: where runs only
   * launch work (a GPU step), what reads its results.
   */
  finish?: () => unknown;
}

/** What {@linkcode timeRuns} measured. */
export interface Timing {
  /** Timed runs. */
  runs: number;
  /** Their total wall time, in seconds. */
  seconds: number;
  /** Mean time of one run, in ms. */
  msPerRun: number;
  /** Each run's time, in ms (launch time only where runs launch work). */
  runMs: number[];
}

/** Times `run` (given its index, warm-up runs first); see {@linkcode TimingOptions}. */
export async function timeRuns(
  run: (index: number) => unknown,
  options: TimingOptions,
): Promise<Timing> {
  const warmup = options.warmup ?? 1;
  for (let i = 0; i < warmup; i++) await run(i);
  const minRuns = options.minRuns ?? 2;
  const runMs: number[] = [];
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < options.seconds || runMs.length < minRuns) {
    const start = performance.now();
    await run(warmup + runMs.length);
    runMs.push(performance.now() - start);
  }
  await options.finish?.();
  const seconds = (performance.now() - t0) / 1000;
  return { runs: runMs.length, seconds, msPerRun: (seconds * 1000) / runMs.length, runMs };
}

/** Items per second of a timing whose runs handle `perRun` items each. */
export function perSecond(timing: Timing, perRun: number): number {
  return (timing.runs * perRun) / timing.seconds;
}
