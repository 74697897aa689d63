/**
 * The measured fine-tuning table as report sections: the 2×2 with each
 * cell's winner, and a chart of every strategy's accuracy with its spread.
 *
 * @module
 */
import { escapeHtml } from "../util/mod.ts";
import { htmlTable, type ReportSection } from "../report/mod.ts";
import type { TransferTable } from "./transfer_table.ts";

/** The 2×2, the per-strategy chart (mean ± sd over seeds) and the setup. */
export function transferTableSections(t: TransferTable): ReportSection[] {
  const cell = (sim: string, data: string) => {
    const c = t.cells.find((x) => x.similarity === sim && x.data === data)!;
    const w = c.results.find((r) => r.strategy === c.winner)!;
    return `${c.winner}: ${(w.mean * 100).toFixed(1)} ± ${(w.sd * 100).toFixed(1)}%` +
      (c.agrees ? "" : ` (lecture: ${c.recommended})`);
  };
  const strategies = t.cells[0]?.results.map((r) => r.strategy) ?? [];
  const notes = t.cells.filter((c) => !c.agrees).map((c) =>
    `<li>${escapeHtml(`${c.similarity} / ${c.data}: ${c.winner} beat ${c.recommended}`)}${
      c.withinSpread ? " by less than the spread over seeds" : ""
    }</li>`
  ).join("");
  return [
    {
      title: "Which strategy wins (best mean test accuracy)",
      html: htmlTable([
        ["", "very similar dataset", "very different dataset"],
        ["very little data", cell("similar", "little"), cell("different", "little")],
        ["quite a lot of data", cell("similar", "much"), cell("different", "much")],
      ]) +
        (notes ? `<p>Where the measurement disagrees with the lecture:</p><ul>${notes}</ul>` : ""),
    },
    {
      title: "Every strategy in every cell (mean ± sd over seeds)",
      figure: {
        data: strategies.map((s) => ({
          x: t.cells.map((c) => `${c.similarity} / ${c.data} (${c.perClass}/class)`),
          y: t.cells.map((c) => c.results.find((r) => r.strategy === s)!.mean),
          error_y: {
            type: "data",
            array: t.cells.map((c) => c.results.find((r) => r.strategy === s)!.sd),
          },
          name: s,
          type: "bar",
        })),
        layout: {
          barmode: "group",
          yaxis: { title: { text: "test accuracy" }, range: [0, 1], tickformat: ".0%" },
          legend: { orientation: "h", y: -0.25 },
          margin: { b: 120 },
        },
      },
    },
    {
      title: "Setup",
      html: `<p>${
        escapeHtml(
          `Source: small VGG pretrained on ${t.sourceClasses.join(", ")} ` +
            `(test accuracy ${(t.sourceAccuracy * 100).toFixed(1)}%), saved as ` +
            `${t.pretrainedCheckpoint}. Similar target: the other five Fashion-MNIST classes; ` +
            `different target: handwritten digits 0–4. Data: ${t.dataSources.join(", ")}. ` +
            `Wall time ${t.seconds.toFixed(0)} s.`,
        )
      }</p>`,
    },
  ];
}
