/**
 * `deno task demo`: the lecture's fine-tuning table, measured offline on
 * both axes (little / much target data × similar / different target task),
 * every strategy over several seeds. Prints the 2×2 with each cell's winner
 * and writes `results.json` and `report.html`.
 *
 * @module
 */
import { type BackendChoice, useBackend } from "../lib/backend/select.ts";
import { transferTableSections } from "../lib/lab/transfer_report.ts";
import { transferTable, transferTableText } from "../lib/lab/transfer_table.ts";
import { standaloneReport } from "../lib/report/plotly.ts";
import { writeFileAtomic } from "../lib/util/atomic.ts";
import { machineInfo, machineSummary } from "../lib/util/machine.ts";
import { choiceFlag, numberFlag, parseFlags, runMain, usage } from "../lib/util/cli.ts";
import { BACKEND_CHOICES } from "../lib/backend/select.ts";

const FLAGS = {
  backend: { type: "string", default: "auto", help: BACKEND_CHOICES.join(", ") },
  "pretrain-per-class": { type: "string", default: "1200", help: "source-task images per class" },
  "pretrain-epochs": { type: "string", default: "4", help: "source-task epochs" },
  small: { type: "string", default: "10", help: "target images per class, 'very little data'" },
  large: { type: "string", default: "300", help: "target images per class, 'quite a lot'" },
  "target-images": { type: "string", default: "2400", help: "target images shown per run" },
  "test-per-class": { type: "string", default: "200", help: "target test images per class" },
  seeds: { type: "string", default: "3", help: "runs per strategy and cell" },
  out: { type: "string", default: "out/demo", help: "folder for results.json and report.html" },
} as const;

const HELP = usage(
  "deno task demo [options]",
  "Measure the lecture's fine-tuning table (data size × similarity) on Fashion-MNIST and MNIST.",
  FLAGS,
);

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  const int = (name: string) => numberFlag(values, name, { integer: true, min: 1 });
  const options = {
    sourcePerClass: int("pretrain-per-class"),
    sourceEpochs: int("pretrain-epochs"),
    little: int("small"),
    much: int("large"),
    targetImages: int("target-images"),
    testPerClass: int("test-per-class"),
    seeds: int("seeds"),
    out: String(values.out),
  };
  const backend = await useBackend(choiceFlag(values, "backend", BACKEND_CHOICES) as BackendChoice);
  console.log(`machine: ${machineSummary()}`);
  console.log(`backend: ${backend.description}`);
  const table = await transferTable({ ...options, progress: true });
  for (const line of transferTableText(table)) console.log(line);
  console.log(`\nwall time ${table.seconds.toFixed(0)} s`);
  await writeFileAtomic(
    `${options.out}/results.json`,
    JSON.stringify({ backend: backend.name, machine: machineInfo(), ...table }, null, 2),
  );
  await writeFileAtomic(
    `${options.out}/report.html`,
    standaloneReport(
      "When to fine-tune what: the lecture's table, measured",
      transferTableSections(table),
    ),
  );
  console.log(`results: ${options.out}/results.json; report: ${options.out}/report.html`);
}

if (import.meta.main) await runMain(main, HELP);
