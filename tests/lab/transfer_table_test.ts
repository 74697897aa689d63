import assert from "node:assert/strict";
import { classCounts } from "../../lib/data/dataset.ts";
import { transferTableSections } from "../../lib/lab/transfer_report.ts";
import {
  classRange,
  drawPerClass,
  LECTURE_TABLE,
  STRATEGIES,
  type TransferTable,
  transferTableText,
} from "../../lib/lab/transfer_table.ts";
import { tinyData } from "../helpers/tiny.ts";

Deno.test("classRange keeps a block of classes relabelled from 0; drawPerClass draws by seed", () => {
  const ds = tinyData(30); // labels 0, 1, 2 repeating
  const r = classRange(ds, 1, 2);
  assert.deepEqual(r.classNames, ["g", "b"]);
  assert.deepEqual(classCounts(r), [10, 10]);
  const a = drawPerClass(ds, 3, 1), b = drawPerClass(ds, 3, 2);
  assert.deepEqual(classCounts(a), [3, 3, 3]);
  assert.notDeepEqual(a.images, b.images, "another seed draws other images");
  assert.deepEqual(drawPerClass(ds, 3, 1).images, a.images, "the same seed draws the same");
});

function fakeTable(winners: string[]): TransferTable {
  return {
    sourceClasses: ["a"],
    sourceAccuracy: 0.9,
    dataSources: ["x"],
    pretrainedCheckpoint: "ckpt",
    seconds: 1,
    cells: LECTURE_TABLE.map((spec, i) => {
      const results = STRATEGIES.map((s) => ({
        strategy: s.name,
        accuracies: [0.5, 0.6],
        mean: s.name === winners[i] ? 0.9 : s.name === spec.recommended ? 0.85 : 0.5,
        sd: 0.1,
        seconds: 1,
      }));
      return {
        ...spec,
        perClass: 10,
        target: "t",
        results,
        winner: winners[i],
        agrees: winners[i] === spec.recommended,
        withinSpread: winners[i] !== spec.recommended,
      };
    }),
  };
}

Deno.test("the 2×2 text marks each cell's winner and says where it disagrees with the lecture", () => {
  const agree = transferTableText(fakeTable(LECTURE_TABLE.map((c) => c.recommended)));
  assert.ok(agree.includes("The measurement agrees with the lecture in all four cells."));
  assert.match(
    agree.find((l) => l.startsWith("very little data"))!,
    /linear classifier on top 90\.0 ± 10\.0%\s+linear classifier/,
  );
  const t = fakeTable(["from scratch", ...LECTURE_TABLE.slice(1).map((c) => c.recommended)]);
  const lines = transferTableText(t);
  assert.match(
    lines.find((l) => l.startsWith("very little data"))!,
    /from scratch 90\.0 ± 10\.0% \*/,
  );
  assert.ok(
    lines.includes(
      "Disagrees with the lecture in similar / little: from scratch beat linear classifier on top by less than the spread over seeds (a tie here).",
    ),
  );
  assert.equal(lines.filter((l) => l.endsWith("← recommended")).length, 4);
  const [winners, chart] = transferTableSections(t);
  assert.ok(winners.html!.includes("(lecture: linear classifier on top)"));
  const bars = chart.figure!.data as { name: string; error_y: { array: number[] } }[];
  assert.deepEqual(bars.map((b) => b.name), STRATEGIES.map((s) => s.name));
  assert.deepEqual(bars[0].error_y.array, [0.1, 0.1, 0.1, 0.1]);
});
