/**
 * What the machine can do in theory: cores, SIMD width and clock from
 * /proc/cpuinfo, and the fp32 peak they imply.
 *
 * @module
 */

/** A machine description with its theoretical fp32 peak. */
export interface MachineInfo {
  model: string;
  cores: number;
  mhz: number;
  /** fp32 lanes per vector instruction (16 AVX-512, 8 AVX2, 4 SSE). */
  lanes: number;
  fma: boolean;
  /** cores × lanes × 2 (FMA) × 2 (FMA pipes, assumed) × GHz. */
  peakGflops: number;
  /** How the peak was computed. */
  formula: string;
}

/** Reads /proc/cpuinfo (falls back to navigator.hardwareConcurrency). */
export function machineInfo(): MachineInfo {
  let text = "";
  try {
    text = Deno.readTextFileSync("/proc/cpuinfo");
  } catch { /* not Linux */ }
  const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  const flags = new Set(field("flags").split(/\s+/));
  const cores = navigator.hardwareConcurrency || 1;
  const mhz = Number(field("cpu MHz")) || NaN;
  const lanes = flags.has("avx512f") ? 16 : flags.has("avx2") ? 8 : 4;
  const fma = flags.has("fma");
  const pipes = 2;
  const peakGflops = cores * lanes * (fma ? 2 : 1) * pipes * (mhz / 1000);
  return {
    model: field("model name") || "unknown",
    cores,
    mhz,
    lanes,
    fma,
    peakGflops,
    formula: `${cores} cores × ${lanes} fp32 lanes × ${fma ? "2 (FMA)" : "1"} × ${pipes} pipes × ${
      (mhz / 1000).toFixed(2)
    } GHz`,
  };
}

/** One line naming the machine: "AMD EPYC, 2 cores, AVX-512, peak 332 GFLOP/s fp32". */
export function machineSummary(m: MachineInfo = machineInfo()): string {
  const isa = m.lanes === 16 ? "AVX-512" : m.lanes === 8 ? "AVX2" : `${m.lanes} fp32 lanes`;
  const peak = Number.isFinite(m.peakGflops)
    ? `, peak ${m.peakGflops.toFixed(0)} GFLOP/s fp32`
    : "";
  return `${m.model}, ${m.cores} cores, ${isa}${peak}`;
}
