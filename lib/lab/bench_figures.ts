/**
 * The CPU figures the notebooks quote, from one source: the committed
 * benchmark baseline (`docs/bench-baseline.json`, written by `deno task
 * bench`). Notebook sources write `{{fig:NAME}}`; building the notebooks
 * fills in the baseline's value, so text and benchmark cannot drift apart.
 *
 * @module
 */

interface LabCase {
  key: string;
  ours: { trainImagesPerSecond: number; peakRssBytes?: number };
  torch?: { train: number; peakRssBytes?: number };
}

interface Baseline {
  date: string;
  machine: { model: string; cores: number; lanes: number; peakGflops: number };
  cases: { backend: string; model: string; batch: number; trainImagesPerSecond: number | null }[];
  lab: LabCase[];
}

/** Two significant digits, as the notebooks quote rates ("8.0", "2.3", "110"). */
function rate(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toPrecision(2) : x.toFixed(1);
}

function hours(seconds: number): string {
  return seconds >= 5400 ? `${(seconds / 3600).toFixed(1)} h` : `${Math.round(seconds / 60)} min`;
}

const GIB = 2 ** 30;

/** The lab cases (`deno task bench`'s keys) by the figure name notebooks and the README use. */
export const LAB_FIGURE_KEYS: Record<string, string> = {
  fc32: "vgg_16@224/fc6-fc8/b32",
  fc100: "vgg_16@224/fc6-fc8/b100",
  all8: "vgg_16@224/all/b8",
  resnet32: "resnet_v1_50@224/all/b32",
};

/**
 * The figures of a baseline: `cpu` (the machine), and for each lab case
 * (`fc32`, `fc100`, `all8`, `resnet32`) its images/s, PyTorch's
 * (`.torch`), peak RSS in GiB (`.rss`, `.torchRss`) and one CIFAR-10 epoch
 * of 50,000 images (`.epoch`); `vgg32` and `smallvgg` (oneDNN, batch 64).
 */
export function benchFigures(baseline: unknown): Record<string, string> {
  const b = baseline as Baseline;
  if (!b?.machine || !Array.isArray(b.lab) || !Array.isArray(b.cases)) {
    throw new Error(
      "benchmark baseline: expected {machine, cases, lab} as `deno task bench` writes",
    );
  }
  const m = b.machine;
  const isa = m.lanes === 16 ? "AVX-512" : m.lanes === 8 ? "AVX2" : `${m.lanes}-lane SIMD`;
  const figures: Record<string, string> = {
    cpu: `${m.cores}-core ${m.model} (${isa}, peak ${m.peakGflops.toFixed(0)} GFLOP/s fp32)`,
    date: b.date.slice(0, 10),
  };
  for (const [name, key] of Object.entries(LAB_FIGURE_KEYS)) {
    const c = b.lab.find((x) => x.key === key);
    if (!c) throw new Error(`benchmark baseline: no lab case '${key}'`);
    const ips = c.ours.trainImagesPerSecond;
    figures[name] = rate(ips);
    figures[`${name}.epoch`] = hours(50_000 / ips);
    if (c.ours.peakRssBytes) figures[`${name}.rss`] = (c.ours.peakRssBytes / GIB).toFixed(1);
    if (c.torch) {
      figures[`${name}.torch`] = rate(c.torch.train);
      figures[`${name}.ratio`] = (ips / c.torch.train).toFixed(1);
      if (c.torch.peakRssBytes) {
        figures[`${name}.torchRss`] = (c.torch.peakRssBytes / GIB).toFixed(1);
      }
    }
  }
  for (const [name, model] of [["vgg32", "vgg_16@32"], ["smallvgg", "small_vgg"]] as const) {
    const c = b.cases.find((x) => x.backend === "onednn" && x.model === model);
    if (c?.trainImagesPerSecond) figures[name] = rate(c.trainImagesPerSecond);
  }
  return figures;
}

/** `deno task bench:features`' JSON (`docs/feature-cache.json`). */
interface FeatureBench {
  laterEpochRatio: number;
  projectedHours: { plain: number; cached: number };
}

/**
 * The frozen-feature figures: `cache.ratio` (a later epoch's time as a
 * percentage of one that recomputes the frozen layers), `cache.plain` and
 * `cache.cached` (50,000 images × 5 epochs of exercise 3's fc6–fc8 setting).
 */
export function featureCacheFigures(bench: unknown): Record<string, string> {
  const b = bench as FeatureBench;
  if (!(b?.laterEpochRatio > 0) || !(b.projectedHours?.plain > 0)) {
    throw new Error(
      "feature-cache benchmark: expected {laterEpochRatio, projectedHours} as " +
        "`deno task bench:features` writes",
    );
  }
  const pct = 100 * b.laterEpochRatio;
  return {
    "cache.ratio": `${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)} %`,
    "cache.plain": hours(b.projectedHours.plain * 3600),
    "cache.cached": hours(b.projectedHours.cached * 3600),
  };
}

/** Replaces every `{{fig:NAME}}` in `text`; an unknown name is an error naming `where`. */
export function fillFigures(text: string, figures: Record<string, string>, where: string): string {
  return text.replace(/\{\{fig:([\w.]+)\}\}/g, (_, name: string) => {
    const v = figures[name];
    if (v === undefined) {
      throw new Error(
        `${where}: unknown figure '{{fig:${name}}}': expected one of ${
          Object.keys(figures).join(", ")
        }`,
      );
    }
    return v;
  });
}
