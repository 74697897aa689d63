/**
 * Process memory figures from /proc (Linux): peak and current resident set.
 *
 * @module
 */

/** Peak resident set size in bytes (VmHWM), or NaN where /proc is missing. */
export function peakRss(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
