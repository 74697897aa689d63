/**
 * `deno task measure:sessions [names…]`: runs each session preset the way a
 * student does (`deno task train --preset NAME`, a process of its own), on
 * the data this machine has offline (Fashion-MNIST, resized) and without
 * the ImageNet checkpoints (`--checkpoint none`, which cannot be downloaded
 * here), and records the wall time from start to the test accuracy, the
 * accuracy and the machine in `docs/sessions.json`.
 *
 * @module
 */
import { SESSION_PRESETS } from "../lib/jobs/mod.ts";
import { machineInfo, machineSummary } from "../lib/util/machine.ts";
import { writeFileAtomic } from "../lib/util/mod.ts";

/** One preset's measured run. */
interface SessionRun {
  preset: string;
  exercise: string;
  flags: string[];
  wallSeconds: number;
  testAccuracy?: number;
  steps?: number;
  imagesPerSecond?: number;
  error?: string;
}

const names = Deno.args.length ? Deno.args : Object.keys(SESSION_PRESETS);
const out = new URL("../docs/sessions.json", import.meta.url).pathname;
const previous: { runs?: SessionRun[] } = await Deno.readTextFile(out).then(JSON.parse, () => ({}));
const runs = new Map((previous.runs ?? []).map((r) => [r.preset, r]));
for (const name of names) {
  if (!SESSION_PRESETS[name]) throw new Error(`unknown preset '${name}'`);
  const dir = await Deno.makeTempDir({ prefix: `tl-session-${name}-` });
  const flags = ["--preset", name, "--checkpoint", "none", "--out", dir];
  console.error(`${name}: deno task train ${flags.join(" ")}`);
  const t0 = performance.now();
  const res = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./train.ts", import.meta.url).pathname,
      ...flags,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const wallSeconds = (performance.now() - t0) / 1000;
  const run: SessionRun = {
    preset: name,
    exercise: SESSION_PRESETS[name].exercise,
    flags: flags.slice(0, 4),
    wallSeconds,
  };
  try {
    const r = JSON.parse(await Deno.readTextFile(`${dir}/results.json`));
    Object.assign(run, {
      testAccuracy: r.testAccuracy,
      steps: r.steps,
      imagesPerSecond: r.imagesPerSecond,
    });
  } catch (err) {
    run.error = res.success ? (err as Error).message : `exit ${res.code}`;
  }
  runs.set(name, run);
  console.error(`${name}: ${(wallSeconds / 60).toFixed(1)} min, accuracy ${run.testAccuracy}`);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const machine = machineInfo();
  await writeFileAtomic(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString().slice(0, 10),
        machine: machineSummary(machine),
        dataset: "fashion-mnist (offline; resized to each preset's size)",
        runs: [...runs.values()].sort((a, b) => a.preset.localeCompare(b.preset)),
      },
      null,
      2,
    ) + "\n",
  );
}
